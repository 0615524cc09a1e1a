"""Calendar-day phrases: 'tomorrow', 'next tuesday', 'march 20', '7/13', '2026-04-01', '3rd thu in apr'."""

from dataclasses import dataclass
from datetime import date, timedelta

from scheduling.clock import Clock
from scheduling.errors import fail
from scheduling.lexicon import MONTH_NAMES, MONTHS, PLURAL_WEEKDAYS, WEEKDAYS
from scheduling.tokens import Reader, as_int

DAY_WORDS = {
    "today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tmw": 1,
    "yesterday": -1, "overmorrow": 2,
}  # fmt: skip
WORKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
WEEKDAY_ANY = -1  # 'the last weekday of the month': any of Mon-Fri, picked by position
_DAY_GROUPS: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    *((tuple(words.split()), WORKDAYS) for words in ("weekdays", "weekday", "workdays", "workday")),
    *(
        (tuple(words.split()), WORKDAYS)
        for words in ("business days", "business day", "working days", "working day", "work days", "work day")
    ),
    *((tuple(words.split()), WEEKEND) for words in ("weekends", "weekend")),
)


@dataclass(frozen=True)
class DayWord:
    word: str  # today, tonight, tomorrow, yesterday, overmorrow

    @property
    def offset(self) -> int:
        return DAY_WORDS[self.word]


@dataclass(frozen=True)
class WeekdayRef:
    weekday: int
    mode: str = ""  # "", "this" or "next"


@dataclass(frozen=True)
class MonthDay:
    month: int
    day: int
    year: int | None = None
    clock: Clock | None = None  # from ISO forms like 2026-04-01T14:00


@dataclass(frozen=True)
class NthWeekday:
    """Weekdays by position in a month (nths.py): 'the first and 2nd-to-last friday', '1st fri in feb 2027'."""

    nths: tuple[int, ...]  # 1..5, or -1 for last, -2 for second to last …
    weekday: int  # 0=Monday, or WEEKDAY_ANY
    month: int | None = None
    more: tuple[tuple[int, int], ...] = ()  # further (nth, weekday): 'first friday and second tuesday'
    pool: tuple[int, ...] = ()  # positions among these days: 'the first and last instance of tue and fri'
    year: int | None = None
    relative: str = ""  # 'this' or 'next': 'the last friday of next month'


@dataclass(frozen=True)
class MonthDays:
    days: tuple[int, ...]  # 1..31, or -1 for the last day


@dataclass(frozen=True)
class NextPeriod:
    """'next week' (its Monday), 'next month' (its 1st, or 'the 3rd of next month'), 'next year' (Jan 1)."""

    unit: str  # week, month, year
    day: int = 1


@dataclass(frozen=True)
class YearDays:
    """Several dates a year (yeardays.py): 'december 21st and 31st', 'the 20th and 30th of aug'."""

    dates: tuple[tuple[int, int], ...]  # (month, day), in the order written


DateRef = DayWord | WeekdayRef | MonthDay | NthWeekday | MonthDays | NextPeriod | YearDays


def read_date(r: Reader, *, several: bool = True) -> DateRef | None:
    """Any one calendar-day phrase at the cursor, or None (cursor unmoved).

    `several`: also dates listed for a yearly repeat ('aug 20 and 30'); a start or end is one date, and
    'between jan 1 and march 25' is a range, not a list.
    """
    from scheduling.monthedges import read_month_edge
    from scheduling.yeardays import read_year_days

    start = r.pos
    readers = (_day_word, _numeric, _month_first, _number_month, _ordinal_first, _weekday_ref, read_month_edge)
    for reader in (read_year_days, *readers) if several else readers:
        found = reader(r)
        if found is not None:
            return found
        r.pos = start
    return None


def read_weekday_list(r: Reader) -> tuple[list[int], bool] | None:
    """'monday', 'mon, wed and fri', 'monday-friday', 'mondays and thursdays'. Returns (days, plural)."""
    start = r.pos
    first = _one_weekday(r)
    if first is None:
        return None
    days, plural = list(first[0]), first[1]
    while True:
        mark = r.pos
        sep = r.accept("and", ",", "or", "-", "to", "through", "thru", "till", "until")
        following = _one_weekday(r) if sep else None
        if following is None:
            r.pos = mark
            break
        if sep in ("-", "to", "through", "thru", "till", "until"):
            days.extend(_day_range(days[-1], following[0][0]))
        else:
            days.extend(following[0])
        plural = plural or following[1]
    if not days:
        r.pos = start
        return None
    return sorted(set(days)), plural


def _one_weekday(r: Reader) -> tuple[tuple[int, ...], bool] | None:
    token = r.peek() or ""
    if token in WEEKDAYS:
        r.pos += 1
        return (WEEKDAYS[token],), False
    if token in PLURAL_WEEKDAYS:
        r.pos += 1
        return (PLURAL_WEEKDAYS[token],), True
    if token in ("weeknight", "weeknights"):
        raise fail(f"'{token}' can mean Sunday-Thursday or Monday-Friday nights; name the days", "weekdays at 7pm")
    for words, days in _DAY_GROUPS:
        if r.accept_seq(*words):
            return days, words[-1].endswith("s")
    return None


def _day_range(first: int, last: int) -> list[int]:
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _day_word(r: Reader) -> DateRef | None:
    if r.accept_seq("the", "day", "after", "tomorrow") or r.accept_seq("day", "after", "tomorrow"):
        return DayWord("overmorrow")
    word = r.accept(*DAY_WORDS)
    if word is None:
        return None
    return DayWord("tomorrow" if word in ("tmrw", "tmr", "tmw") else word)


def _weekday_ref(r: Reader) -> DateRef | None:
    mode = r.accept("this", "next", "coming") or ""
    r.accept("coming")
    token = r.peek() or ""
    if token not in WEEKDAYS:
        if mode == "next" and token in ("week", "month", "year"):
            r.pos += 1
            return NextPeriod(token)
        if mode in ("next", "this") and token in ("week", "month", "year", "weekend"):
            raise fail(f"'{mode} {token}' does not name a day", "next monday at 9am")
        return None
    r.pos += 1
    return WeekdayRef(WEEKDAYS[token], "this" if mode == "coming" else mode)


def _year(r: Reader) -> int | None:
    mark = r.pos
    r.accept(",")
    token = r.peek()
    value = as_int(token)
    if token is not None and value is not None and len(token) == 4:
        r.pos += 1
        return value
    r.pos = mark
    return None


def _day_number(r: Reader) -> int | None:
    token = r.peek()
    value = as_int(token)
    if value is not None and token is not None and len(token) <= 2:
        r.pos += 1
        return value
    return r.ordinal()


def _month_first(r: Reader) -> DateRef | None:
    month = MONTHS.get(r.peek() or "")
    if month is None:
        return None
    r.pos += 1
    r.accept("the")
    day = _day_number(r)
    if day is None:
        return None
    return checked(month, day, _year(r))


def _number_month(r: Reader) -> DateRef | None:
    day = _day_number(r)
    if day is None:
        return None
    r.accept("of")
    month = MONTHS.get(r.peek() or "")
    if month is None:
        return None
    r.pos += 1
    return checked(month, day, _year(r))


def _ordinal_first(r: Reader) -> DateRef | None:
    from scheduling.nths import read_nth_weekdays, read_ordinals

    # A bare word ordinal ('second') is a day of the month only after 'the': 'wait a second' is not a date.
    plain = (r.pos > 0 and r.tokens[r.pos - 1] == "the") or (r.peek() or "x")[0].isdigit()
    nths = read_ordinals(r)
    if nths is None:
        return None
    found = read_nth_weekdays(r, nths)
    if found is not None:
        return found
    token = r.peek() or ""
    if r.accept("day"):
        return _nth_day(r, nths)
    if len(nths) == 1 and (r.accept_seq("of", "next", "month") or r.accept_seq("next", "month")):
        return NextPeriod("month", _checked_monthday(nths[0]))
    of_month = token == "of" and r.peek(1) in ("the", "each", "every", "a") and r.peek(2) == "month"
    if not (plain or of_month) or token in MONTHS:
        return None
    if any(n < 0 for n in nths) and not of_month:
        return None
    return MonthDays(tuple(_checked_monthday(n) for n in nths))


def _nth_day(r: Reader, nths: list[int]) -> DateRef:
    """'the 4th day' (of the month), 'the 35th day of 2027' (of that year)."""
    mark = r.pos
    if len(nths) == 1 and r.accept("of"):
        year = _year(r)
        if year is not None:
            return _day_of_year(nths[0], year)
        r.pos = mark
    if r.accept_seq("of", "the", "year") or r.accept_seq("of", "this", "year") or any(n > 31 for n in nths):
        raise fail(
            f"'the {ordinal_text(max(nths))} day' is not a day of a month (1-31); a day of the year needs its year",
            "the 35th day of 2027, or feb 4",
        )
    return MonthDays(tuple(nths))


def _day_of_year(n: int, year: int) -> MonthDay:
    length = 366 if _leap(year) else 365
    if not 1 <= n <= length:
        raise fail(f"{year} has {length} days, not {n}", f"the 35th day of {year}")
    found = date(year, 1, 1) + timedelta(days=n - 1)
    return checked(found.month, found.day, year)


def ordinal_text(n: int) -> str:
    if n == -1:
        return "last"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _checked_monthday(day: int) -> int:
    if not (1 <= day <= 31 or -31 <= day <= -1):
        raise fail(f"no month has a day {day}", "on the 15th of every month")
    return day


def _numeric(r: Reader) -> DateRef | None:
    token = r.peek() or ""
    if "/" in token and token[:1].isdigit():
        r.pos += 1
        parts = [int(p) for p in token.split("/")]
        if parts[0] > 12:
            raise fail(f"'{token}' is not a date: dates are month/day, and there is no month {parts[0]}", "on 7/13")
        year = parts[2] if len(parts) == 3 else None
        if year is not None and year < 100:
            year += 2000
        return checked(parts[0], parts[1], year)
    if len(token) >= 8 and token[:4].isdigit() and token[4] == "-":
        r.pos += 1
        return _iso(token)
    return None


def _iso(token: str) -> MonthDay:
    date_part, _, time_part = token.partition("t")
    year, month, day = (int(p) for p in date_part.split("-"))
    clock = None
    if time_part:
        hour, minute = (int(p) for p in time_part.split(":")[:2])
        if hour > 23 or minute > 59:
            raise fail(f"'{time_part}' is not a time of day: hours run 0-23 and minutes 0-59", "2026-04-01 14:00")
        clock = Clock(hour, minute)
    found = checked(month, day, year)
    return MonthDay(found.month, found.day, found.year, clock)


_MONTH_LENGTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def checked(month: int, day: int, year: int | None) -> MonthDay:
    """A month/day(/year) that exists, or a ParseError naming why not (rule 13)."""
    if not 1 <= month <= 12:
        raise fail(f"there is no month {month}: dates are month/day", "on 7/13")
    name = MONTH_NAMES[month - 1]
    if not 1 <= day <= _MONTH_LENGTH[month - 1]:
        raise fail(f"{name} has no day {day}", f"{name.lower()} {_MONTH_LENGTH[month - 1]}")
    if year is not None and not 1970 <= year <= 2200:
        raise fail(f"{year} is not a year I can schedule in", f"{name.lower()} {day}, 2027")
    if year is not None and month == 2 and day == 29 and not _leap(year):
        raise fail(f"February {year} has no day 29", f"february 28, {year}")
    return MonthDay(month, day, year)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
