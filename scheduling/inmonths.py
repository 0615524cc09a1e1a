"""A repeat kept to some months: 'every day in may', 'every monday in june and july', 'weekdays during
december', 'every day in may 2027'. Months narrow the rule itself (BYMONTH), as 'except in …' does."""

from scheduling.dates import MonthDay, checked
from scheduling.errors import fail
from scheduling.lexicon import MONTHS
from scheduling.phrase import Anchor, Phrase
from scheduling.tokens import Reader, as_int

EXAMPLE = "every day in may"
_MONTH_LENGTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def read_in_months(r: Reader, p: Phrase) -> bool:
    """'in may', 'during june and july', 'in may 2027' (that month only); updates `p`."""
    start = r.pos
    if not r.accept("in", "during", "throughout"):
        return False
    r.accept("the", "each", "every")
    months = _months(r)
    if not months or _day_follows(r):
        r.pos = start
        return False
    year = _year(r)
    if year is not None:
        return _one_month(p, months, year)
    if p.only_months:
        raise fail("that names the months twice", "every day in june, july and august")
    p.only_months.extend(months)
    return True


def _months(r: Reader) -> list[int]:
    found: list[int] = []
    while True:
        mark = r.pos
        if found and not (r.accept(",", "and", "or") and (r.accept("and") or True)):
            break
        month = MONTHS.get(r.peek() or "")
        if month is None:
            r.pos = mark
            break
        r.pos += 1
        found.append(month)
    return found


def _day_follows(r: Reader) -> bool:
    """'in may 5' names a day: the date readers take it."""
    value = as_int(r.peek())
    return value is not None and len(r.peek() or "") <= 2


def _year(r: Reader) -> int | None:
    token = r.peek() or ""
    value = as_int(token)
    if value is None or len(token) != 4:
        return None
    r.pos += 1
    return value


def _one_month(p: Phrase, months: list[int], year: int) -> bool:
    """'every day in may 2027': from the 1st to the last day of that month."""
    if len(months) != 1:
        raise fail("name one month with a year", "every day in may 2027")
    if p.start is not None or p.end is not None:
        raise fail("that names two start dates", "every day in may 2027")
    month = months[0]
    last = _MONTH_LENGTH[month - 1] if month != 2 or (year % 4 == 0 and (year % 100 or year % 400 == 0)) else 28
    p.start = Anchor(date=checked(month, 1, year))
    p.end = Anchor(date=MonthDay(month, last, year))
    return True


def months_left_out(p: Phrase) -> list[int]:
    """The months a series skips: those after 'except in', and those outside 'in …'."""
    left_out = set(p.skip_months)
    if p.only_months:
        left_out |= set(range(1, 13)) - set(p.only_months)
    return sorted(left_out)
