"""'every 15 minutes', 'hourly': elapsed-time series (rule 9), and windows like 'from 9am to 5pm'."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from scheduling.anchors import resolve_end, resolve_start, span_end
from scheduling.clock import Clock
from scheduling.errors import fail
from scheduling.exclusions import check_skips, month_skip, skip_entries
from scheduling.inmonths import months_left_out
from scheduling.phrase import Anchor, Phrase
from scheduling.recurrence import first_run
from scheduling.schedule import Schedule
from scheduling.zones import elapsed, local_wall

_SECONDS = {"second": 1, "minute": 60, "hour": 3600}
WINDOW_EXAMPLE = "every 30 minutes from 9am to 5pm on weekdays"


def build_elapsed(p: Phrase, now: datetime, zone: ZoneInfo, zone_name: str) -> Schedule:
    assert p.unit is not None
    if p.weekdays or p.date is not None or p.monthly or p.period:
        raise fail("say which hours it should repeat in", WINDOW_EXAMPLE)
    step = p.interval * _SECONDS[p.unit]
    if p.start is None and p.times:
        if len(p.times) > 1:
            raise fail("an interval starts at one time", "every 2 hours starting at 9am")
        p.start = Anchor(times=p.times)
    named = p.start is not None and (p.start.date or p.start.span or p.start.times)
    start, _ = resolve_start(p.start, now, zone, p.end)
    anchor = start if named else elapsed(now, step, zone)
    until = resolve_end(p.end, now, zone, local_wall(start, zone)) if p.end is not None else None
    if p.span is not None:
        spanned = span_end(p.span, local_wall(start, zone))
        until = spanned if until is None else min(until, spanned)
    skip = skip_entries(p, now.date()) + month_skip(months_left_out(p))
    if skip and p.count is not None:
        raise fail("a count and 'except' together need a daily or longer repeat", "every day at 9am except friday")
    schedule = Schedule(
        kind="recurring", zone=zone_name, every=step, anchor=anchor.astimezone(UTC), until=until, count=p.count,
        skip=skip,
    )  # fmt: skip
    if first_run(schedule, now) is None:
        raise fail("that series has no future occurrence", "every 15 minutes until 5pm")
    check_skips(schedule, zone)
    return schedule


def round_the_clock(p: Phrase) -> list[Clock]:
    """'every hour on weekdays': on the hour (or every N minutes from midnight), all day, on those days."""
    assert p.unit is not None
    if p.period or (p.start is not None and p.start.times):
        raise fail("say which hours it should repeat in", WINDOW_EXAMPLE)
    step = _whole_minutes(p)
    if (24 * 60) % step:
        raise fail(f"every {p.interval} {p.unit}s does not divide a day evenly; say the hours", WINDOW_EXAMPLE)
    return [Clock(m // 60, m % 60) for m in range(0, 24 * 60, step)]


def window_clocks(p: Phrase) -> list[Clock]:
    """The times of day 'every 30 minutes from 9am to 5pm' names, both ends included."""
    assert p.window is not None
    if p.unit not in _SECONDS:
        raise fail("a daily window needs a step in minutes or hours", WINDOW_EXAMPLE)
    first = p.window[0].as_am()
    last = next((c for c in p.window[1].readings() if (c.hour, c.minute) > (first.hour, first.minute)), None)
    if last is None:
        raise fail("a window's end must come after its start on the same day", WINDOW_EXAMPLE)
    step = _whole_minutes(p)
    minutes = range(first.hour * 60 + first.minute, last.hour * 60 + last.minute + 1, step)
    return [Clock(m // 60, m % 60) for m in minutes]


def _whole_minutes(p: Phrase) -> int:
    """A step on the clock face: 'every 90 seconds' runs in elapsed time only."""
    assert p.unit is not None
    seconds = p.interval * _SECONDS[p.unit]
    if seconds % 60:
        raise fail(f"every {p.interval} {p.unit}s is not a whole number of minutes; say minutes", WINDOW_EXAMPLE)
    return seconds // 60
