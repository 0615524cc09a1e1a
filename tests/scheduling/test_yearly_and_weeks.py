"""Several dates a year, ISO week numbers, every N of a kind of day, ordinal words for days (issue 13)."""

import pytest

from tests.scheduling.conftest import NY
from tests.scheduling.test_long_tail import DEC, MAR, refused, runs, words

NOV = "2026-10-30T10:00:00"  # a Friday; US DST ends on Sunday Nov 1
YE = "2026-12-30T10:00:00"  # a Wednesday, the day before the year's last


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "every year on december 21st and 31st",
            DEC,
            ["2026-12-21T09:00:00-05:00", "2026-12-31T09:00:00-05:00", "2027-12-21T09:00:00-05:00"],
        ),
        (
            "every aug 20 and 30",
            MAR,
            ["2026-08-20T09:00:00-04:00", "2026-08-30T09:00:00-04:00", "2027-08-20T09:00:00-04:00"],
        ),
        (
            "every 20th and 30th of aug",
            YE,
            ["2027-08-20T09:00:00-04:00", "2027-08-30T09:00:00-04:00", "2028-08-20T09:00:00-04:00"],
        ),
        (
            "every jan 1 and jul 4 at 10am",
            YE,
            ["2027-01-01T10:00:00-05:00", "2027-07-04T10:00:00-04:00", "2028-01-01T10:00:00-05:00"],
        ),
        (
            "annually on feb 28 and 29",
            DEC,
            ["2027-02-28T09:00:00-05:00", "2028-02-28T09:00:00-05:00", "2028-02-29T09:00:00-05:00"],
        ),
        (
            "every year on march 8 and 9 at 2:30am",
            MAR,
            ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00", "2027-03-08T02:30:00-05:00"],
        ),
        (
            "every Fri in week 12",
            DEC,
            ["2027-03-26T09:00:00-04:00", "2028-03-24T09:00:00-04:00", "2029-03-23T09:00:00-04:00"],
        ),
        (
            "every Tue and Fri in week 14",
            MAR,
            ["2026-03-31T09:00:00-04:00", "2026-04-03T09:00:00-04:00", "2027-04-06T09:00:00-04:00"],
        ),
        (
            "every 3 years on Fri in week 12",
            YE,
            ["2027-03-26T09:00:00-04:00", "2030-03-22T09:00:00-04:00", "2033-03-25T09:00:00-04:00"],
        ),
        (
            "every monday in week 1",
            DEC,
            ["2027-01-04T09:00:00-05:00", "2028-01-03T09:00:00-05:00", "2029-01-01T09:00:00-05:00"],
        ),
        (
            "every sunday in week 45 at 1:30am",
            NOV,
            ["2026-11-08T01:30:00-05:00", "2027-11-14T01:30:00-05:00", "2028-11-12T01:30:00-05:00"],
        ),
        (
            "every sunday in week 10 at 2:30am",
            "2026-01-10T10:00:00",
            ["2026-03-08T03:30:00-04:00", "2027-03-14T03:30:00-04:00", "2028-03-12T03:30:00-04:00"],
        ),
        (
            "every 4 weekends",
            DEC,
            ["2026-12-05T09:00:00-05:00", "2026-12-06T09:00:00-05:00", "2027-01-02T09:00:00-05:00"],
        ),
        (
            "every 3 fridays from november until february",
            DEC,
            ["2027-11-05T09:00:00-04:00", "2027-11-26T09:00:00-05:00", "2027-12-17T09:00:00-05:00"],
        ),
        (
            "every other saturdays through tuesdays",
            DEC,
            [
                "2026-12-05T09:00:00-05:00",
                "2026-12-06T09:00:00-05:00",
                "2026-12-07T09:00:00-05:00",
                "2026-12-08T09:00:00-05:00",
                "2026-12-19T09:00:00-05:00",
            ],
        ),
        (
            "every 3 fridays at 2:30am",
            MAR,
            ["2026-03-13T02:30:00-04:00", "2026-04-03T02:30:00-04:00", "2026-04-24T02:30:00-04:00"],
        ),
        (
            "every fourth of the month from jan 1 to dec 25th",
            MAR,
            ["2026-04-04T09:00:00-04:00", "2026-05-04T09:00:00-04:00", "2026-06-04T09:00:00-04:00"],
        ),
        (
            "every fourth of the month",
            YE,
            ["2027-01-04T09:00:00-05:00", "2027-02-04T09:00:00-05:00", "2027-03-04T09:00:00-05:00"],
        ),
        (
            "every twenty-first of the month",
            DEC,
            ["2026-12-21T09:00:00-05:00", "2027-01-21T09:00:00-05:00", "2027-02-21T09:00:00-05:00"],
        ),
    ],
)
def test_table(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text, count=len(expected)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every year on december 21st and 31st", "every year on December 21 and 31 at 9:00 AM"),
        ("every Tue and Fri in week 14", "every year on Tuesday and Friday of ISO week 14 at 9:00 AM"),
        ("every 4 weekends", "every 4 weeks on Saturday and Sunday at 9:00 AM, starting Sat Dec 5, 2026"),
        (
            "every other saturdays through tuesdays",
            "every other Saturday, Sunday, Monday and Tuesday at 9:00 AM, starting Sat Dec 5, 2026",
        ),
    ],
)
def test_reads_back(text: str, expected: str) -> None:
    assert words(text) == f"{expected} ({NY})"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dec 21 and 31", "several dates in one phrase need a repeat"),
        ("every year on feb 20 and 30", "February has no day 30"),
        ("fri in week 12", "say 'every'"),
        ("every fri in week 54", "ISO weeks run 1-53"),
        ("every day in week 12", "week numbers repeat every year"),
        ("every 2 weekdays", "'every 2 weekdays' is unclear"),
        ("every 3 blursdays", "needs a unit after the number"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    ("text", "now_text", "expected", "described"),
    [
        (
            "annually on 3/15 and 9/15",
            DEC,
            ["2027-03-15T09:00:00-04:00", "2027-09-15T09:00:00-04:00"],
            "every year on March 15 and September 15 at 9:00 AM",
        ),
        (
            "every jan 1, jan 15 and feb 3",
            YE,
            ["2027-01-01T09:00:00-05:00", "2027-01-15T09:00:00-05:00", "2027-02-03T09:00:00-05:00"],
            "every year on January 1 and 15, and February 3 at 9:00 AM",
        ),
    ],
)
def test_numeric_and_mixed_yearly_dates(text: str, now_text: str, expected: list[str], described: str) -> None:
    assert runs(text, now_text, count=len(expected)) == expected
    assert words(text, now_text) == f"{described} ({NY})"


@pytest.mark.parametrize("text", ["every 2nd weekend", "every second weekend"])
def test_a_weekend_by_position_is_refused(text: str) -> None:
    assert "could be every other weekend or a weekend of each month" in refused(text)


def test_a_week_of_the_year_by_ordinal() -> None:
    assert runs("every friday in the 12th week of the year", DEC) == runs("every fri in week 12", DEC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("every friday in the first week", "the 1st week of what?"),
        ("every weekday in the first week of the month", "a month's weeks are not fixed days"),
    ],
)
def test_weeks_by_ordinal_must_say_of_the_year(text: str, message: str) -> None:
    assert message in refused(text)
