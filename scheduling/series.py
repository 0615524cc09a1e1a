"""Recurring calendar schedules: RRULEs read as wall-clock time in the zone (rules 7-11)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.anchors import resolve_end, resolve_start, span_end
from scheduling.clock import Clock
from scheduling.dates import DayWord, MonthDay, MonthDays, NextPeriod, NthWeekday, WeekdayRef, YearDays
from scheduling.elapsed import build_elapsed, round_the_clock, window_clocks
from scheduling.errors import fail
from scheduling.exclusions import check_skips, narrow_months, skip_entries
from scheduling.inmonths import months_left_out
from scheduling.isoweeks import week_rule
from scheduling.lexicon import PERIODS, WEEKDAY_NAMES
from scheduling.nths import byday
from scheduling.once import DEFAULT_HOUR, apply_period
from scheduling.phrase import Anchor, Phrase
from scheduling.recurrence import first_run, first_wall
from scheduling.schedule import Schedule
from scheduling.weekblocks import weekly_byday
from scheduling.zones import local_wall

EXAMPLE = "every weekday at 9:30am"
_FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}


def build_series(p: Phrase, now: datetime, zone: ZoneInfo, zone_name: str) -> Schedule:
    if p.relative is not None:
        raise fail("'in …' names a single time, not a repeat", "every 2 hours starting in 30 minutes")
    _date_as_start(p)
    if not p.times and p.end is not None and p.end.times and not (p.start and p.start.times):
        # 'every day from march 10 until march 20 at 8am': the time is the series' time of day.
        p.times, p.end.times = p.end.times, []
    if p.unit in ("second", "minute", "hour") and p.window is None and (p.weekdays or p.excluded) and not p.times:
        p.times, p.unit, p.interval = round_the_clock(p), "day", 1
    if p.unit in ("second", "minute", "hour") and p.window is None:
        return build_elapsed(p, now, zone, zone_name)
    clocks = _clocks(p)
    if p.window is not None:
        p.unit, p.interval = None, 1
    start, inclusive = resolve_start(p.start, now, zone, p.end)
    parts = narrow_months(_date_parts(p, local_wall(start, zone).date()), months_left_out(p))
    floor = start - timedelta(microseconds=1) if inclusive else start
    schedule = anchored(parts, clocks, floor, zone, zone_name)
    return _bounded(schedule, p, now, zone)


def _date_as_start(p: Phrase) -> None:
    """A date inside a daily, weekly or monthly repeat ('7/12 every month') is where it starts."""
    if isinstance(p.date, NextPeriod):
        raise fail(f"'next {p.date.unit}' in a repeat: say when it starts and ends", "every day starting next week")
    if isinstance(p.date, DayWord) or (isinstance(p.date, MonthDay) and p.unit != "year"):
        if p.start is not None:
            raise fail("that names two start dates", "every month on the 12th starting july 12")
        p.start = Anchor(date=p.date)
        if isinstance(p.date, DayWord):
            p.date = None


def _date_parts(p: Phrase, today: date) -> list[str]:
    unit, date_ref = p.unit, p.date
    if p.weeknos:
        return week_rule(p)
    if isinstance(date_ref, NthWeekday) and date_ref.year is not None:
        raise fail("a repeat by weekday of a month does not name a year", "every year on the 1st friday in feb")
    if isinstance(date_ref, NthWeekday) and date_ref.relative:
        raise fail(f"'{date_ref.relative} month' names one month, not a repeat", "every month on the last friday")
    weekdays = sorted(set(p.weekdays) | _weekday_of(date_ref))
    if p.excluded:
        weekdays = _except_days(p, weekdays)
    if unit == "year" or (isinstance(date_ref, NthWeekday) and date_ref.month is not None):
        return _yearly(p, today)
    if isinstance(date_ref, YearDays):
        raise fail("dates with a month repeat yearly", "every year on dec 21 and 31")
    if unit in ("day", "week") and isinstance(date_ref, NthWeekday | MonthDays):
        raise _day_of_month_in(unit, date_ref)
    if unit == "month" or p.monthly or isinstance(date_ref, NthWeekday | MonthDays):
        if weekdays:
            raise fail("a monthly repeat takes a day of the month", "every month on the first monday")
        return _monthly(p, today)
    if unit == "week" or weekdays:
        days = weekdays or [today.weekday()]
        return [f"FREQ=WEEKLY;INTERVAL={p.interval};{weekly_byday(days, p.week_start)}"]
    return [f"FREQ=DAILY;INTERVAL={p.interval}"]


def _day_of_month_in(unit: str, ref: NthWeekday | MonthDays) -> Exception:
    if unit == "week" and isinstance(ref, MonthDays) and all(1 <= d <= 7 for d in ref.days):
        return fail(
            "'the Nth day' of a week depends on whether weeks start on Sunday or Monday (the 4th day is Wednesday "
            "or Thursday); name the day",
            "every week on wednesday, or every month on the 4th",
        )
    every = {"day": "daily", "week": "weekly"}[unit]
    return fail(f"a {every} repeat does not take a day of the month; that repeats monthly", "every month on the 4th")


def _except_days(p: Phrase, weekdays: list[int]) -> list[int]:
    """'every day except sunday', 'weekdays except friday', 'daily except weekends'."""
    if p.date is not None or p.monthly or p.interval != 1 or p.unit not in (None, "day") or p.window:
        raise fail("'except' fits a daily or weekday repeat", "every day except sunday")
    if not weekdays and p.unit != "day":
        raise fail("'except' needs a repeat before it", "every day except sunday")
    base = weekdays or list(range(7))
    stray = [WEEKDAY_NAMES[d] for d in sorted(set(p.excluded) - set(base))]
    if stray:
        raise fail(f"{', '.join(stray)} is not one of the days it runs on", "every weekday except friday")
    left = [day for day in base if day not in p.excluded]
    if not left:
        raise fail("that leaves no day to run on", "every day except sunday")
    return left


def _weekday_of(date_ref: object) -> set[int]:
    if isinstance(date_ref, WeekdayRef):
        if date_ref.mode == "next":
            raise fail("'next' does not fit a repeat", "every tuesday starting next week")
        return {date_ref.weekday}
    return set()


def _yearly(p: Phrase, today: date) -> list[str]:
    head = f"FREQ=YEARLY;INTERVAL={p.interval}"
    ref = p.date
    if isinstance(ref, MonthDay):
        return [f"{head};BYMONTH={ref.month};BYMONTHDAY={ref.day}"]
    if isinstance(ref, YearDays):
        by_month: dict[int, list[int]] = {}
        for month, day in ref.dates:
            by_month.setdefault(month, []).append(day)
        return [f"{head};BYMONTH={m};BYMONTHDAY={','.join(map(str, sorted(days)))}" for m, days in by_month.items()]
    if isinstance(ref, NthWeekday) and ref.month is not None:
        return [f"{head};BYMONTH={ref.month};{byday(ref)}"]
    if ref is None and not p.weekdays:
        return [f"{head};BYMONTH={today.month};{_clamped(today.day)}"]
    raise fail("a yearly repeat takes a date", "every year on jan 1")


def _monthly(p: Phrase, today: date) -> list[str]:
    head = f"FREQ=MONTHLY;INTERVAL={p.interval}"
    ref = p.date
    if isinstance(ref, NthWeekday):
        return [f"{head};{byday(ref)}"]
    if isinstance(ref, MonthDays):
        plain = sorted(set(d for d in ref.days if d <= 28), key=lambda d: (d < 0, d))  # the 1st, 15th, last day
        parts = [f"{head};BYMONTHDAY={','.join(map(str, plain))}"] if plain else []
        return parts + [f"{head};{_clamped(d)}" for d in sorted(d for d in ref.days if d > 28)]
    day = ref.day if isinstance(ref, MonthDay) else today.day
    return [f"{head};{_clamped(day)}"]


def _clamped(day: int) -> str:
    """Day N of each month, or the month's last day when it is shorter (the 31st → Feb 28)."""
    if day == -1:
        return "BYMONTHDAY=-1"
    if day <= 28:
        return f"BYMONTHDAY={day}"
    return f"BYMONTHDAY={','.join(str(d) for d in range(28, day + 1))};BYSETPOS=-1"


def _clocks(p: Phrase) -> list[Clock]:
    if p.window is not None:
        return window_clocks(p)
    if p.times:
        return [apply_period(clock, p.period).as_daytime() for clock in p.times]
    if p.start is not None and p.start.times:
        return list(p.start.times)
    return [Clock(PERIODS[p.period][0] if p.period else DEFAULT_HOUR, 0)]


def anchored(parts: list[str], clocks: list[Clock], floor: datetime, zone: ZoneInfo, name: str) -> Schedule:
    rules = tuple(rule for part in parts for rule in _with_times(part, clocks))
    single = tuple(rule.replace(_interval_of(rule), "INTERVAL=1") for rule in rules)
    probe = Schedule(kind="recurring", zone=name, rules=single, start=local_wall(floor, zone).replace(microsecond=0))
    return Schedule(kind="recurring", zone=name, rules=rules, start=first_wall(probe, floor))


def _interval_of(rule: str) -> str:
    return next(part for part in rule.split(";") if part.startswith("INTERVAL="))


def _with_times(part: str, clocks: list[Clock]) -> list[str]:
    if "BYSETPOS" in part:
        return [f"{part};BYHOUR={c.hour};BYMINUTE={c.minute};BYSECOND=0" for c in clocks]
    by_minute: dict[int, list[int]] = {}
    for clock in clocks:
        by_minute.setdefault(clock.minute, []).append(clock.hour)
    return [
        f"{part};BYHOUR={','.join(map(str, sorted(hours)))};BYMINUTE={minute};BYSECOND=0"
        for minute, hours in sorted(by_minute.items())
    ]


def _bounded(s: Schedule, p: Phrase, now: datetime, zone: ZoneInfo) -> Schedule:
    if s.start is None:
        raise fail("that repeat never happens", EXAMPLE)
    until = resolve_end(p.end, now, zone, s.start) if p.end is not None else None
    if p.span is not None:
        span_until = span_end(p.span, s.start)
        until = span_until if until is None else min(until, span_until)
    if until is not None and until < s.start:
        raise fail("that series ends before it starts", "every monday from jan 5 to march 30")
    skip = skip_entries(p, now.date())
    bounded = Schedule(
        kind="recurring", zone=s.zone, rules=s.rules, start=s.start, until=until, count=p.count, skip=skip
    )
    if first_run(bounded, now) is None:
        raise fail("that series has no future occurrence", "every monday at 9am until december 31")
    check_skips(bounded, zone)
    return bounded
