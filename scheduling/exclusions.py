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
        found = [_yearly(m, d) for m, d in ref.dates] if isinstance(ref, YearDays) else [_entry(item, today)]
        entries.extend(entry for entry in found if entry not in entries)
    if len(entries) > MAX_SKIPS:
        raise fail(f"a series skips at most {MAX_SKIPS} days or rules", EXAMPLE)
    return tuple(entries)


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
