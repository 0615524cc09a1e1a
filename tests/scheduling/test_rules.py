"""Parametrized tables for DESIGN.md's time rules (1-13), phrased the way people type them."""

import pytest

from scheduling import ParseError, next_runs, parse
from tests.scheduling.conftest import NOW_TEXT, NY, local

NOW = local(NOW_TEXT)  # Friday 2026-03-06 10:00 EST


def runs(text: str, count: int = 3, tz: str = NY, now_text: str = NOW_TEXT) -> list[str]:
    now = local(now_text, tz)
    return [run.isoformat() for run in next_runs(parse(text, now=now, tz=tz), now, count)]


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        # 1: strictly after now
        (1, "at 10am every weekday", ["2026-03-09T10:00:00-04:00"]),
        (1, "0 10 * * *", ["2026-03-07T10:00:00-05:00"]),
        # 2: a time without a date is its next future occurrence; bare hours take the first reading
        (2, "at 3pm", ["2026-03-06T15:00:00-05:00"]),
        (2, "at 9am", ["2026-03-07T09:00:00-05:00"]),
        (2, "at 4", ["2026-03-06T16:00:00-05:00"]),
        (2, "at two", ["2026-03-06T14:00:00-05:00"]),
        (2, "at 11", ["2026-03-06T11:00:00-05:00"]),
        (2, "tonight at 8", ["2026-03-06T20:00:00-05:00"]),
        (2, "at midnight", ["2026-03-07T00:00:00-05:00"]),
        # 3: no time → 09:00; morning 09:00, evening 19:00
        (3, "tomorrow", ["2026-03-07T09:00:00-05:00"]),
        (3, "tomorrow evening", ["2026-03-07T19:00:00-05:00"]),
        (3, "every morning", ["2026-03-07T09:00:00-05:00"]),
        (3, "every evening", ["2026-03-06T19:00:00-05:00"]),
        (3, "march 20", ["2026-03-20T09:00:00-04:00"]),
        # 4: minutes/hours elapsed; days/weeks calendar steps keeping wall time
        (4, "in 90 minutes", ["2026-03-06T11:30:00-05:00"]),
        (4, "in 2 days", ["2026-03-08T10:00:00-04:00"]),
        (4, "in 1 week", ["2026-03-13T10:00:00-04:00"]),
        (4, "in 1h30m", ["2026-03-06T11:30:00-05:00"]),
        # 5: weekday names: the next such day; today only if the time is ahead
        (5, "friday at 5pm", ["2026-03-06T17:00:00-05:00"]),
        (5, "friday at 9am", ["2026-03-13T09:00:00-04:00"]),
        (5, "next tuesday", ["2026-03-10T09:00:00-04:00"]),
        (5, "next friday", ["2026-03-13T09:00:00-04:00"]),
        (5, "this thursday at 2pm", ["2026-03-12T14:00:00-04:00"]),
        # 6: yearless dates are the next future occurrence
        (6, "mar 4th", ["2027-03-04T09:00:00-05:00"]),
        (6, "march 6 at 9am", ["2027-03-06T09:00:00-05:00"]),
        (6, "feb 29", ["2028-02-29T09:00:00-05:00"]),
        # 7: weekday = Mon-Fri, weekends = Sat and Sun
        (7, "every weekday", ["2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00"]),
        (7, "weekends", ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00", "2026-03-14T09:00:00-04:00"]),
        # 8: anchored at the first match after now
        (8, "every other wednesday", ["2026-03-11T09:00:00-04:00", "2026-03-25T09:00:00-04:00"]),
        (8, "every other week", ["2026-03-13T09:00:00-04:00", "2026-03-27T09:00:00-04:00"]),
        (8, "every 3 weeks on thursday", ["2026-03-12T09:00:00-04:00", "2026-04-02T09:00:00-04:00"]),
        (8, "every other day", ["2026-03-07T09:00:00-05:00", "2026-03-09T09:00:00-04:00"]),
        # 9: daily+ keep wall-clock across DST; minute/hour intervals are elapsed time
        (9, "every day at 8am", ["2026-03-07T08:00:00-05:00", "2026-03-08T08:00:00-04:00"]),
        (9, "every 6 hours", ["2026-03-06T16:00:00-05:00", "2026-03-06T22:00:00-05:00"]),
        # 11: until includes that day; for N times counts from the first
        (11, "every day until march 8", ["2026-03-07T09:00:00-05:00", "2026-03-08T09:00:00-04:00"]),
        (11, "every monday for 2 times", ["2026-03-09T09:00:00-04:00", "2026-03-16T09:00:00-04:00"]),
        # 12: numeric dates are month/day
        (12, "7/12", ["2026-07-12T09:00:00-04:00"]),
        (12, "on 1/2 at noon", ["2027-01-02T12:00:00-05:00"]),
    ],
)
def test_rule_table(rule: int, text: str, expected: list[str]) -> None:
    assert runs(text, count=len(expected) + 1)[: len(expected)] == expected, f"rule {rule}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "every blursday",
        "blursday",
        "february 30",
        "april 31 at 5pm",
        "13/7",
        "at 25:00",
        "at 9:60",
        "at 13pm",
        "today at 9am",
        "yesterday",
        "2 hours ago",
        "2026-01-01 at 9am",
        "every 0 minutes",
        "every 30 seconds",
        "every monday until march 1, 2026",
        "every day until yesterday",
        "twice a day",
        "biweekly",
        "this week",
        "every other weekday",
        "every weeknight",
        "every day next week",
        "x" * 501,
        "Robert'); DROP TABLE Students;--",
        "tomorrow at",
        "in 2 hours at 5pm",
        "monday march 20",
        "61 * * * *",
        "last friday",
    ],
)
def test_rule_13_rejections(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, now=NOW, tz=NY)
    assert "Try:" in str(caught.value)


def test_out_of_range_time_names_the_problem() -> None:
    with pytest.raises(ParseError, match=r"25:00.*hours run 0-23"):
        parse("at 25:00", now=NOW, tz=NY)


def test_impossible_date_names_the_problem() -> None:
    with pytest.raises(ParseError, match="February has no day 30"):
        parse("february 30", now=NOW, tz=NY)


def test_now_with_other_offset_is_converted() -> None:
    utc_now = local("2026-03-06T15:00:00", "UTC")
    assert [r.isoformat() for r in next_runs(parse("at 3pm", now=utc_now, tz=NY), utc_now, 1)] == [
        "2026-03-06T15:00:00-05:00"
    ]
