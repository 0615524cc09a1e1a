"""The start and end of a month in words: 'beginning of each month', 'every month at the start',
'each month at the end', 'the start of april'."""

from scheduling.dates import DateRef, MonthDay, MonthDays
from scheduling.lexicon import MONTHS
from scheduling.tokens import Reader

_START = ("start", "beginning")
_EDGES = (*_START, "end")
_EACH = ("the", "each", "every", "a")


def read_month_edge(r: Reader) -> DateRef | None:
    """'(at) the start/beginning/end of the month', 'start of april'; 'at the end' right after 'month'."""
    after_month = r.pos > 0 and r.tokens[r.pos - 1] in ("month", "monthly")
    lead = r.accept_seq("at", "the") or r.accept_seq("in", "the") or r.accept("the") is not None
    edge = r.accept(*_EDGES)
    if edge is None:
        return None
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
