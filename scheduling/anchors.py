"""Where a series starts and ends: 'starting 1 Nov', 'until friday' (inclusive, rule 11), 'for 2 months'."""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from scheduling.clock import Clock
from scheduling.dates import MonthDay
from scheduling.days import candidate_days
from scheduling.errors import fail
from scheduling.phrase import Anchor
from scheduling.spans import Span
from scheduling.zones import elapsed, local_wall, resolve_local

END_OF_DAY = time(23, 59, 59)


def resolve_start(anchor: Anchor | None, now: datetime, zone: ZoneInfo, end: Anchor | None) -> tuple[datetime, bool]:
    """The instant a series may start from, and whether an occurrence at exactly that instant counts."""
    if anchor is not None and anchor.month is not None:
        anchor = _month_anchor(anchor, now, first=True)
    if anchor is None or (anchor.date is None and anchor.span is None and not anchor.times):
        return now, False
    if anchor.span is not None:
        return _after_span(anchor.span, anchor.times, now, zone), True
    clock = _clock(anchor.times)
    if anchor.date is None:
        return _next_clock(clock or Clock(0, 0), now, zone), True
    day = _start_day(anchor, now, zone, end)
    return resolve_local(datetime.combine(day, _time(clock)), zone), True


def _start_day(anchor: Anchor, now: datetime, zone: ZoneInfo, end: Anchor | None) -> date:
    ref = anchor.date
    if isinstance(ref, MonthDay) and ref.year is None and end is not None:
        # 'from jan 1 to march 25': the start is the latest such day on or before the end.
        last = resolve_end(end, now, zone).date()
        year = last.year if (ref.month, ref.day) <= (last.month, last.day) else last.year - 1
        return date(year, ref.month, ref.day)
    return next(iter(candidate_days(ref, now.date())))


def resolve_end(anchor: Anchor, now: datetime, zone: ZoneInfo, start: datetime | None = None) -> datetime:
    """The last wall-clock moment a series may run: the whole of a named day (rule 11).

    A bare month ('until march') is the next such month from the series' `start` when given
    ('starting in april, daily until march' runs into the next year), else from now.
    """
    if anchor.month is not None:
        anchor = _month_anchor(anchor, start or now, first=False)
    if anchor.span is not None:
        return local_wall(_after_span(anchor.span, anchor.times, now, zone), zone)
    clock = _clock(anchor.times)
    if anchor.date is None:
        return local_wall(_next_clock(clock or Clock(0, 0), now, zone), zone)
    day = next(iter(candidate_days(anchor.date, now.date())))
    return datetime.combine(day, _time(clock) if clock else END_OF_DAY)


def span_end(span: Span, first: datetime) -> datetime:
    """'for 2 weeks' from the first occurrence: through the day before the same date 2 weeks on."""
    if not (span.days or span.months):
        return first + timedelta(seconds=span.seconds)
    last = first.date() + relativedelta(months=span.months, days=span.days) - timedelta(days=1)
    return datetime.combine(last, END_OF_DAY)


def _clock(times: list[Clock]) -> Clock | None:
    return times[0] if times else None


def _time(clock: Clock | None) -> time:
    return time(clock.hour % 12 if clock and clock.ambiguous else clock.hour, clock.minute) if clock else time(0)


def _next_clock(clock: Clock, now: datetime, zone: ZoneInfo) -> datetime:
    found = []
    for reading in clock.readings():
        for day in (now.date(), now.date() + timedelta(days=1)):
            at = resolve_local(datetime.combine(day, time(reading.hour, reading.minute)), zone)
            if at > now:
                found.append(at)
                break
    return min(found)


def _after_span(span: Span, times: list[Clock], now: datetime, zone: ZoneInfo) -> datetime:
    if times:
        raise fail("a start 'in …' already says the time", "every day at 9am starting in 2 weeks")
    day = now.date() + relativedelta(months=span.months, days=span.days)
    at = resolve_local(datetime.combine(day, now.time().replace(tzinfo=None)), zone)
    return elapsed(at, span.seconds, zone)


def _month_anchor(anchor: Anchor, now: datetime, *, first: bool) -> Anchor:
    """'starting june' is June 1; 'until june' runs through June's last day (the next June, or this one)."""
    assert anchor.month is not None
    year = now.year if anchor.month >= now.month else now.year + 1  # `now` may be a series' start
    day = 1 if first and not anchor.month_end else calendar.monthrange(year, anchor.month)[1]
    return Anchor(date=MonthDay(anchor.month, day, year), times=anchor.times)
