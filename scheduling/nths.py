"""Weekdays counted within a month: 'the 2nd to last friday', 'first and third friday and second tuesday',
'the first and last instance of tue and fri' (set positions), '1st fri in feb 2027'."""

import calendar
from datetime import date

from scheduling.dates import WEEKDAY_ANY, NthWeekday, ordinal_text, read_weekday_list
from scheduling.errors import fail
from scheduling.lexicon import MONTHS, PLURAL_WEEKDAYS, WEEKDAY_CODES, WEEKDAYS
from scheduling.tokens import Reader, as_int

EXAMPLE = "the first and third friday of each month"
_FROM_END = (("to", "the", "last"), ("to", "last"), ("-", "to", "-", "last"), ("from", "the", "last"), ("from", "last"))
_WORKDAY_WORDS = (
    ("weekday",), ("weekdays",), ("workday",), ("workdays",), ("business", "day"), ("business", "days"),
    ("working", "day"), ("working", "days"), ("work", "day"),
)  # fmt: skip
_INSTANCE = ("instance", "instances", "occurrence", "occurrences")


def read_ordinals(r: Reader) -> list[int] | None:
    """'first', '2nd to the last', 'first, second, and third', 'next to last', 'penultimate'."""
    first = _one(r)
    if first is None:
        return None
    nths = [first]
    while True:
        mark = r.pos
        if r.accept(","):
            r.accept("and")
        elif not r.accept("and"):
            break
        r.accept("the")
        following = _one(r)
        if following is None:
            r.pos = mark
            break
        nths.append(following)
    return nths


def _one(r: Reader) -> int | None:
    if r.accept("last", "final"):
        return -1
    if r.accept("penultimate") or r.accept_seq("next", "to", "last") or r.accept_seq("second", "last"):
        return -2
    n = r.ordinal()
    if n is None:
        return None
    if any(r.accept_seq(*words) for words in _FROM_END):
        return -n
    return n


def read_nth_weekdays(r: Reader, nths: list[int]) -> NthWeekday | None:
    """The weekdays after ordinals already read, with more groups, an optional month and year."""
    pairs = _weekday_group(r, nths)
    if pairs is None:
        pool = _pool(r)
        if pool is None:
            return None
        return _with_month(r, NthWeekday(_checked(nths), pool[0], pool=pool))
    while True:
        mark = r.pos
        r.accept(",")
        r.accept("and")
        r.accept("the")
        more = read_ordinals(r)
        group = _weekday_group(r, more) if more else None
        if group is None:
            r.pos = mark
            break
        pairs.extend(group)
    head = [n for n, day in pairs if day == pairs[0][1]]
    rest = tuple((n, day) for n, day in pairs if day != pairs[0][1])
    if (rest and pairs[0][1] == WEEKDAY_ANY) or any(day == WEEKDAY_ANY for _, day in rest):
        raise fail("'weekday' by position goes alone", "the last weekday of the month")
    return _with_month(r, NthWeekday(tuple(head), pairs[0][1], more=rest))


def _weekday_group(r: Reader, nths: list[int]) -> list[tuple[int, int]] | None:
    token = r.peek() or ""
    weekday = WEEKDAYS.get(token, PLURAL_WEEKDAYS.get(token))
    if weekday is not None:
        r.pos += 1
    elif any(r.accept_seq(*words) for words in _WORKDAY_WORDS):
        weekday = WEEKDAY_ANY  # Monday-Friday, counted by position
    elif token in ("weekend", "weekends"):
        raise fail(
            f"'{_said(nths)} {token}' could be every other weekend or a weekend of each month; say which",
            "every other weekend, or every 2 weeks on saturday and sunday",
        )
    else:
        return None
    return [(n, weekday) for n in _checked(nths)]


def _said(nths: list[int]) -> str:
    return " and ".join(ordinal_text(n) if n >= -1 else f"{ordinal_text(-n)} to last" for n in nths)


def _pool(r: Reader) -> tuple[int, ...] | None:
    """'instance of tue and fri': the positions count over every one of those days in the month."""
    mark = r.pos
    if not r.accept(*_INSTANCE) or not r.accept("of"):
        r.pos = mark
        return None
    days = read_weekday_list(r)
    if days is None:
        raise fail("'instance of' needs weekdays after it", "the first and last instance of tue and fri")
    return tuple(days[0])


def _checked(nths: list[int]) -> tuple[int, ...]:
    if any(not (1 <= n <= 5 or -5 <= n <= -1) for n in nths):
        raise fail("a month has at most five of each weekday", EXAMPLE)
    return tuple(dict.fromkeys(nths))


def _with_month(r: Reader, ref: NthWeekday) -> NthWeekday:
    mark = r.pos
    if not r.accept("of", "in"):
        return ref
    relative = r.accept("this", "next")
    if relative and r.accept("month"):
        return NthWeekday(ref.nths, ref.weekday, more=ref.more, pool=ref.pool, relative=relative)
    month = MONTHS.get(r.peek() or "")
    if month is None:
        r.pos = mark
        return ref
    r.pos += 1
    year = _year(r)
    return NthWeekday(ref.nths, ref.weekday, month, more=ref.more, pool=ref.pool, year=year)


def _year(r: Reader) -> int | None:
    mark = r.pos
    r.accept(",")
    token = r.peek() or ""
    value = as_int(token)
    if value is not None and len(token) == 4:
        r.pos += 1
        if not 1970 <= value <= 2200:
            raise fail(f"{value} is not a year I can schedule in", "the 1st friday in feb 2027")
        return value
    r.pos = mark
    return None


def pairs_of(ref: NthWeekday) -> tuple[tuple[int, int], ...]:
    return tuple((n, ref.weekday) for n in ref.nths) + ref.more


def byday(ref: NthWeekday) -> str:
    """The RRULE parts for a month's nth weekdays (BYSETPOS for positions over several days)."""
    if ref.weekday == WEEKDAY_ANY or ref.pool:
        codes = ",".join(WEEKDAY_CODES[d] for d in (ref.pool or range(5)))
        return f"BYDAY={codes};BYSETPOS={','.join(str(n) for n in ref.nths)}"
    return "BYDAY=" + ",".join(f"{n:+d}{WEEKDAY_CODES[day]}" for n, day in pairs_of(ref))


def nth_days(ref: NthWeekday, year: int, month: int) -> list[date]:
    """The days of one month that `ref` names, in order."""
    length = calendar.monthrange(year, month)[1]
    days = [date(year, month, d) for d in range(1, length + 1)]
    if ref.weekday == WEEKDAY_ANY or ref.pool:
        pool = set(ref.pool or range(5))
        matching = [d for d in days if d.weekday() in pool]
        return sorted({day for n in ref.nths if (day := _at(matching, n)) is not None})
    found = set()
    for n, weekday in pairs_of(ref):
        day = _at([d for d in days if d.weekday() == weekday], n)
        if day is not None:
            found.add(day)
    return sorted(found)


def _at(matching: list[date], n: int) -> date | None:
    if n > 0:
        return matching[n - 1] if n <= len(matching) else None
    return matching[n] if -n <= len(matching) else None
