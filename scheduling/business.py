"""Business-day series: next runs that ask a holiday calendar (skip a holiday, move to a business day, the nth).

A business schedule is an ordinary calendar series (its `rules`, from `start`) plus `BusinessDays`:
each rule date is kept, dropped or moved by the calendar of `business.region`, in the schedule's zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from scheduling.businessdays import AFTER, BEFORE, NTH, SKIP, BusinessDays
from scheduling.calendars import HolidayCalendar
from scheduling.recurrence import calendar_pairs
from scheduling.schedule import Schedule
from scheduling.zones import get_zone, resolve_local

# A run moves at most this far to find a business day; a longer run of closed days drops it.
MAX_MOVE_DAYS = 14
# No calendar closes this many rule dates in a row; a series that loses them all has no runs.
MAX_PASSED_IN_A_ROW = 60
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
_PERIODS = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months", "YEARLY": "years"}


@dataclass(frozen=True)
class Passed:
    """A rule date that fell on a holiday: skipped (`moved_to` None), or moved to another business day."""

    day: date
    holiday: str
    moved_to: date | None
    at: datetime  # the rule's own instant on `day`, to place the note among the runs


def business_runs(schedule: Schedule, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Occurrences strictly after `after`, increasing, each on the business day the calendar gives."""
    last: datetime | None = None
    passed = 0
    for _, wall, _ in _placed(schedule, zone, after):
        run = None if wall is None else resolve_local(wall, zone)
        if run is not None and run > after and (last is None or run > last):
            last, passed = run, 0
            yield run
        elif (passed := passed + 1) > MAX_PASSED_IN_A_ROW:
            return  # every rule date is a holiday ('every year on dec 25 except holidays'): it never runs


def passed_holidays(schedule: Schedule, after: datetime, before: datetime) -> list[Passed]:
    """The rule dates in (after, before] that a holiday skipped or moved, to show beside the runs."""
    if schedule.business is None or schedule.business.mode == NTH:
        return []
    zone = get_zone(schedule.zone)
    calendar = HolidayCalendar(schedule.business.region)
    passed = []
    for rule_wall, wall, rule_run in _placed(schedule, zone, after):
        if rule_run > before:
            break
        name = calendar.name(rule_wall.date())
        if name is not None and rule_run > after:
            passed.append(Passed(rule_wall.date(), name, None if wall is None else wall.date(), rule_run))
    return passed


def _placed(
    schedule: Schedule, zone: ZoneInfo, after: datetime
) -> Iterator[tuple[datetime, datetime | None, datetime]]:
    """(rule wall time, where the calendar puts it or None, the rule's instant) from a little before `after`."""
    business = schedule.business
    assert business is not None and schedule.start is not None
    calendar = HolidayCalendar(business.region)
    base = replace(schedule, business=None)
    walk_after = after
    if _forward(business):  # a rule date before `after` may move past it
        base = replace(base, start=_period_before(schedule))
        walk_after = after - timedelta(days=MAX_MOVE_DAYS + 1)
    for wall, run in calendar_pairs(base, zone, walk_after):
        day = _day_for(wall.date(), business, calendar)
        placed = None if day is None else datetime.combine(day, wall.time())
        if placed is not None and schedule.until is not None and placed > schedule.until:
            return
        yield wall, placed, run


def _forward(business: BusinessDays) -> bool:
    return business.mode == AFTER or (business.mode == NTH and business.nth is not None and business.nth > 0)


def _period_before(schedule: Schedule) -> datetime:
    """The series' start one period earlier: that period's rule date may move to after the start."""
    assert schedule.start is not None
    fields = dict(part.split("=", 1) for part in schedule.rules[0].split(";"))
    step = relativedelta(**{_PERIODS[fields["FREQ"]]: int(fields.get("INTERVAL", "1"))})  # type: ignore[arg-type]
    return schedule.start - step


def _day_for(day: date, business: BusinessDays, calendar: HolidayCalendar) -> date | None:
    if business.mode == SKIP:
        return None if calendar.is_holiday(day) else day
    if business.mode == BEFORE:
        return _nearest(day, -1, calendar)
    if business.mode == AFTER:
        return _nearest(day, 1, calendar)
    assert business.nth is not None
    return nth_business_day(day.year, day.month, business.nth, calendar)


def _nearest(day: date, direction: int, calendar: HolidayCalendar) -> date | None:
    for offset in range(MAX_MOVE_DAYS + 1):
        candidate = day + timedelta(days=direction * offset)
        if calendar.is_business_day(candidate):
            return candidate
    return None


@lru_cache(maxsize=4096)
def nth_business_day(year: int, month: int, nth: int, calendar: HolidayCalendar) -> date | None:
    """The nth business day of the month (nth -1: the last), or None when the month has fewer."""
    first = date(year, month, 1)
    days = [first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == month]
    business = [day for day in days if calendar.is_business_day(day)]
    index = nth - 1 if nth > 0 else nth
    return business[index] if -len(business) <= index < len(business) else None


def describe_business(schedule: Schedule, body: str) -> str:
    """`body` (the series in words) saying how it meets holidays, and whose calendar."""
    business = schedule.business
    if business is None:
        return body
    if business.mode == NTH:
        assert business.nth is not None
        nth = "last" if business.nth == -1 else _ordinal(business.nth)
        body = re.sub(r"the (first|last) weekday", f"the {nth} business day", body, count=1)
    elif business.mode == SKIP:
        body += ", except holidays"
    else:
        body += (
            f", or the {'business day before' if business.mode == BEFORE else 'next business day'} when it is not one"
        )
    return f"{body} ({calendar_note(business)})"


def calendar_note(business: BusinessDays) -> str:
    if business.region is None:
        return "no holiday calendar is set, so business days are Monday to Friday"
    return f"{business.region} holidays" + (", the workspace calendar" if business.follows_workspace else "")


def _ordinal(n: int) -> str:
    if n in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[n]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
