"""Next-run math: occurrences strictly after an instant, right across DST (rules 9 and 10)."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from scheduling.schedule import Schedule
from scheduling.skips import is_skipped, skips_day
from scheduling.zones import get_zone, local_wall, resolve_local

# Gap-shifted wall times can land up to a day later (Samoa skipped 2011-12-30), so start the
# calendar walk this far before `after` and filter by instant.
_LOOKBACK = timedelta(days=2)
# A series whose skips leave out every run on this many days in a row has ended: 'every july 4th except
# july 4th' would otherwise never stop looking. Skips are at most 24 days plus days that come round each
# year, and months are cut from the rule itself, so a series that still runs never skips this many.
MAX_SKIPPED_DAYS = 800


def next_runs(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    """The first `count` occurrences strictly after `after`, as aware datetimes in the schedule's zone."""
    if count <= 0:
        return []
    zone = get_zone(schedule.zone)
    if schedule.at is not None:
        return [schedule.at.astimezone(zone)] if schedule.at > after else []
    if schedule.every is not None and schedule.anchor is not None:
        return _elapsed_runs(schedule, zone, after, count)
    if schedule.business is not None:
        from scheduling.business import business_runs  # it walks this module's calendar_pairs

        return list(_take(business_runs(schedule, zone, after), count))
    return list(_take(calendar_runs(schedule, zone, after), count))


def _take(runs: Iterator[datetime], count: int) -> Iterator[datetime]:
    for index, run in enumerate(runs):
        if index >= count:
            return
        yield run


def _elapsed_runs(schedule: Schedule, zone: ZoneInfo, after: datetime, count: int) -> list[datetime]:
    assert schedule.every is not None and schedule.anchor is not None
    step = timedelta(seconds=schedule.every)
    index = 0 if after < schedule.anchor else (after - schedule.anchor) // step + 1
    until = resolve_local(schedule.until, zone) if schedule.until is not None else None
    runs: list[datetime] = []
    days_skipped = 0
    while len(runs) < count and days_skipped <= MAX_SKIPPED_DAYS:
        if schedule.count is not None and index >= schedule.count:
            break
        try:
            run = (schedule.anchor + index * step).astimezone(zone)
        except OverflowError:
            break
        if until is not None and run > until:
            break
        wall = local_wall(run, zone)
        if schedule.skip and skips_day(schedule.skip, wall.date()):
            days_skipped += 1
            index = max(index + 1, _first_step_after(schedule.anchor, step, wall.date(), zone))
            continue
        if not (schedule.skip and is_skipped(schedule.skip, wall)):
            runs.append(run)
            days_skipped = 0
        index += 1
    return runs


def _first_step_after(anchor: datetime, step: timedelta, day: date, zone: ZoneInfo) -> int:
    """The index of the first elapsed step on or after the midnight that ends `day`."""
    midnight = resolve_local(datetime.combine(day + timedelta(days=1), time(0)), zone)
    return -((anchor - midnight) // step)


def calendar_runs(schedule: Schedule, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Occurrences of a calendar series strictly after `after`, increasing, without duplicates."""
    return (run for _, run in calendar_pairs(schedule, zone, after))


def calendar_pairs(schedule: Schedule, zone: ZoneInfo, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """(rule wall-clock time, instant) for each occurrence strictly after `after`."""
    assert schedule.start is not None
    floor = local_wall(after, zone) - _LOOKBACK
    begin = schedule.start if schedule.count is not None else None
    last: datetime | None = None
    index = 0
    skipped_days: set[date] = set()
    for wall in _walls(schedule.rules, schedule.start, begin or floor):
        if schedule.until is not None and wall > schedule.until:
            return
        if schedule.skip and is_skipped(schedule.skip, wall):
            skipped_days.add(wall.date())
            if len(skipped_days) > MAX_SKIPPED_DAYS:
                return
            continue
        if schedule.count is not None and index >= schedule.count:
            return
        index += 1
        skipped_days.clear()
        try:
            run = resolve_local(wall, zone)
        except OverflowError:
            return
        if run > after and (last is None or run > last):
            last = run
            yield wall, run


def _walls(rules: tuple[str, ...], start: datetime, floor: datetime) -> Iterator[datetime]:
    """Naive wall-clock occurrences from `floor` on (all of them from `start` if floor <= start)."""
    if len(rules) == 1:
        rule = _moved(rules[0], start, floor)
        yield from rule.xafter(max(floor, start), inc=True)
        return
    from dateutil.rrule import rruleset

    union = rruleset(cache=False)
    for text in rules:
        union.rrule(_moved(text, start, floor))
    yield from union.xafter(max(floor, start), inc=True)


@lru_cache(maxsize=2048)
def _parsed(text: str, start: datetime) -> rrule:
    parsed = rrulestr(text, dtstart=start, cache=False)
    assert isinstance(parsed, rrule)
    return parsed


def _moved(text: str, start: datetime, floor: datetime) -> rrule:
    """The same series re-anchored a whole number of intervals later, near `floor`.

    dateutil walks from DTSTART, so catching up years later would otherwise cost every period in between.
    """
    rule = _parsed(text, start)
    if floor <= start:
        return rule
    fields = dict(part.split("=", 1) for part in text.split(";"))
    interval = int(fields.get("INTERVAL", "1"))
    freq = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}[fields["FREQ"]]
    if freq == DAILY:
        steps = (floor.date() - start.date()).days // interval
        return rule.replace(dtstart=start + timedelta(days=steps * interval)) if steps > 0 else rule
    if freq == WEEKLY:
        steps = (floor.date() - start.date()).days // (7 * interval)
        return rule.replace(dtstart=start + timedelta(weeks=steps * interval)) if steps > 0 else rule
    months = (floor.year - start.year) * 12 + floor.month - start.month - 1
    if freq == MONTHLY:
        steps = months // interval
        first = start.replace(day=1) + relativedelta(months=steps * interval)
        return rule.replace(dtstart=first) if steps > 0 else rule
    if freq == YEARLY:
        steps = (floor.year - start.year - 1) // interval
        first = start.replace(month=1, day=1) + relativedelta(years=steps * interval)
        return rule.replace(dtstart=first) if steps > 0 else rule
    return rule


def first_wall(schedule: Schedule, after: datetime) -> datetime | None:
    """The rule's wall-clock time of the first occurrence strictly after `after` (a DTSTART)."""
    for wall, _ in calendar_pairs(schedule, get_zone(schedule.zone), after):
        return wall
    return None


def first_run(schedule: Schedule, after: datetime) -> datetime | None:
    runs = next_runs(schedule, after, 1)
    return runs[0] if runs else None
