"""Several times on one named day: 'tomorrow at 9am and 5pm' → a one-day series, one run per time."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.anchors import END_OF_DAY
from scheduling.clock import Clock
from scheduling.days import candidate_days
from scheduling.errors import fail
from scheduling.lexicon import WEEKDAY_NAMES
from scheduling.once import apply_period
from scheduling.phrase import Phrase
from scheduling.recurrence import first_run
from scheduling.schedule import Schedule
from scheduling.series import anchored
from scheduling.zones import resolve_local

EXAMPLE = "tomorrow at 9am and 5pm"


def build_same_day(p: Phrase, now: datetime, zone: ZoneInfo, zone_name: str) -> Schedule:
    """The first candidate day on which every time is still ahead (rules 5 and 6); bare hours as in a repeat."""
    if p.start or p.end or p.count or p.span or p.excluded or p.skip_items or p.skip_months or p.only_months:
        raise fail("a start, end or count needs a repeating schedule", "every day at 9am and 5pm until friday")
    clocks = sorted({apply_period(clock, p.period).as_daytime() for clock in p.times}, key=_minutes)
    day = _first_day(p, clocks[0], now, zone)
    if p.weekday_check is not None and day.weekday() != p.weekday_check.weekday:
        raise fail(f"{day:%B} {day.day}, {day.year} is a {WEEKDAY_NAMES[day.weekday()]}", EXAMPLE)
    floor = max(now, resolve_local(datetime.combine(day, time(0)), zone) - timedelta(microseconds=1))
    series = anchored(["FREQ=DAILY;INTERVAL=1"], clocks, floor, zone, zone_name)
    until = datetime.combine(day, END_OF_DAY)
    bounded = Schedule(kind="recurring", zone=zone_name, rules=series.rules, start=series.start, until=until)
    if series.start is None or first_run(bounded, now) is None:
        raise fail("those times have already passed", EXAMPLE)
    return bounded


def _first_day(p: Phrase, first: Clock, now: datetime, zone: ZoneInfo) -> date:
    shown = "that day"
    for day in candidate_days(p.date, now.date()):
        if resolve_local(datetime.combine(day, time(first.hour, first.minute)), zone) > now:
            return day
        shown = f"{day:%a %b} {day.day}, {day.year} at {first.hour:02d}:{first.minute:02d}"
    raise fail(f"{shown} has already passed", EXAMPLE)


def _minutes(clock: Clock) -> int:
    return clock.hour * 60 + clock.minute
