"""Which calendar days a day phrase can mean, in order from today (rules 5 and 6)."""

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from scheduling.dates import DateRef, DayWord, MonthDay, MonthDays, NextPeriod, NthWeekday, WeekdayRef, YearDays
from scheduling.errors import fail
from scheduling.lexicon import MONTH_NAMES
from scheduling.nths import nth_days

_MONTHS_AHEAD = 15
_YEARS_AHEAD = 9  # enough to reach the next February 29


def candidate_days(ref: DateRef | None, today: date) -> Iterator[date]:
    """Days `ref` may name, from today on, earliest first. A fixed day yields once, even if past."""
    if ref is None:
        yield from (today, today + timedelta(days=1))
    elif isinstance(ref, DayWord):
        if ref.offset < 0:
            raise fail(f"'{ref.word}' is in the past", "tomorrow at 9am")
        yield today + timedelta(days=ref.offset)
    elif isinstance(ref, WeekdayRef):
        first = today + timedelta(days=1 if ref.mode == "next" else 0)
        ahead = (ref.weekday - first.weekday()) % 7
        yield from (first + timedelta(days=ahead + 7 * k) for k in range(3))
    elif isinstance(ref, MonthDay):
        yield from _month_day(ref, today)
    elif isinstance(ref, NextPeriod):
        yield next_period_day(ref, today)
    elif isinstance(ref, NthWeekday):
        named = ref.year is not None or ref.relative != ""  # one named month: its day, even if past (rule 6)
        yield from (day for day in _nth_weekdays(ref, today) if day >= today or named)
    elif isinstance(ref, YearDays):
        raise fail("several dates in one phrase need a repeat", "every year on dec 21 and 31")
    else:
        yield from (day for day in _month_days(ref, today) if day >= today)


def _month_day(ref: MonthDay, today: date) -> Iterator[date]:
    if ref.year is not None:
        yield date(ref.year, ref.month, ref.day)
        return
    for year in range(today.year, today.year + _YEARS_AHEAD):
        if ref.day <= calendar.monthrange(year, ref.month)[1]:
            day = date(year, ref.month, ref.day)
            if day >= today:
                yield day


def next_period_day(ref: NextPeriod, today: date) -> date:
    """Monday of next week, day N of next month, or January 1 of next year."""
    if ref.unit == "week":
        return today + timedelta(days=7 - today.weekday())
    if ref.unit == "year":
        return date(today.year + 1, 1, 1)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    if ref.day > calendar.monthrange(year, month)[1]:
        raise fail(f"{MONTH_NAMES[month - 1]} {year} has no day {ref.day}", "the 1st of next month")
    return date(year, month, ref.day)


def _months(today: date) -> Iterator[tuple[int, int]]:
    for k in range(_MONTHS_AHEAD):
        index = today.month - 1 + k
        yield today.year + index // 12, index % 12 + 1


def _nth_weekdays(ref: NthWeekday, today: date) -> Iterator[date]:
    if ref.relative:
        index = today.month - 1 + (ref.relative == "next")
        months = [(today.year + index // 12, index % 12 + 1)]
    elif ref.month is None:
        months = list(_months(today))
    elif ref.year is not None:
        months = [(ref.year, ref.month)]
    else:
        months = [(year, ref.month) for year in range(today.year, today.year + 3)]
    for year, month in months:
        yield from nth_days(ref, year, month)


def _month_days(ref: MonthDays, today: date) -> Iterator[date]:
    for year, month in _months(today):
        length = calendar.monthrange(year, month)[1]
        found = {length if d == -1 else d for d in ref.days}
        yield from (date(year, month, d) for d in sorted(found) if d <= length)
