"""A repeat kept to some months: 'every day in may', 'weekdays during december', 'every day in may 2027'."""

import pytest

from scheduling import next_runs, parse
from tests.scheduling.conftest import NY, local
from tests.scheduling.test_long_tail import DEC, MAR, refused, runs, words

YE = "2026-12-30T10:00:00"


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "every day in may",
            DEC,
            ["2027-05-01T09:00:00-04:00", "2027-05-02T09:00:00-04:00", "2027-05-03T09:00:00-04:00"],
        ),
        (
            "every monday in june and july",
            MAR,
            ["2026-06-01T09:00:00-04:00", "2026-06-08T09:00:00-04:00", "2026-06-15T09:00:00-04:00"],
        ),
        (
            "weekdays in december",
            YE,
            ["2026-12-31T09:00:00-05:00", "2027-12-01T09:00:00-05:00", "2027-12-02T09:00:00-05:00"],
        ),
        (
            "every day during august",
            DEC,
            ["2027-08-01T09:00:00-04:00", "2027-08-02T09:00:00-04:00", "2027-08-03T09:00:00-04:00"],
        ),
        (
            "every hour in march",
            MAR,
            ["2026-03-06T11:00:00-05:00", "2026-03-06T12:00:00-05:00", "2026-03-06T13:00:00-05:00"],
        ),
        (
            "every day at 2:30am in march",
            MAR,
            ["2026-03-07T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"],
        ),
    ],
)
def test_in_months_table(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


def test_a_month_with_a_year_is_that_month_only() -> None:
    now = local(DEC)
    found = next_runs(parse("every day in may 2027", now=now, tz=NY), now, 40)
    assert len(found) == 31
    assert found[0].isoformat() == "2027-05-01T09:00:00-04:00"
    assert found[-1].isoformat() == "2027-05-31T09:00:00-04:00"


def test_every_hour_in_march_stops_at_the_end_of_march() -> None:
    now = local("2026-03-31T22:30:00")
    found = next_runs(parse("every hour in march", now=now, tz=NY), now, 2)
    assert [run.isoformat() for run in found] == ["2026-03-31T23:30:00-04:00", "2027-03-01T00:30:00-05:00"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every day in may", "every day at 9:00 AM in May only"),
        ("every hour in may", "every hour, starting Tue Dec 1, 2026 at 11:00 AM, only in May"),
        ("every day in may except may 5", "every day at 9:00 AM in May only, except May 5 each year"),
    ],
)
def test_in_months_read_back(text: str, expected: str) -> None:
    assert words(text) == f"{expected} ({NY})"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("in may", "'in <month>' keeps a repeat to that month"),
        ("every day in may and june 2027", "name one month with a year"),
        ("every day in may except in may", "no month to run in"),
    ],
)
def test_in_months_refusals(text: str, message: str) -> None:
    assert message in refused(text)
