"""The start and end of a month in words (issue 13)."""

import pytest

from tests.scheduling.conftest import NY
from tests.scheduling.test_long_tail import DEC, MAR, refused, runs, words

YE = "2026-12-30T10:00:00"


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "first of each month",
            YE,
            ["2027-01-01T09:00:00-05:00", "2027-02-01T09:00:00-05:00", "2027-03-01T09:00:00-05:00"],
        ),
        (
            "beginning of each month",
            MAR,
            ["2026-04-01T09:00:00-04:00", "2026-05-01T09:00:00-04:00", "2026-06-01T09:00:00-04:00"],
        ),
        (
            "every month at the start",
            DEC,
            ["2027-01-01T09:00:00-05:00", "2027-02-01T09:00:00-05:00", "2027-03-01T09:00:00-05:00"],
        ),
        (
            "every month at the beginning at 8am",
            "2026-03-01T08:30:00",
            ["2026-04-01T08:00:00-04:00", "2026-05-01T08:00:00-04:00", "2026-06-01T08:00:00-04:00"],
        ),
        (
            "end of each month",
            YE,
            ["2026-12-31T09:00:00-05:00", "2027-01-31T09:00:00-05:00", "2027-02-28T09:00:00-05:00"],
        ),
        (
            "each month at the end",
            MAR,
            ["2026-03-31T09:00:00-04:00", "2026-04-30T09:00:00-04:00", "2026-05-31T09:00:00-04:00"],
        ),
        (
            "monthly at the end at 5pm",
            "2026-02-28T18:00:00",
            ["2026-03-31T17:00:00-04:00", "2026-04-30T17:00:00-04:00", "2026-05-31T17:00:00-04:00"],
        ),
        (
            "2nd to the last of each month",
            YE,
            ["2027-01-30T09:00:00-05:00", "2027-02-27T09:00:00-05:00", "2027-03-30T09:00:00-04:00"],
        ),
        ("at the start of the month", DEC, ["2027-01-01T09:00:00-05:00"]),
        (
            "every day from the start of april",
            MAR,
            ["2026-04-01T09:00:00-04:00", "2026-04-02T09:00:00-04:00", "2026-04-03T09:00:00-04:00"],
        ),
    ],
)
def test_month_edge_table(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


def test_month_edges_read_back() -> None:
    assert words("beginning of each month") == f"on the 1st of every month at 9:00 AM ({NY})"
    assert words("each month at the end") == f"on the last day of every month at 9:00 AM ({NY})"


@pytest.mark.parametrize(
    ("text", "message"), [("every day at the end", "needs a time"), ("at the end", "needs a time")]
)
def test_month_edges_need_a_month(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        ("end of the year", DEC, ["2026-12-31T09:00:00-05:00"]),
        ("the beginning of the year at 2:30am", YE, ["2027-01-01T02:30:00-05:00"]),
        ("end of every year", YE, ["2026-12-31T09:00:00-05:00", "2027-12-31T09:00:00-05:00"]),
        ("every day until the end of the year", YE, ["2026-12-31T09:00:00-05:00"]),
    ],
)
def test_year_edges(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text, count=len(expected)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("end of the week", "can mean Friday or Sunday"),
        ("every week at the beginning of the week", "can mean Monday or Sunday"),
        ("middle of the month", "is not one day"),
        ("every may", "could be every day in may or once a year"),
    ],
)
def test_edges_that_mean_different_days_are_refused(text: str, message: str) -> None:
    assert message in refused(text)


def test_the_first_and_the_last_day_are_one_rule() -> None:
    assert words("the 1st and the last day of the month") == f"on the 1st and last day of every month at 9:00 AM ({NY})"
    assert runs("the 1st and the last day of the month", "2027-02-01T10:00:00") == [
        "2027-02-28T09:00:00-05:00",
        "2027-03-01T09:00:00-05:00",
        "2027-03-31T09:00:00-04:00",
    ]
