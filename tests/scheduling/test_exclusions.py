"""'except …' with weekdays, months, dates and rules (issue 13): next runs, words, refusals, stored form."""

import json

import pytest

from scheduling import Schedule, next_runs, parse
from tests.scheduling.conftest import NY, local
from tests.scheduling.test_long_tail import DEC, MAR, refused, runs, words

NOV = "2026-10-30T10:00:00"  # a Friday; US DST ends on Sunday Nov 1
YE = "2026-12-30T10:00:00"  # a Wednesday, the day before the year's last


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "daily except on June 23rd and July 4th",
            "2027-06-22T10:00:00",
            ["2027-06-24T09:00:00-04:00", "2027-06-25T09:00:00-04:00", "2027-06-26T09:00:00-04:00"],
        ),
        (
            "daily except on dec 31 and jan 1",
            YE,
            ["2027-01-02T09:00:00-05:00", "2027-01-03T09:00:00-05:00", "2027-01-04T09:00:00-05:00"],
        ),
        (
            "daily except in march",
            MAR,
            ["2026-04-01T09:00:00-04:00", "2026-04-02T09:00:00-04:00", "2026-04-03T09:00:00-04:00"],
        ),
        (
            "daily except in january",
            YE,
            ["2026-12-31T09:00:00-05:00", "2027-02-01T09:00:00-05:00", "2027-02-02T09:00:00-05:00"],
        ),
        (
            "every wed until november except in march and may",
            MAR,
            ["2026-04-01T09:00:00-04:00", "2026-04-08T09:00:00-04:00", "2026-04-15T09:00:00-04:00"],
        ),
        (
            "every 8 hours except tomorrow",
            DEC,
            ["2026-12-01T18:00:00-05:00", "2026-12-03T02:00:00-05:00", "2026-12-03T10:00:00-05:00"],
        ),
        (
            "every 8 hours except tomorrow at 6pm",
            DEC,
            ["2026-12-01T18:00:00-05:00", "2026-12-02T02:00:00-05:00", "2026-12-02T10:00:00-05:00"],
        ),
        (
            "every hour except in march",
            MAR,
            ["2026-04-01T00:00:00-04:00", "2026-04-01T01:00:00-04:00", "2026-04-01T02:00:00-04:00"],
        ),
        (
            "every monday except the 2nd monday in March",
            MAR,
            ["2026-03-16T09:00:00-04:00", "2026-03-23T09:00:00-04:00", "2026-03-30T09:00:00-04:00"],
        ),
        (
            "every day at 2:30am except tomorrow",
            MAR,
            ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"],
        ),
        (
            "every day except the 1st and 15th and the last day of the month",
            YE,
            ["2027-01-02T09:00:00-05:00", "2027-01-03T09:00:00-05:00", "2027-01-04T09:00:00-05:00"],
        ),
        (
            "weekdays except fridays and the last monday of may",
            "2027-05-27T10:00:00",
            ["2027-06-01T09:00:00-04:00", "2027-06-02T09:00:00-04:00", "2027-06-03T09:00:00-04:00"],
        ),
        (
            "every day at 9am and 5pm except tomorrow at 5pm",
            DEC,
            ["2026-12-01T17:00:00-05:00", "2026-12-02T09:00:00-05:00", "2026-12-03T09:00:00-05:00"],
        ),
        (
            "every day except the last friday of the month at 5pm",
            "2026-12-24T18:00:00",
            ["2026-12-26T17:00:00-05:00", "2026-12-27T17:00:00-05:00", "2026-12-28T17:00:00-05:00"],
        ),
        (
            "every sunday at 1:30am except nov 8",
            NOV,
            ["2026-11-01T01:30:00-04:00", "2026-11-15T01:30:00-05:00", "2026-11-22T01:30:00-05:00"],
        ),
        (
            "every monday for 3 times except dec 7, 2026",
            DEC,
            ["2026-12-14T09:00:00-05:00", "2026-12-21T09:00:00-05:00", "2026-12-28T09:00:00-05:00"],
        ),
    ],
)
def test_except_table(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text) == expected


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("every day but sunday", "every day except sunday"),
        ("every day other than sunday", "every day except sunday"),
        ("every day apart from july 4th", "every day except july 4th"),
        ("weekdays, skipping the last friday of the month", "weekdays except the last friday of the month"),
        ("every day, not in august", "every day except in august"),
        ("every day except for tuesdays", "every day except tuesdays"),
    ],
)
def test_other_ways_to_say_except(text: str, same_as: str) -> None:
    assert parse(text, now=local(DEC), tz=NY) == parse(same_as, now=local(DEC), tz=NY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "daily except on June 23rd and July 4th",
            "every day at 9:00 AM, except June 23 each year and July 4 each year",
        ),
        ("daily except in may", "every day at 9:00 AM except in May"),
        ("every monday except the 2nd monday in March", "every Monday at 9:00 AM, except the second Monday of March"),
        ("every 8 hours except tomorrow", "every 8 hours, starting Tue Dec 1, 2026 at 6:00 PM, except Wed Dec 2, 2026"),
        (
            "every day except the first and third monday of the month",
            "every day at 9:00 AM, except the first and third Monday of each month",
        ),
        (
            "every day at 9am and 5pm except tomorrow at 5pm",
            "every day at 9:00 AM and 5:00 PM, except Wed Dec 2, 2026 at 5:00 PM",
        ),
    ],
)
def test_except_reads_back(text: str, expected: str) -> None:
    assert words(text) == f"{expected} ({NY})"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("every 8 hours except tomorrow at 8am", "it does not run on Wed Dec 2, 2026 at 8:00 AM anyway"),
        ("every monday except dec 8, 2026", "it does not run on Tue Dec 8, 2026 anyway"),
        ("every july 4 except july 4th", "no future occurrence"),
        ("daily except in jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov and dec", "no month to run in"),
        ("every day except mondays in march", "only in some months is not supported"),
        ("every 15 minutes except tomorrow for 10 times", "a count and 'except' together"),
        ("except july 4th", "needs a repeat before it"),
        ("every day except christmas", "I don't understand 'christmas' after 'except'"),
        ("every day except", "'except' needs weekdays, months or dates"),
        ("skip", "I don't understand 'skip'"),
        ("except friday", "'except' needs a repeat before it"),
        ("tomorrow at 9am and 5pm except at 5pm", "I don't understand"),
    ],
)
def test_except_refusals(text: str, message: str) -> None:
    assert message in refused(text)


@pytest.mark.parametrize(
    "text",
    [
        "daily except on June 23rd and July 4th",
        "every 8 hours except tomorrow",
        "every monday except the 2nd monday in March",
        "every day except from dec 24, 2026 to jan 2, 2027",
        "every day except from dec 24 to jan 2",
        "monthly on the 1st except the first and last instance of mon and fri",
        "every hour in may",
    ],
)
def test_skips_survive_the_stored_form(text: str) -> None:
    now = local(DEC)
    schedule = parse(text, now=now, tz=NY)
    again = Schedule.from_canonical(schedule.to_canonical())
    assert again == schedule
    assert next_runs(again, now, 20) == next_runs(schedule, now, 20)


@pytest.mark.parametrize(
    "skip",
    [
        ["2026-13-01"],
        ["FREQ=WEEKLY;BYDAY=MO"],
        ["FREQ=YEARLY;BYHOUR=9"],
        "2026-12-01",
        [1],
        ["2027-01-02/2026-12-24"],
        ["2026-12-24/2027-02-30"],
    ],
)
def test_bad_stored_skips_are_refused(skip: object) -> None:
    data = json.loads(parse("every day", now=local(DEC), tz=NY).to_canonical()) | {"skip": skip}
    with pytest.raises(ValueError, match="bad skip"):
        Schedule.from_canonical(json.dumps(data, sort_keys=True, separators=(",", ":")))


@pytest.mark.parametrize(
    ("text", "now_text", "expected"),
    [
        (
            "every day except from dec 24 to jan 2",
            "2026-12-22T10:00:00",
            ["2026-12-23T09:00:00-05:00", "2027-01-03T09:00:00-05:00"],
        ),
        (
            "every weekday except between dec 24 and jan 2",
            "2027-12-22T10:00:00",
            ["2027-12-23T09:00:00-05:00", "2028-01-03T09:00:00-05:00"],
        ),
        (
            "every day except from dec 24, 2026 to jan 2, 2027",
            "2026-12-22T10:00:00",
            ["2026-12-23T09:00:00-05:00", "2027-01-03T09:00:00-05:00"],
        ),
        (
            "every day at 2:30am except from mar 1 to mar 7",
            "2026-02-27T10:00:00",
            ["2026-02-28T02:30:00-05:00", "2026-03-08T03:30:00-04:00"],
        ),
        ("every day except tomorrow through friday", DEC, ["2026-12-05T09:00:00-05:00", "2026-12-06T09:00:00-05:00"]),
    ],
)
def test_except_a_stretch_of_days(text: str, now_text: str, expected: list[str]) -> None:
    assert runs(text, now_text, count=2) == expected


def test_a_yearless_stretch_is_skipped_every_year() -> None:
    now = local("2026-12-22T10:00:00")
    found = next_runs(parse("every day except from dec 24 to jan 2", now=now, tz=NY), now, 400)
    assert not any((run.month, run.day) in ((12, 24), (12, 31), (1, 1), (1, 2)) for run in found)
    assert words("every day except from dec 24 to jan 2") == (
        f"every day at 9:00 AM, except December 24-31 each year and January 1 and 2 each year ({NY})"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("every day except from jan 1 2027 to jan 1 2029", "a skipped stretch is at most a year"),
        (
            "every monday except from dec 2, 2026 to dec 6, 2026",
            "it does not run from Wed Dec 2, 2026 to Sun Dec 6, 2026",
        ),
        ("every day except from dec 24 to the 2nd", "a skipped stretch needs a day at each end"),
    ],
)
def test_except_a_stretch_refusals(text: str, message: str) -> None:
    assert message in refused(text)
