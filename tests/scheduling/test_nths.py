"""Weekdays by position, counted from the end, in lists, by set position and as one-offs (issue 13)."""

import pytest

from tests.scheduling.conftest import NY
from tests.scheduling.test_long_tail import DEC, MAR, refused, runs, words

NOV = "2026-10-30T10:00:00"  # a Friday; US DST ends on Sunday Nov 1
YE = "2026-12-30T10:00:00"  # a Wednesday, the day before the year's last


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "2nd to the last friday of each month",
            DEC,
            ["2026-12-18T09:00:00-05:00", "2027-01-22T09:00:00-05:00", "2027-02-19T09:00:00-05:00"],
        ),
        (
            "2nd to the last friday of each month",
            MAR,
            ["2026-03-20T09:00:00-04:00", "2026-04-17T09:00:00-04:00", "2026-05-22T09:00:00-04:00"],
        ),
        (
            "first, second, and third friday of each month",
            YE,
            ["2027-01-01T09:00:00-05:00", "2027-01-08T09:00:00-05:00", "2027-01-15T09:00:00-05:00"],
        ),
        (
            "first and third friday and second tuesday of each month",
            DEC,
            ["2026-12-04T09:00:00-05:00", "2026-12-08T09:00:00-05:00", "2026-12-18T09:00:00-05:00"],
        ),
        (
            "2nd and 2nd to the last fri of each month",
            MAR,
            ["2026-03-13T09:00:00-04:00", "2026-03-20T09:00:00-04:00", "2026-04-10T09:00:00-04:00"],
        ),
        (
            "monthly on the first and last instance of tue and fri",
            DEC,
            ["2026-12-29T09:00:00-05:00", "2027-01-01T09:00:00-05:00", "2027-01-29T09:00:00-05:00"],
        ),
        (
            "monthly on the first and last instance of tue and fri",
            MAR,
            ["2026-03-31T09:00:00-04:00", "2026-04-03T09:00:00-04:00", "2026-04-28T09:00:00-04:00"],
        ),
        (
            "the penultimate monday of the month",
            YE,
            ["2027-01-18T09:00:00-05:00", "2027-02-15T09:00:00-05:00", "2027-03-22T09:00:00-04:00"],
        ),
        (
            "every month on the second last tuesday at 2:30am",
            MAR,
            ["2026-03-24T02:30:00-04:00", "2026-04-21T02:30:00-04:00", "2026-05-19T02:30:00-04:00"],
        ),
        (
            "every month on the last weekday",
            YE,
            ["2026-12-31T09:00:00-05:00", "2027-01-29T09:00:00-05:00", "2027-02-26T09:00:00-05:00"],
        ),
        (
            "2nd to the last of each month",
            YE,
            ["2027-01-30T09:00:00-05:00", "2027-02-27T09:00:00-05:00", "2027-03-30T09:00:00-04:00"],
        ),
        # one-offs
        ("2nd to last fri in feb", DEC, ["2027-02-19T09:00:00-05:00"]),
        ("1st fri in feb 2027 at 2pm", DEC, ["2027-02-05T14:00:00-05:00"]),
        ("2nd fri of feb 2027", DEC, ["2027-02-12T09:00:00-05:00"]),
        ("the last sunday in march at 2:30am", MAR, ["2026-03-29T02:30:00-04:00"]),
        ("the first sunday in november at 1:30am", NOV, ["2026-11-01T01:30:00-04:00"]),
    ],
)
def test_nth_weekday_table(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2nd to the last friday of each month", "on the 2nd-to-last Friday of every month at 9:00 AM"),
        (
            "first and third friday and second tuesday of each month",
            "on the first and third Friday and the second Tuesday of every month at 9:00 AM",
        ),
        (
            "monthly on the first and last instance of tue and fri",
            "on the first and last of the Tuesdays and Fridays of every month at 9:00 AM",
        ),
        ("2nd to the last of each month", "on the 2nd-to-last day of every month at 9:00 AM"),
        (
            "every monday except the first and last instance of mon and fri",
            "every Monday at 9:00 AM, except the first and last of the Mondays and Fridays of each month",
        ),
    ],
)
def test_nth_weekdays_read_back(text: str, expected: str) -> None:
    assert words(text) == f"{expected} ({NY})"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1st fri in feb 2025", "Fri Feb 7, 2025 at 09:00 has already passed"),
        ("every 1st fri in feb 2027", "does not name a year"),
        ("the 6th friday of each month", "at most five of each weekday"),
        ("6th to last friday of each month", "at most five of each weekday"),
        ("2nd to last friday", "needs a month"),
        ("the first instance of", "'instance of' needs weekdays"),
    ],
)
def test_nth_weekday_refusals(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        ("the 2nd fri of next month", DEC, ["2027-01-08T09:00:00-05:00"]),
        ("the last friday of next month at 4pm", YE, ["2027-01-29T16:00:00-05:00"]),
        ("the last sunday of this month at 2:30am", "2026-03-01T10:00:00", ["2026-03-29T02:30:00-04:00"]),
        ("the first monday of this month", DEC, ["2026-12-07T09:00:00-05:00"]),
    ],
)
def test_nth_weekday_of_this_or_next_month(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("the first tuesday of this month", "Tue Dec 1, 2026 at 09:00 has already passed"),
        ("every last friday of next month", "names one month, not a repeat"),
    ],
)
def test_nth_weekday_of_this_or_next_month_refusals(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("first business day of each month", "the first weekday of the month"),
        ("last working day of the month", "the last weekday of the month"),
        ("every month on the 2nd business day", "the second weekday of every month"),
    ],
)
def test_business_days_by_position_are_weekdays(text: str, same_as: str) -> None:
    """Without a holiday calendar a business day is Monday-Friday: the same runs as the weekday form."""
    from scheduling import next_runs, parse
    from tests.scheduling.conftest import local

    business, weekday = parse(text, now=local(DEC), tz=NY), parse(same_as, now=local(DEC), tz=NY)
    assert next_runs(business, after=local(DEC), count=24) == next_runs(weekday, after=local(DEC), count=24)
