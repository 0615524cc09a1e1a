"""What people also type: Slack /remind, Todoist and Google Calendar habits (docs/readme/schedules.md)."""

import subprocess
import sys
from pathlib import Path

import pytest

from scheduling import ParseError, next_runs, parse
from tests.scheduling.conftest import NOW_TEXT, NY, local

NOW = local(NOW_TEXT)  # Friday 2026-03-06 10:00 EST
ROOT = Path(__file__).resolve().parents[2]


def runs(text: str, count: int = 3, tz: str = NY, now_text: str = NOW_TEXT) -> list[str]:
    now = local(now_text, tz)
    return [run.isoformat() for run in next_runs(parse(text, now=now, tz=tz), now, count)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-05T09:00", ["2027-01-05T09:00:00-05:00"]),
        ("2026-03-20t17:30", ["2026-03-20T17:30:00-04:00"]),
    ],
)
def test_iso_date_with_t(text: str, expected: list[str]) -> None:
    assert runs(text) == expected


@pytest.mark.parametrize("text", ["/", ":", "-", "t", "12/", "every /", "0`", "0 '"])
def test_lone_punctuation_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text, now=NOW, tz=NY)


@pytest.mark.parametrize("text", ["the", "on the", ", and", "- then"])
def test_filler_words_alone_are_no_schedule(text: str) -> None:
    with pytest.raises(ParseError, match="no schedule found"):
        parse(text, now=NOW, tz=NY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027 jan 5", ["2027-01-05T09:00:00-05:00"]),
        ("jan 5 '27", ["2027-01-05T09:00:00-05:00"]),
        ("5-jan-2027", ["2027-01-05T09:00:00-05:00"]),
        ("5.jan.2027 at 4pm", ["2027-01-05T16:00:00-05:00"]),
        ("the 5th day of january at 3pm", ["2027-01-05T15:00:00-05:00"]),
        ("2027 jan 5 9:30pm", ["2027-01-05T21:30:00-05:00"]),
        ("wednesday 2027 jan 6", ["2027-01-06T09:00:00-05:00"]),
        ("2026 mar 6 at 11am", ["2026-03-06T11:00:00-05:00"]),
        ("2026 mar 8 at 2:30am", ["2026-03-08T03:30:00-04:00"]),  # rule 10: the gap moves forward
        ("2026 nov 1 at 1:30am", ["2026-11-01T01:30:00-04:00"]),  # rule 10: the first of the repeat
    ],
)
def test_written_dates_through_dateparser(text: str, expected: list[str]) -> None:
    assert runs(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2027 feb 30", "February has no day 30"),
        ("tuesday 2027 jan 6", "is a Wednesday, not a Tuesday"),
        ("2026 jan 5", "has already passed"),
        ("2026 mar 6 at 9am", "has already passed"),
        ("jan 5 27", "don't understand '27'"),  # two day numbers: never guess which is the year
        ("jan 5 2027 blah", "don't understand 'blah'"),
        ("may", "don't understand 'may'"),
        ("march 2027", "don't understand 'march'"),
        ("1", "don't understand '1'"),
        ("2027 jan 5 at 25:00", "hours run 0-23"),
        ("25/12", "no month 25"),
        ("2027/25/12", "don't understand"),
        ("05.01.2027", "don't understand"),  # no month name: day/month order unknown
    ],
)
def test_written_dates_refused(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse(text, now=NOW, tz=NY)


def test_dateparser_is_imported_only_for_the_fallback() -> None:
    code = (
        "import sys; from datetime import datetime, timezone; from scheduling import parse, warm_up; "
        "now = datetime(2026, 3, 6, 15, tzinfo=timezone.utc); "
        "[parse(t, now=now, tz='UTC') for t in ('every weekday at 9am', 'march 20 at 5pm', 'in 2 hours')]; "
        "assert 'dateparser' not in sys.modules; warm_up(); assert 'dateparser' in sys.modules"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True, cwd=ROOT)
