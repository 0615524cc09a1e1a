"""One-off schedules: 'tomorrow at noon', 'in 90 minutes', 'march 20 at 5pm', 'at 4' (rules 1-6, 12)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from scheduling.clock import Clock
from scheduling.dates import DayWord, MonthDay, NthWeekday
from scheduling.days import candidate_days
from scheduling.errors import fail
from scheduling.lexicon import MONTH_NAMES, PERIODS, WEEKDAY_NAMES
from scheduling.nths import pairs_of
from scheduling.phrase import Phrase
from scheduling.schedule import Schedule
from scheduling.spans import Span
from scheduling.zones import elapsed, resolve_local

DEFAULT_HOUR = 9  # rule 3
PAST_EXAMPLE = "tomorrow at 9am"


def build_once(p: Phrase, now: datetime, zone: ZoneInfo, zone_name: str) -> Schedule:
    """`now` is aware, in `zone`, whole seconds."""
    if p.only_months:
        raise fail(
            "'in <month>' keeps a repeat to that month: say how often, or name the day", "every day in may, or may 1"
        )
    if p.excluded or p.skip_items or p.skip_months:
        raise fail("'except' needs a repeat before it: say how often", "every day except sunday")
    if p.count:
        raise fail("a count needs a repeat before it: say how often", "every day at 9am for 3 times")
    if p.span:
        raise fail("a length needs a repeat before it: say how often", "every day at 9am for 2 weeks")
    if p.start or p.end:
        raise fail("a start, end or count needs a repeating schedule", "every day at 9am until friday")
    if p.eod and p.date is None and p.relative is None:
        p.date = DayWord("today")  # 'eod' is today's end of day: after 17:00 it has passed (rule 6)
    at = _relative(p, now, zone) if p.relative is not None else _dated(p, now, zone)
    if at <= now:
        raise fail("that time has already passed", PAST_EXAMPLE)
    return Schedule(kind="once", zone=zone_name, at=at.astimezone(UTC))


def clock_for(p: Phrase) -> Clock:
    """The single time of day a phrase names, with period words applied (rule 3 defaults)."""
    if len(p.times) > 1:
        raise fail("a one-off runs at one time", "tomorrow at 9am, or every day at 9am and 5pm")
    if not p.times:
        hour = PERIODS[p.period][0] if p.period else DEFAULT_HOUR
        return Clock(hour, 0)
    return apply_period(p.times[0], p.period)


def apply_period(clock: Clock, period: str | None) -> Clock:
    if period is None:
        return clock
    if clock.ambiguous:
        return clock.as_pm() if PERIODS[period][1] else clock.as_am()
    if PERIODS[period][1] and clock.hour < 12 and clock != Clock(0, 0):
        raise fail(f"{clock.hour}:{clock.minute:02d} is not in the {period}", f"{period} at 8")
    return clock


def _relative(p: Phrase, now: datetime, zone: ZoneInfo) -> datetime:
    span = p.relative
    assert span is not None
    if p.date is not None:
        raise fail("that names both a delay and a day", "in 2 days at 3pm")
    if not (span.days or span.months):
        if p.times or p.period:
            raise fail("'in N minutes/hours' already says the time", "in 2 hours")
        return elapsed(now, span.seconds, zone)
    return _calendar_step(p, span, now, zone)


def _calendar_step(p: Phrase, span: Span, now: datetime, zone: ZoneInfo) -> datetime:
    day = now.date() + relativedelta(months=span.months, days=span.days)
    if p.times or p.period:
        if span.seconds:
            raise fail("that names both a delay and a time", "in 2 days at 3pm")
        clock = clock_for(p).as_am() if not p.period else clock_for(p)
        wall = datetime.combine(day, time(clock.hour, clock.minute))
    else:
        wall = datetime.combine(day, now.time().replace(tzinfo=None))
    return elapsed(resolve_local(wall, zone), span.seconds, zone)


def _dated(p: Phrase, now: datetime, zone: ZoneInfo) -> datetime:
    ref = p.date
    if isinstance(ref, NthWeekday) and ref.month is None and not ref.relative and any(n < 0 for n, _ in pairs_of(ref)):
        raise fail("'last' needs a month", "on the last friday of march, or every last friday of the month")
    if isinstance(p.date, DayWord) and p.date.word == "tonight" and p.period is None:
        p.period = "tonight"
    clock = clock_for(p)
    best: datetime | None = None
    for reading in clock.readings():
        found = _first_after(p, reading, now, zone)
        if found is not None and (best is None or found < best):
            best = found
    if best is None:
        raise _past(p, clock, now, zone)
    _check_weekday(p, best)
    return best


def _first_after(p: Phrase, clock: Clock, now: datetime, zone: ZoneInfo) -> datetime | None:
    for day in candidate_days(p.date, now.date()):
        at = resolve_local(datetime.combine(day, time(clock.hour, clock.minute)), zone)
        if at > now:
            return at
    return None


def _past(p: Phrase, clock: Clock, now: datetime, zone: ZoneInfo) -> Exception:
    for day in candidate_days(p.date, now.date()):
        shown = f"{day:%a %b} {day.day}, {day.year} at {clock.hour:02d}:{clock.minute:02d}"
        return fail(f"{shown} has already passed", PAST_EXAMPLE)
    if isinstance(p.date, MonthDay) and p.date.year is not None:
        return fail(f"{MONTH_NAMES[p.date.month - 1]} {p.date.day}, {p.date.year} has already passed", PAST_EXAMPLE)
    return fail("that day has already passed", PAST_EXAMPLE)


def _check_weekday(p: Phrase, at: datetime) -> None:
    if p.weekday_check is not None and at.weekday() != p.weekday_check.weekday:
        actual = WEEKDAY_NAMES[at.weekday()]
        raise fail(
            f"{at:%B} {at.day}, {at.year} is a {actual}, not a {WEEKDAY_NAMES[p.weekday_check.weekday]}",
            f"{at:%B} {at.day} at 9am".lower(),
        )
