"""How long a series lasts, in words: spans, counts and 'starting in <month>' (issue 13)."""

import pytest

from tests.scheduling.conftest import NY
from tests.scheduling.test_long_tail import DEC, MAR, refused, runs, words

YE = "2026-12-30T10:00:00"


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "every mon and fri for the next month",
            DEC,
            ["2026-12-04T09:00:00-05:00", "2026-12-07T09:00:00-05:00", "2026-12-11T09:00:00-05:00"],
        ),
        (
            "every sat for up to 2 months",
            MAR,
            ["2026-03-07T09:00:00-05:00", "2026-03-14T09:00:00-04:00", "2026-03-21T09:00:00-04:00"],
        ),
        (
            "every other fri for the next year",
            DEC,
            ["2026-12-04T09:00:00-05:00", "2026-12-18T09:00:00-05:00", "2027-01-01T09:00:00-05:00"],
        ),
        (
            "every Mon thru Wed for the next year",
            YE,
            ["2027-01-04T09:00:00-05:00", "2027-01-05T09:00:00-05:00", "2027-01-06T09:00:00-05:00"],
        ),
        (
            "every day at 9am for the next 3 days",
            MAR,
            ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00", "2026-03-09T09:00:00-04:00"],
        ),
        (
            "starting in april, daily until march",
            DEC,
            ["2027-04-01T09:00:00-04:00", "2027-04-02T09:00:00-04:00", "2027-04-03T09:00:00-04:00"],
        ),
        (
            "fridays starting in may for 10 occurrences",
            DEC,
            ["2027-05-07T09:00:00-04:00", "2027-05-14T09:00:00-04:00", "2027-05-21T09:00:00-04:00"],
        ),
        (
            "every day at 2:30am starting in march",
            YE,
            ["2027-03-01T02:30:00-05:00", "2027-03-02T02:30:00-05:00", "2027-03-03T02:30:00-05:00"],
        ),
    ],
)
def test_length_table(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        ("every day twice", YE, ["2026-12-31T09:00:00-05:00", "2027-01-01T09:00:00-05:00"]),
        ("fridays twice", MAR, ["2026-03-13T09:00:00-04:00", "2026-03-20T09:00:00-04:00"]),
        ("every 2 hours twice", "2026-03-08T00:30:00", ["2026-03-08T03:30:00-04:00", "2026-03-08T05:30:00-04:00"]),
        (
            "every week at most 3 times",
            YE,
            ["2027-01-06T09:00:00-05:00", "2027-01-13T09:00:00-05:00", "2027-01-20T09:00:00-05:00"],
        ),
        (
            "every 4th and 10th of the month up to 7x",
            DEC,
            [
                "2026-12-04T09:00:00-05:00",
                "2026-12-10T09:00:00-05:00",
                "2027-01-04T09:00:00-05:00",
                "2027-01-10T09:00:00-05:00",
                "2027-02-04T09:00:00-05:00",
                "2027-02-10T09:00:00-05:00",
                "2027-03-04T09:00:00-05:00",
            ],
        ),
    ],
)
def test_counts_in_words_are_the_whole_series(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text, count=20) == expected


def test_the_reply_says_runs_in_all_not_times_a_day() -> None:
    assert words("every day twice") == f"every day at 9:00 AM, starting Wed Dec 2, 2026, 2 runs in all ({NY})"
    assert words("every monday for 1 time") == f"every Monday at 9:00 AM, starting Mon Dec 7, 2026, 1 run only ({NY})"


def test_an_end_month_before_the_start_month_is_the_next_year() -> None:
    assert words("starting in april, daily until march") == (
        f"every day at 9:00 AM, starting Thu Apr 1, 2027, until Fri Mar 31, 2028 ({NY})"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("twice a day", "say at which times"),
        ("twice daily", "say at which times"),
        ("3 times weekly", "say at which times"),
        ("twice", "needs a repeat before it"),
        ("for the next month", "needs a repeat before it"),
        ("every day for 1001 times", "between 1 and 1000"),
        ("every day twice for 3 times", "two counts"),
        ("every day for the next week for 2 weeks", "two lengths"),
    ],
)
def test_length_refusals(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(("text", "same_as"), [("every monday x3", "every monday 3 times"), ("once weekly", "weekly")])
def test_other_ways_to_say_a_count(text: str, same_as: str) -> None:
    from scheduling import parse
    from tests.scheduling.conftest import local

    assert parse(text, now=local(DEC), tz=NY) == parse(same_as, now=local(DEC), tz=NY)


@pytest.mark.parametrize(
    ("text", "now_text", "last"),
    [
        ("every day for the rest of the month", DEC, "2026-12-31T09:00:00-05:00"),
        ("every monday for the rest of the year", DEC, "2026-12-28T09:00:00-05:00"),
    ],
)
def test_for_the_rest_of(text: str, now_text: str, last: str) -> None:
    assert runs(text, now_text, count=40)[-1] == last


def test_the_rest_of_the_week_is_refused() -> None:
    assert "can end on Friday or Sunday" in refused("every day for the rest of the week")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "every day between jan 1 and march 25",
            "every day at 9:00 AM, starting Fri Jan 1, 2027, until Thu Mar 25, 2027",
        ),
        (
            "mondays between march 1 and april 30",
            "every Monday at 9:00 AM, starting Mon Mar 1, 2027, until Fri Apr 30, 2027",
        ),
    ],
)
def test_between_two_dates_is_a_range_not_a_list_of_dates(text: str, expected: str) -> None:
    assert words(text) == f"{expected} ({NY})"


@pytest.mark.parametrize(
    "text",
    [
        "every monday ending after 10 occurrences",
        "every monday, ends after 10 occurrences",
        "every monday for a total of 10 times",
        "every monday 10 times in total",
        "every monday end after 10 times",
    ],
)
def test_calendar_apps_counts(text: str) -> None:
    from scheduling import parse
    from tests.scheduling.conftest import local

    assert parse(text, now=local(DEC), tz=NY) == parse("every monday for 10 times", now=local(DEC), tz=NY)


def test_ending_after_needs_a_number() -> None:
    assert "'ending after' needs a number of runs" in refused("every day ending after tomorrow")
