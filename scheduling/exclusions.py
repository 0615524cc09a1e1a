"""'except …' in a repeat: weekdays, months, dates and rules ('daily except in may', 'except july 4th',
'every monday except the 2nd monday in march', 'every 8 hours except tomorrow at 8am')."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.clock import read_times
from scheduling.dates import MonthDay, MonthDays, NthWeekday, YearDays, read_date, read_weekday_list
from scheduling.days import candidate_days
from scheduling.errors import UnknownWord, fail
from scheduling.lexicon import MONTHS
from scheduling.nths import byday
from scheduling.phrase import Phrase, SkipItem
from scheduling.recurrence import first_run
from scheduling.schedule import Schedule
from scheduling.skips import MAX_SKIPS
from scheduling.tokens import Reader
from scheduling.words import describe_skips
from scheduling.zones import local_wall, resolve_local

EXAMPLE = "every day except on july 4th and in august"
_LEADS = ("on", "for", "in", "during")
_RANGE_WORDS = ("to", "through", "thru", "until", "till", "-", "and")
MAX_STRETCH_DAYS = 366
_LEAD_WORDS = (
    ("except",), ("excluding",), ("but", "not"), ("but",), ("other", "than"), ("apart", "from"), ("skipping",),
    ("skip",), ("not", "on"), ("not", "in"),
)  # fmt: skip


def read_except(r: Reader, p: Phrase) -> bool:
    """'except …' with one or more weekdays, months, dates or nth weekdays, joined by 'and' or commas."""
    start = r.pos
    if not any(r.accept_seq(*words) for words in _LEAD_WORDS):
        return False
    if not _item(r, p):
        if r.tokens[start] not in ("except", "excluding"):
            r.pos = start  # 'skip', 'not', 'but' … followed by something else are not an 'except'
            return False
        if r.done():
            raise fail("'except' needs weekdays, months or dates after it", EXAMPLE)
        shown = (r.peek() or "")[:30]
        raise UnknownWord(
            f"I don't understand '{shown}' after 'except': name weekdays, months or dates. Try: {EXAMPLE}"
        )
    while True:
        mark = r.pos
        if not r.accept("and", ",", "or"):
            break
        r.accept("and")
        r.accept("except")
        if not _item(r, p):
            r.pos = mark
            break
    if len(p.skip_items) + len(p.skip_months) > MAX_SKIPS:
        raise fail(f"a series skips at most {MAX_SKIPS} days or months", EXAMPLE)
    return True


def _item(r: Reader, p: Phrase) -> bool:
    mark = r.pos
    if _range(r, p):
        return True
    r.accept(*_LEADS)
    r.accept("the")
    days = read_weekday_list(r)
    if days is not None:
        if r.peek() in ("in", "of", "during") and r.peek(1) in MONTHS:
            raise fail("skipping a weekday only in some months is not supported; name the days", EXAMPLE)
        p.excluded.extend(days[0])
        return True
    found = read_date(r)
    if found is not None:
        if isinstance(found, NthWeekday | MonthDays) and r.peek() == "of" and r.peek(2) == "month":
            r.accept_seq("of", r.tokens[r.pos + 1], "month")
        # A time after a day that comes round again ('except july 4th at 5pm') is the series' own time.
        yearless = isinstance(found, MonthDay) and not found.year
        one_day = not (isinstance(found, NthWeekday | MonthDays | YearDays) or yearless)
        times = (read_times(r) or []) if one_day else []
        if len(times) > 1:
            raise fail("'except' skips one run at a time of day; name each day", "every day except tomorrow at 9am")
        p.skip_items.append(SkipItem(found, times[0] if times else None))
        return True
    if r.peek() in MONTHS:
        p.skip_months.append(MONTHS[r.next()])
        return True
    r.pos = mark
    return False


def _range(r: Reader, p: Phrase) -> bool:
    """'from dec 24 to jan 2', 'dec 24 through jan 2', 'between dec 24 and jan 2': every day in between."""
    mark = r.pos
    lead = r.accept("from", "between")
    r.accept("the")
    first = read_date(r, several=False)
    if first is None or isinstance(first, NthWeekday | MonthDays) or not r.accept(*_RANGE_WORDS):
        r.pos = mark
        return False
    if lead != "between" and r.tokens[r.pos - 1] == "and":
        r.pos = mark  # 'except july 4th and dec 25' is two days, not a range
        return False
    r.accept("the")
    last = read_date(r, several=False)
    if last is None or isinstance(last, NthWeekday | MonthDays):
        raise fail("a skipped stretch needs a day at each end", "every day except from dec 24 to jan 2")
    p.skip_items.append(SkipItem(first, None, until=last))
    return True


def narrow_months(parts: list[str], months: list[int]) -> list[str]:
    """'except in march and may' keeps each rule to the other months (BYMONTH): still one RRULE."""
    if not months:
        return parts
    narrowed = []
    for part in parts:
        fields = dict(item.split("=", 1) for item in part.split(";"))
        allowed = [int(m) for m in fields.get("BYMONTH", "1,2,3,4,5,6,7,8,9,10,11,12").split(",")]
        left = [m for m in allowed if m not in months]
        if not left:
            raise fail("that leaves no month to run in", EXAMPLE)
        fields["BYMONTH"] = ",".join(map(str, left))
        narrowed.append(";".join(f"{key}={value}" for key, value in fields.items()))
    return narrowed


def month_skip(months: list[int]) -> tuple[str, ...]:
    """An every-N-minutes series has no rule to narrow: it skips whole days of those months."""
    return (f"FREQ=DAILY;BYMONTH={','.join(map(str, sorted(set(months))))}",) if months else ()


def skip_entries(p: Phrase, today: date) -> tuple[str, ...]:
    entries: list[str] = []
    for item in p.skip_items:
        ref = item.date
        if item.until is not None:
            found = _stretch(item, today)
        elif isinstance(ref, YearDays):
            found = [_yearly(m, d) for m, d in ref.dates]
        else:
            found = [_entry(item, today)]
        entries.extend(entry for entry in found if entry not in entries)
    if len(entries) > MAX_SKIPS:
        raise fail(f"a series skips at most {MAX_SKIPS} days or rules", EXAMPLE)
    return tuple(entries)


def _stretch(item: SkipItem, today: date) -> list[str]:
    """Yearless ends skip those days every year (one rule per month); dated ends skip them once."""
    first, last = item.date, item.until
    if isinstance(first, MonthDay) and isinstance(last, MonthDay) and first.year is None and last.year is None:
        return _yearly_stretch((first.month, first.day), (last.month, last.day))
    start = next(iter(candidate_days(first, today)), None)
    if start is None or start < today:
        raise fail("that skipped stretch has already started; say from when", "every day except from dec 24 to jan 2")
    end = next(iter(candidate_days(last, start)), None)
    if end is None or end < start:
        raise fail("that skipped stretch ends before it starts", "every day except from dec 24 to jan 2")
    if (end - start).days >= MAX_STRETCH_DAYS:
        raise fail(
            "a skipped stretch is at most a year; for a later start say 'starting'", "every day starting march 1"
        )
    return [f"{start.isoformat()}/{end.isoformat()}"]


def _yearly_stretch(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    days: dict[int, list[int]] = {}
    month, day = first
    while True:
        days.setdefault(month, []).append(day)
        if (month, day) == last:
            break
        month, day = (month, day + 1) if day < _MONTH_DAYS[month - 1] else (month % 12 + 1, 1)
    return [f"FREQ=YEARLY;BYMONTH={m};BYMONTHDAY={','.join(map(str, sorted(ds)))}" for m, ds in days.items()]


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _entry(item: SkipItem, today: date) -> str:
    ref = item.date
    if isinstance(ref, MonthDay) and ref.year is None and item.clock is None:
        return _yearly(ref.month, ref.day)
    if isinstance(ref, NthWeekday | MonthDays):
        return _rule(ref)
    day = next(iter(candidate_days(ref, today)), None)
    if day is None or day < today:
        raise fail("that skipped day has already passed", EXAMPLE)
    if item.clock is None:
        return day.isoformat()
    clock = item.clock.as_daytime()
    return datetime(day.year, day.month, day.day, clock.hour, clock.minute).isoformat()


def _yearly(month: int, day: int) -> str:
    return f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}"


def _rule(ref: NthWeekday | MonthDays) -> str:
    if isinstance(ref, MonthDays):
        return f"FREQ=MONTHLY;BYMONTHDAY={','.join(map(str, ref.days))}"
    if ref.year is not None:
        raise fail("'except' takes a weekday of a month without a year", "every monday except the 2nd monday in march")
    if ref.month is None:
        return f"FREQ=MONTHLY;{byday(ref)}"
    return f"FREQ=YEARLY;BYMONTH={ref.month};{byday(ref)}"


def check_skips(schedule: Schedule, zone: ZoneInfo) -> None:
    """A skipped day or run the series never has is a misreading waiting to happen: say so."""
    bare = replace(schedule, skip=())
    for entry in schedule.skip:
        if "=" in entry:
            continue
        if "/" in entry:
            first, last = (date.fromisoformat(part) for part in entry.split("/"))
            run = first_run(
                bare, resolve_local(datetime.combine(first, datetime.min.time()), zone) - timedelta(seconds=1)
            )
            if run is None or local_wall(run, zone).date() > last:
                raise fail(f"it does not run from {describe_skips((entry,)).removeprefix('except ')} anyway", EXAMPLE)
            continue
        moment = datetime.fromisoformat(entry)
        if "T" in entry:
            at = resolve_local(moment, zone)
            run = first_run(bare, at - timedelta(seconds=1))
            hit = run is not None and run == at
        else:
            run = first_run(bare, resolve_local(moment, zone) - timedelta(seconds=1))
            hit = run is not None and local_wall(run, zone).date() == moment.date()
        if not hit:
            example = "every 8 hours starting at 8am except tomorrow at 8am" if schedule.every else EXAMPLE
            raise fail(f"it does not run on {describe_skips((entry,)).removeprefix('except ')} anyway", example)
