"""How long a series lasts: 'for 2 weeks', 'for the next month', 'for up to 2 months', 'for 10 times',
'twice', 'up to 7x', 'for 10 occurrences'."""

from scheduling.dates import MonthDay, MonthDays
from scheduling.errors import fail
from scheduling.lexicon import UNITS
from scheduling.phrase import Anchor, Phrase
from scheduling.spans import Span, read_span
from scheduling.tokens import Reader, as_int

MAX_COUNT = 1000
EXAMPLE = "every monday for 10 times"
_COUNT_WORDS = {"once": 1, "twice": 2, "thrice": 3}
_NOUNS = ("times", "time", "occurrences", "occurrence", "occurences", "runs", "run", "reminders", "reminder", "x")
_PER = ("a", "an", "per", "each", "every", "daily", "weekly", "monthly", "yearly")
_AT_MOST = (("up", "to"), ("at", "most"), ("no", "more", "than"), ("max",))
_AT_MOST_FIRST = frozenset(words[0] for words in _AT_MOST)
# Calendar apps' wording: 'ending after 10 occurrences', 'for a total of 5 times'.
_TOTAL = (
    ("ending", "after"), ("ends", "after"), ("end", "after"), ("for", "a", "total", "of"), ("a", "total", "of"),
    ("in", "total"),
)  # fmt: skip
_TOTAL_FIRST = frozenset(words[0] for words in _TOTAL)
_NEXT = (("the", "next"), ("next",), ("the", "coming"), ("the", "following"))
_WHOLE_UNITS = {"day": Span(days=1), "week": Span(days=7), "fortnight": Span(days=14), "month": Span(months=1),
                "quarter": Span(months=3), "year": Span(months=12)}  # fmt: skip


def read_length(r: Reader, p: Phrase) -> bool:
    """A count or a span at the cursor ('for' optional before a count); updates `p`."""
    start = r.pos
    if r.peek() in _TOTAL_FIRST and any(r.accept_seq(*words) for words in _TOTAL):
        if not _count(r, p):
            raise fail("'ending after' needs a number of runs", "every monday, ending after 10 occurrences")
        return True
    leading_for = r.accept("for") is not None
    if r.peek() in _AT_MOST_FIRST:
        any(r.accept_seq(*words) for words in _AT_MOST)
    if _count(r, p):
        return True
    if not leading_for:
        r.pos = start
        return False
    if _rest_of(r, p):
        return True
    span = _span(r)
    if span is None:
        r.pos = start
        return False
    if p.span is not None:
        raise fail("that names two lengths", "every day at 9am for 2 weeks")
    p.span = span
    return True


def _rest_of(r: Reader, p: Phrase) -> bool:
    """'for the rest of the month' runs through its last day; 'of the year' through December 31."""
    if not (r.accept_seq("the", "rest", "of") or r.accept_seq("rest", "of")):
        return False
    r.accept("the", "this")
    unit = r.accept("month", "year", "week")
    if unit is None:
        raise fail("'the rest of' needs the month or the year", "every day for the rest of the month")
    if unit == "week":
        raise fail("'the rest of the week' can end on Friday or Sunday; say which", "every day until sunday")
    if p.end is not None:
        raise fail("that names two end dates", "every day for the rest of the month")
    p.end = Anchor(date=MonthDays((-1,)) if unit == "month" else MonthDay(12, 31))
    return True


def _span(r: Reader) -> Span | None:
    """'2 weeks', 'the next 2 weeks', 'the next month' (one month), 'a year'."""
    mark = r.pos
    if any(r.accept_seq(*words) for words in _NEXT):
        unit = UNITS.get(r.peek() or "")
        if unit in _WHOLE_UNITS:
            r.pos += 1
            return _WHOLE_UNITS[unit]
    span = read_span(r)
    if span is None:
        r.pos = mark
    return span


def _count_words(r: Reader) -> int | None:
    """'twice', 'x3', '10 times', '7x', '10 occurrences'."""
    said = _COUNT_WORDS.get(r.peek() or "")
    if said is not None:
        r.pos += 1
        return said
    if r.peek() == "x" and (times := as_int(r.peek(1))) is not None:
        r.pos += 2
        return times
    number = r.number() if r.peek() not in ("a", "an") else None
    return number if number is not None and r.accept(*_NOUNS) else None


def _count(r: Reader, p: Phrase) -> bool:
    start = r.pos
    number = _count_words(r)
    if number is None:
        r.pos = start
        return False
    if r.peek() in _PER:  # 'twice a day', '3 times a week': how often, not how many
        r.pos = start
        return False
    r.accept_seq("in", "total") or r.accept_seq("in", "all")
    if not 1 <= number <= MAX_COUNT:
        raise fail(f"a series runs between 1 and {MAX_COUNT} times", EXAMPLE)
    if p.count is not None:
        raise fail("that names two counts", EXAMPLE)
    p.count = number
    return True
