"""What people also type: Slack /remind, Todoist and Google Calendar habits (README: What you can type)."""

import subprocess
import sys
from pathlib import Path

import pytest

from scheduling import ParseError, Schedule, describe, next_runs, parse
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


MON_TO_SAT = ["2026-03-07T09:00:00-05:00", "2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00"]
WEEKDAYS_9 = ["2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00", "2026-03-11T09:00:00-04:00"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every workday", WEEKDAYS_9),
        ("every business day", WEEKDAYS_9),
        ("workdays at 9", WEEKDAYS_9),
        ("every working day", WEEKDAYS_9),
        ("every work day at 9", WEEKDAYS_9),
        ("on the 1st and 15th", ["2026-03-15T09:00:00-04:00", "2026-04-01T09:00:00-04:00"]),
        ("every single day", ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"]),
        ("each monday", ["2026-03-09T09:00:00-04:00", "2026-03-16T09:00:00-04:00", "2026-03-23T09:00:00-04:00"]),
        ("every day except sunday", MON_TO_SAT),
        ("daily except weekends", WEEKDAYS_9),
        ("every day except saturday and sunday at 9am", WEEKDAYS_9),
        ("every weekday except friday", ["2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00"]),
        ("on weekdays at 9", WEEKDAYS_9),
        ("Mon-Fri 9am", WEEKDAYS_9),
        ("9am mon-fri", WEEKDAYS_9),
        ("every 2nd day", ["2026-03-07T09:00:00-05:00", "2026-03-09T09:00:00-04:00"]),
        ("every fortnight", ["2026-03-13T09:00:00-04:00", "2026-03-27T09:00:00-04:00"]),
        ("every two weeks", ["2026-03-13T09:00:00-04:00", "2026-03-27T09:00:00-04:00"]),
        ("every 2 hours between 9am and 5pm", ["2026-03-06T11:00:00-05:00", "2026-03-06T13:00:00-05:00"]),
        ("every monday until end of march", ["2026-03-09T09:00:00-04:00", "2026-03-16T09:00:00-04:00",
                                             "2026-03-23T09:00:00-04:00", "2026-03-30T09:00:00-04:00"]),
    ],
)  # fmt: skip
def test_more_repeats(text: str, expected: list[str]) -> None:
    assert runs(text, count=len(expected) + 1)[: len(expected)] == expected


def test_every_day_for_two_weeks_ends_after_fourteen_runs() -> None:
    found = runs("every day at 9am for 2 weeks", count=20)
    assert (len(found), found[-1]) == (14, "2026-03-20T09:00:00-04:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # elapsed-looking, but on named days: on the hour, all day, wall clock (like cron '0 * * * 1-5')
        ("every hour on weekdays", ["2026-03-06T11:00:00-05:00", "2026-03-06T12:00:00-05:00"]),
        ("hourly on weekdays", ["2026-03-06T11:00:00-05:00", "2026-03-06T12:00:00-05:00"]),
        ("every hour except weekends", ["2026-03-06T11:00:00-05:00", "2026-03-06T12:00:00-05:00"]),
        ("every 30 minutes on weekends", ["2026-03-07T00:00:00-05:00", "2026-03-07T00:30:00-05:00"]),
    ],
)
def test_hourly_on_days(text: str, expected: list[str]) -> None:
    assert runs(text, count=2) == expected


def test_hourly_on_weekdays_skips_the_weekend_and_the_dst_gap() -> None:
    found = runs("every hour on sundays", count=4, now_text="2026-03-08T00:30:00")
    assert found == [
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T03:00:00-04:00",  # 02:00 does not exist; 03:00 runs once
        "2026-03-08T04:00:00-04:00",
        "2026-03-08T05:00:00-04:00",
    ]
    friday_night = runs("hourly on weekdays", count=2, now_text="2026-03-06T22:30:00")
    assert friday_night == ["2026-03-06T23:00:00-05:00", "2026-03-09T00:00:00-04:00"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next week", "2026-03-09T09:00:00-04:00"),  # Monday of next week
        ("next week at 3pm", "2026-03-09T15:00:00-04:00"),
        ("next month", "2026-04-01T09:00:00-04:00"),  # the 1st
        ("the 3rd of next month", "2026-04-03T09:00:00-04:00"),
        ("3rd of next month at 5pm", "2026-04-03T17:00:00-04:00"),
        ("next year", "2027-01-01T09:00:00-05:00"),
    ],
)
def test_next_week_month_year(text: str, expected: str) -> None:
    assert runs(text) == [expected]


def test_next_week_said_on_sunday_is_tomorrow() -> None:
    assert runs("next week", now_text="2026-03-08T10:00:00") == ["2026-03-09T09:00:00-04:00"]


def test_starting_next_week_until_next_month() -> None:
    found = runs("every day starting next week until next month", count=40)
    assert (found[0], found[-1], len(found)) == ("2026-03-09T09:00:00-04:00", "2026-04-01T09:00:00-04:00", 24)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("every other weekday", "unclear"),
        ("every other workday", "unclear"),
        ("every weeknight", "Sunday-Thursday or Monday-Friday"),
        ("weeknights at 8pm", "Sunday-Thursday or Monday-Friday"),
        ("every weekday except sunday", "Sunday is not one of the days"),
        ("every day except weekdays and weekends", "no day to run on"),
        ("every month except monday", "'except' fits a daily or weekday repeat"),
        ("every other day except monday", "'except' fits a daily or weekday repeat"),
        ("every 7 hours on mondays", "does not divide a day evenly"),
        ("every hour on weekdays at 9am", "say which hours"),
        ("the 31st of next month", "April 2026 has no day 31"),
        ("every day next week", "say when it starts and ends"),
        ("this week", "does not name a day"),
        ("twice a day", "say at which times"),
    ],
)
def test_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse(text, now=NOW, tz=NY)


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        ("eod", NOW_TEXT, ["2026-03-06T17:00:00-05:00"]),
        ("by end of the day", NOW_TEXT, ["2026-03-06T17:00:00-05:00"]),
        ("tomorrow eod", NOW_TEXT, ["2026-03-07T17:00:00-05:00"]),
        ("friday by cob", "2026-03-05T10:00:00", ["2026-03-06T17:00:00-05:00"]),
        ("every weekday at eod", NOW_TEXT, ["2026-03-06T17:00:00-05:00", "2026-03-09T17:00:00-04:00"]),
    ],
)
def test_end_of_day_is_5pm(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, count=len(expected), now_text=now_text) == expected


def test_eod_after_5pm_is_an_error_not_tomorrow() -> None:
    with pytest.raises(ParseError, match="already passed"):
        parse("eod", now=local("2026-03-06T17:30:00"), tz=NY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow at 9am and 5pm", ["2026-03-07T09:00:00-05:00", "2026-03-07T17:00:00-05:00"]),
        ("tomorrow at 9 and 5", ["2026-03-07T09:00:00-05:00", "2026-03-07T17:00:00-05:00"]),  # bare hours as in repeats
        ("today at 11am and 5:30pm", ["2026-03-06T11:00:00-05:00", "2026-03-06T17:30:00-05:00"]),
        ("friday at 9am and 5pm", ["2026-03-13T09:00:00-04:00", "2026-03-13T17:00:00-04:00"]),  # 9am today passed
        ("march 8 at 1:30am and 2:30am", ["2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00"]),  # rule 10
    ],
)
def test_several_times_on_one_day(text: str, expected: list[str]) -> None:
    assert runs(text, count=5) == expected


def test_several_times_on_one_day_reads_as_one_day() -> None:
    schedule = parse("tomorrow at 9am and 5pm", now=NOW, tz=NY)
    assert describe(schedule, now=NOW) == "on Sat Mar 7, 2026 at 9:00 AM and 5:00 PM (America/New_York)"
    assert Schedule.from_canonical(schedule.to_canonical()) == schedule


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("today at 9am and 5pm", "09:00 has already passed"),
        ("wednesday march 10 at 9 and 5", "is a Tuesday"),
        ("at 3pm EST", "'EST' is ambiguous"),
        ("every day at 9am pst", "'pst' is ambiguous"),
        ("at 3pm utc+2", "'utc\\+2' is ambiguous"),
        ("at 3pm Europe/Berlinn", "not a time zone I know"),
    ],
)
def test_same_day_and_zone_refusals(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse(text, now=NOW, tz=NY)


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("every day at 09:00 UTC", "UTC", ["2026-03-07T09:00:00+00:00", "2026-03-08T09:00:00+00:00"]),
        ("at 4pm GMT", "GMT", ["2026-03-06T16:00:00+00:00"]),  # GMT is fixed UTC+0; now is 15:00 UTC
        ("at 3pm Europe/Berlin", "Europe/Berlin", ["2026-03-07T15:00:00+01:00"]),  # 16:00 there already
        ("every weekday at 9am in america/los_angeles", "America/Los_Angeles",
         ["2026-03-06T09:00:00-08:00", "2026-03-09T09:00:00-07:00"]),
        ("tomorrow at 9am (Asia/Kolkata)", "Asia/Kolkata", ["2026-03-07T09:00:00+05:30"]),
    ],
)  # fmt: skip
def test_a_trailing_zone_overrides_the_users_zone(text: str, zone: str, expected: list[str]) -> None:
    schedule = parse(text, now=NOW, tz=NY)
    assert schedule.zone == zone
    assert [run.isoformat() for run in next_runs(schedule, NOW, len(expected))] == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("'27 march", "don't understand ''27'"),  # not March 27
        ("not friday", "don't understand 'not'"),
        ("except friday", "needs a repeat before it"),
        ("tomorrow eod at 9am", "already says the time"),
    ],
)
def test_no_silent_guesses(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse(text, now=NOW, tz=NY)
