"""What people also type: Slack /remind, Todoist and Google Calendar habits (docs/readme/schedules.md)."""

import pytest

from scheduling import ParseError, next_runs, parse
from tests.scheduling.conftest import NOW_TEXT, NY, local

NOW = local(NOW_TEXT)  # Friday 2026-03-06 10:00 EST


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


@pytest.mark.parametrize("text", ["/", ":", "-", "t", "12/", "every /"])
def test_lone_punctuation_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text, now=NOW, tz=NY)


@pytest.mark.parametrize("text", ["the", "on the", ", and", "- then"])
def test_filler_words_alone_are_no_schedule(text: str) -> None:
    with pytest.raises(ParseError, match="no schedule found"):
        parse(text, now=NOW, tz=NY)
