"""Business days and holidays: every form, US and GB calendars, weekend holidays observed, year ends and DST."""

from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import describe, next_runs, parse
from scheduling.business import passed_holidays
from scheduling.calendars import HolidayCalendar, check_region
from scheduling.errors import ParseError
from scheduling.schedule import Schedule
from tests.scheduling.conftest import NY, local

LONDON = "Europe/London"


def _runs(text: str, now: str, *, tz: str = NY, holidays: str | None = "US", count: int = 3) -> list[str]:
    moment = local(now, tz)
    schedule = parse(text, now=moment, tz=tz, holidays=holidays)
    assert Schedule.from_canonical(schedule.to_canonical()) == schedule
    return [run.isoformat() for run in next_runs(schedule, moment, count)]


@pytest.mark.parametrize(
    ("text", "now", "tz", "holidays", "expected"),
    [
        # Christmas (Fri) and New Year's Day (Fri) skipped, across the year end.
        (
            "every business day at 9am",
            "2026-12-23T10:00:00",
            NY,
            "US",
            ["2026-12-24T09:00:00-05:00", "2026-12-28T09:00:00-05:00", "2026-12-29T09:00:00-05:00",
             "2026-12-30T09:00:00-05:00", "2026-12-31T09:00:00-05:00", "2027-01-04T09:00:00-05:00"],
        ),
        # No calendar: business days are Monday to Friday, holidays included.
        (
            "every business day at 9am",
            "2026-12-23T10:00:00",
            NY,
            None,
            ["2026-12-24T09:00:00-05:00", "2026-12-25T09:00:00-05:00", "2026-12-28T09:00:00-05:00"],
        ),
        # Juneteenth 2027 is a Saturday, observed Friday June 18: that Friday is skipped.
        (
            "every business day at 9am",
            "2027-06-16T10:00:00",
            NY,
            "US",
            ["2027-06-17T09:00:00-04:00", "2027-06-21T09:00:00-04:00", "2027-06-22T09:00:00-04:00"],
        ),
        # July 4 2027 is a Sunday, observed Monday July 5.
        (
            "every weekday except holidays",
            "2027-07-01T10:00:00",
            NY,
            "US",
            ["2027-07-02T09:00:00-04:00", "2027-07-06T09:00:00-04:00", "2027-07-07T09:00:00-04:00"],
        ),
        # Across the spring-forward change (March 14 2027): wall time kept.
        (
            "every business day at 9am",
            "2027-03-11T10:00:00",
            NY,
            "US",
            ["2027-03-12T09:00:00-05:00", "2027-03-15T09:00:00-04:00", "2027-03-16T09:00:00-04:00"],
        ),
        # GB-ENG named in the phrase: Christmas and Boxing Day 2027 fall on the weekend, observed Mon 27 and
        # Tue 28; New Year's Day 2028 is a Saturday, observed Monday January 3.
        (
            "every weekday except holidays in GB-ENG",
            "2027-12-22T10:00:00",
            LONDON,
            "US",
            ["2027-12-23T09:00:00+00:00", "2027-12-24T09:00:00+00:00", "2027-12-29T09:00:00+00:00",
             "2027-12-30T09:00:00+00:00", "2027-12-31T09:00:00+00:00", "2028-01-04T09:00:00+00:00"],
        ),
        # January 1 2027 is a holiday, so the first business day of January is Monday the 4th.
        (
            "first business day of the month",
            "2026-12-01T10:00:00",
            NY,
            "US",
            ["2027-01-04T09:00:00-05:00", "2027-02-01T09:00:00-05:00", "2027-03-01T09:00:00-05:00"],
        ),
        # New Year's Day 2028 (Saturday) is observed Friday December 31 2027 in the US.
        (
            "last business day of the month at 5pm",
            "2027-12-01T10:00:00",
            NY,
            "US",
            ["2027-12-30T17:00:00-05:00", "2028-01-31T17:00:00-05:00", "2028-02-29T17:00:00-05:00"],
        ),
        (
            "every month on the 2nd business day",
            "2026-12-01T10:00:00",
            NY,
            "US",
            ["2026-12-02T09:00:00-05:00", "2027-01-05T09:00:00-05:00", "2027-02-02T09:00:00-05:00"],
        ),
        # The phrase's own calendar: Boxing Day observed (Mon Dec 28 2026) in England, not in the US.
        (
            "every business day in GB-ENG at 9am",
            "2026-12-23T10:00:00",
            LONDON,
            "US",
            ["2026-12-24T09:00:00+00:00", "2026-12-29T09:00:00+00:00", "2026-12-30T09:00:00+00:00"],
        ),
        (
            "the 3rd business day of each month",
            "2026-12-01T10:00:00",
            NY,
            "US",
            ["2026-12-03T09:00:00-05:00", "2027-01-06T09:00:00-05:00", "2027-02-03T09:00:00-05:00"],
        ),
        # Christmas Day and New Year's Day are Fridays: the Thursday before.
        (
            "every friday at 4pm, or the business day before when it is a holiday",
            "2026-12-15T10:00:00",
            NY,
            "US",
            ["2026-12-18T16:00:00-05:00", "2026-12-24T16:00:00-05:00", "2026-12-31T16:00:00-05:00",
             "2027-01-08T16:00:00-05:00"],
        ),
        # Good Friday 2027 (March 26) in England, then BST from March 28.
        (
            "every friday at 4pm, or the business day before when it is a holiday in GB-ENG",
            "2027-03-20T10:00:00",
            LONDON,
            None,
            ["2027-03-25T16:00:00+00:00", "2027-04-02T16:00:00+01:00", "2027-04-09T16:00:00+01:00"],
        ),
        # Presidents' Day (Mon Feb 15) moves to Tuesday; the 15th of May 2027 is a Saturday.
        (
            "the 15th of every month, or the next business day",
            "2027-01-20T10:00:00",
            NY,
            "US",
            ["2027-02-16T09:00:00-05:00", "2027-03-15T09:00:00-04:00", "2027-04-15T09:00:00-04:00",
             "2027-05-17T09:00:00-04:00"],
        ),
        # Said on Sunday the 16th: the 15th (a Saturday) moved to Monday is still ahead.
        (
            "the 15th of every month, or the next business day",
            "2027-05-16T10:00:00",
            NY,
            "US",
            ["2027-05-17T09:00:00-04:00", "2027-06-15T09:00:00-04:00"],
        ),
    ],
)  # fmt: skip
def test_business_forms(text: str, now: str, tz: str, holidays: str | None, expected: list[str]) -> None:
    assert _runs(text, now, tz=tz, holidays=holidays, count=len(expected)) == expected


@pytest.mark.parametrize(
    ("text", "holidays", "words"),
    [
        ("every business day at 9am", "US", "every weekday at 9:00 AM, except holidays (US holidays, the workspace"),
        ("every business day at 9am", None, "no holiday calendar is set, so business days are Monday to Friday"),
        ("every weekday except holidays in GB-ENG", "US", "except holidays (GB-ENG holidays) (America/New_York)"),
        ("the 3rd business day of each month", "US", "on the third business day of every month at 9:00 AM"),
        ("last business day of the month", "US", "on the last business day of every month"),
        ("the 15th of every month, or the next business day", "US", "or the next business day when it is not one"),
    ],
)
def test_description_names_the_rule_and_the_calendar(text: str, holidays: str | None, words: str) -> None:
    now = local("2026-12-01T10:00:00")
    assert words in describe(parse(text, now=now, tz=NY, holidays=holidays), now=now)


def test_plain_weekdays_do_not_follow_holidays() -> None:
    assert _runs("every weekday at 9am", "2026-12-24T10:00:00")[0] == "2026-12-25T09:00:00-05:00"


def test_end_of_the_business_day_is_still_a_time() -> None:
    assert _runs("tomorrow by end of the business day", "2026-12-23T10:00:00") == ["2026-12-24T17:00:00-05:00"]


def test_a_stored_region_the_library_no_longer_knows_is_a_value_error() -> None:
    canonical = parse("every business day", now=local("2026-12-01T10:00:00"), tz=NY, holidays="US").to_canonical()
    stale = Schedule.from_canonical(canonical.replace('"US"', '"QQ"'))
    with pytest.raises(ValueError, match="'QQ' is not a holiday region"):
        next_runs(stale, local("2026-12-01T10:00:00"), 1)


def test_skipped_and_moved_holidays_are_named_for_the_reply() -> None:
    now = local("2026-12-23T10:00:00")
    skipping = parse("every business day at 9am", now=now, tz=NY, holidays="US")
    passed = passed_holidays(skipping, now, local("2027-01-04T09:00:00"))
    assert [(p.day, p.holiday, p.moved_to) for p in passed] == [
        (date(2026, 12, 25), "Christmas Day", None),
        (date(2027, 1, 1), "New Year's Day", None),
    ]
    moving = parse("every friday at 4pm, or the business day before", now=now, tz=NY, holidays="US")
    passed = passed_holidays(moving, now, local("2027-01-02T00:00:00"))
    assert [(p.day, p.moved_to) for p in passed] == [
        (date(2026, 12, 25), date(2026, 12, 24)),
        (date(2027, 1, 1), date(2026, 12, 31)),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("every weekday except holidays in ZZ", "'ZZ' is not a holiday region"),
        ("every business day for 5 times", "'for N times' does not mix with business days"),
        ("the 25th business day of the month", "no 25th one"),
        ("tomorrow at 9am except holidays", "fit a repeating schedule"),
        ("every year on dec 25 except holidays", "no future business day"),
        ("every weekday except holidays in GB-ENG, or the next business day", "two ways to treat holidays"),
    ],
)
def test_business_mistakes_are_named(text: str, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse(text, now=local("2026-12-01T10:00:00"), tz=NY, holidays="US")


@pytest.mark.parametrize(
    ("typed", "region"), [("us", "US"), ("US-CA", "US-CA"), ("gb-eng", "GB-ENG"), ("DE-BY", "DE-BY"), ("IN", "IN")]
)
def test_regions_are_read_in_any_case(typed: str, region: str) -> None:
    assert check_region(typed) == region


def test_calendar_knows_names_and_business_days() -> None:
    california = HolidayCalendar("US-CA")
    assert california.name(date(2026, 3, 31)) == "Cesar Chavez Day"
    assert HolidayCalendar("US").name(date(2026, 3, 31)) is None
    assert not HolidayCalendar("US").is_business_day(date(2026, 7, 3))  # July 4 2026 (Sat), observed Fri
    assert HolidayCalendar().is_business_day(date(2026, 12, 25))
    assert HolidayCalendar("GB-ENG").upcoming(date(2027, 12, 20), 2) == [
        (date(2027, 12, 25), "Christmas Day"),
        (date(2027, 12, 26), "Boxing Day"),
    ]


def test_stored_form_names_the_region_and_whose_calendar_it_is() -> None:
    now = datetime.fromisoformat("2026-12-01T10:00:00-05:00")
    canonical = parse("every business day", now=now, tz=NY, holidays="US").to_canonical()
    assert '"business":{"calendar":"workspace","mode":"skip","region":"US"}' in canonical
    own = parse("every weekday except holidays in gb-eng", now=now, tz=NY).to_canonical()
    assert '"business":{"calendar":"own","mode":"skip","region":"GB-ENG"}' in own
    with pytest.raises(ValueError):
        Schedule.from_canonical(canonical.replace('"skip"', '"sometimes"'))


@settings(max_examples=40, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31)),
    region=st.sampled_from(["US", "US-CA", "GB-ENG", "DE-BY", "IN"]),
    text=st.sampled_from(
        [
            "every business day at 9am",
            "the 15th of every month, or the next business day",
            "every friday at 4pm, or the business day before",
            "the 2nd business day of each month",
            "last business day of the month",
        ]
    ),
)
def test_business_runs_land_on_business_days_in_order(moment: datetime, region: str, text: str) -> None:
    now = moment.replace(tzinfo=ZoneInfo(NY))
    runs = next_runs(parse(text, now=now, tz=NY, holidays=region), now, 6)
    calendar = HolidayCalendar(region)
    assert len(runs) == 6 and runs[0] > now
    assert all(earlier < later for earlier, later in pairwise(runs))
    assert all(calendar.is_business_day(run.date()) for run in runs)
