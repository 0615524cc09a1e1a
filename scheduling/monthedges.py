"""The start and end of a month in words: 'beginning of each month', 'every month at the start',
'each month at the end', 'the start of april'."""

from scheduling.dates import DateRef, MonthDay, MonthDays
from scheduling.errors import fail
from scheduling.lexicon import MONTHS
from scheduling.tokens import Reader

_START = ("start", "beginning")
_EDGES = (*_START, "end")
_EACH = ("the", "each", "every", "a")
_FIRST = frozenset(("at", "in", "the", "middle", *_EDGES))


def read_month_edge(r: Reader) -> DateRef | None:
    """'(at) the start/beginning/end of the month', 'start of april'; 'at the end' right after 'month'."""
    if r.peek() not in _FIRST:
        return None
    after_month = r.pos > 0 and r.tokens[r.pos - 1] in ("month", "monthly")
    lead = r.accept_seq("at", "the") or r.accept_seq("in", "the") or r.accept("the") is not None
    edge = r.accept(*_EDGES, "middle")
    if edge is None:
        return None
    if (r.peek() == "of" and r.peek(2) in ("week", "year", "month")) or edge == "middle":
        year = _week_or_year(r, edge)
        if year is not None:
            return year
    day = 1 if edge in _START else -1
    if r.peek() == "of" and r.peek(1) in _EACH and r.peek(2) == "month":
        if r.peek(1) == "the":
            r.pos += 3  # 'of each month' is left for the repeat reader: it says the schedule is monthly
        return MonthDays((day,))
    if r.peek() == "of" and r.peek(1) in MONTHS and edge in _START:
        month = MONTHS[r.tokens[r.pos + 1]]
        r.pos += 2
        return MonthDay(month, 1)
    if after_month and lead and r.peek() != "of":
        return MonthDays((day,))
    return None


def _week_or_year(r: Reader, edge: str) -> DateRef | None:
    """'the end of the year' is Dec 31 ('end of every year' leaves 'every year' to the repeat reader); the
    start or end of a week, and the middle of anything, mean different days to different people: refused."""
    unit = r.peek(2)
    if unit == "week":
        days = "Monday or Sunday" if edge in _START else ("Wednesday" if edge == "middle" else "Friday or Sunday")
        raise fail(f"'{edge} of the week' can mean {days}; name the day", "every friday at 4pm")
    if edge == "middle":
        raise fail("'the middle of' a month or year is not one day; name it", "the 15th of every month")
    if unit != "year":
        return None
    if r.peek(1) in ("the", "this"):
        r.pos += 3
    return MonthDay(1, 1) if edge in _START else MonthDay(12, 31)
