"""The long tail of how people write schedules (issue 13): wrong readings fixed, short forms read exactly."""

import pytest

from scheduling import ParseError, describe, next_runs, parse
from tests.scheduling.conftest import NY, local

DEC = "2026-12-01T10:00:00"  # a Tuesday; series cross the year end
MAR = "2026-03-06T10:00:00"  # a Friday, two days before US DST starts


def runs(text: str, now_text: str = DEC, count: int = 3, tz: str = NY) -> list[str]:
    now = local(now_text, tz)
    return [run.isoformat() for run in next_runs(parse(text, now=now, tz=tz), now, count)]


def words(text: str, now_text: str = DEC) -> str:
    now = local(now_text)
    return describe(parse(text, now=now, tz=NY), now=now)


def refused(text: str, now_text: str = DEC) -> str:
    with pytest.raises(ParseError) as caught:
        parse(text, now=local(now_text), tz=NY)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Was read as the 4th of every month.
        ("every week on the 4th day", "depends on whether weeks start on Sunday or Monday"),
        ("every week on the 15th", "a weekly repeat does not take a day of the month"),
        ("every day on the 4th", "a daily repeat does not take a day of the month"),
        # Was read as a daily schedule nobody asked for.
        ("for 3x", "a count needs a repeat before it"),
        ("3 times", "needs a repeat before it"),
        ("at 9am for 5 days", "a length needs a repeat before it"),
        ("for 45m", "a length needs a repeat before it"),
        # Was 'that day has already passed'.
        ("35th day", "a day of the year needs its year"),
        ("the 35th day of the year", "a day of the year needs its year"),
        ("the 366th day of 2027", "2027 has 365 days, not 366"),
        ("every 30 seconds", "at most once a minute"),
        ("every 90 seconds on weekdays", "not a whole number of minutes"),
    ],
)
def test_wrong_readings_are_refused_with_the_true_reason(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        # Was refused as 'at most once a minute': 90 s is longer than a minute (rule 13 is about sub-minute).
        ("every 90 secs", DEC, ["2026-12-01T10:01:30-05:00", "2026-12-01T10:03:00-05:00", "2026-12-01T10:04:30-05:00"]),
        (
            "every 120 seconds",
            DEC,
            ["2026-12-01T10:02:00-05:00", "2026-12-01T10:04:00-05:00", "2026-12-01T10:06:00-05:00"],
        ),
        (
            "every 90 secs",
            "2026-03-08T01:58:00",
            ["2026-03-08T01:59:30-05:00", "2026-03-08T03:01:00-04:00", "2026-03-08T03:02:30-04:00"],
        ),
        ("the 35th day of 2027", DEC, ["2027-02-04T09:00:00-05:00"]),
        ("the 60th day of 2028 at 3pm", DEC, ["2028-02-29T15:00:00-05:00"]),
    ],
)
def test_fixed_readings_run(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


def test_ninety_seconds_says_its_seconds() -> None:
    assert (
        words("every 90 secs")
        == "every 90 seconds, starting Tue Dec 1, 2026 at 10:01 AM and 30 seconds (America/New_York)"
    )


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        ("daily at 3p", DEC, ["2026-12-01T15:00:00-05:00", "2026-12-02T15:00:00-05:00", "2026-12-03T15:00:00-05:00"]),
        ("daily at 12a", DEC, ["2026-12-02T00:00:00-05:00", "2026-12-03T00:00:00-05:00", "2026-12-04T00:00:00-05:00"]),
        (
            "daily at 12a",
            "2026-12-30T10:00:00",
            ["2026-12-31T00:00:00-05:00", "2027-01-01T00:00:00-05:00", "2027-01-02T00:00:00-05:00"],
        ),
        ("daily at 12p", MAR, ["2026-03-06T12:00:00-05:00", "2026-03-07T12:00:00-05:00", "2026-03-08T12:00:00-04:00"]),
        ("8/1/2027 at 12p", DEC, ["2027-08-01T12:00:00-04:00"]),
        ("tomorrow at 9:30a", DEC, ["2026-12-02T09:30:00-05:00"]),
        ("weekdays 5p", MAR, ["2026-03-06T17:00:00-05:00", "2026-03-09T17:00:00-04:00", "2026-03-10T17:00:00-04:00"]),
    ],
)
def test_short_meridiem_suffixes(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


@pytest.mark.parametrize("text", ["daily at 13p", "daily at 0a"])
def test_short_meridiem_keeps_the_hour_range(text: str) -> None:
    assert "with am/pm, hours run 1-12" in refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "every other saturdays through tuesdays",
        "every 3 years on Fri in week 12",
        "every day except the last friday of the month",
        "monthly on the first and last instance of tue and fri",
        "every 4 weekends",
        "every 8 hours except tomorrow",
        "daily except in may",
    ],
)
def test_catching_up_years_later_gives_the_same_runs(text: str) -> None:
    """The next-run math re-anchors near `after` (recurrence._moved): the new forms must survive it."""
    now = local(DEC)
    schedule = parse(text, now=now, tz=NY)
    far = local("2031-06-01T00:00:00")
    walked = [run for run in next_runs(schedule, now, 5000) if run > far][:6]
    assert next_runs(schedule, far, 6) == walked
