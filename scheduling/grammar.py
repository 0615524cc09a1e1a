"""Read a whole phrase into a Phrase: every token must be understood, or it is a ParseError."""

from collections.abc import Callable

from scheduling.clock import Clock, read_times
from scheduling.dates import DayWord, MonthDay, read_date
from scheduling.errors import NotASchedule, UnknownWord, fail
from scheduling.inmonths import read_in_months
from scheduling.isoweeks import read_week_numbers
from scheduling.lexicon import PERIODS
from scheduling.modifiers import read_modifier
from scheduling.phrase import Phrase
from scheduling.repeats import read_repeat
from scheduling.spans import read_span
from scheduling.tokens import Reader

EXAMPLE = "tomorrow at 9am, or every weekday at 9:30am"
_FILLERS = frozenset({"on", "the", ",", "and", "-", "of", "then"})

Step = Callable[[Reader, Phrase], bool]


def read_phrase(tokens: list[str]) -> Phrase:
    if not tokens:
        raise NotASchedule(f"no schedule found. Try: {EXAMPLE}")
    r = Reader(tokens)
    phrase = Phrase()
    while not r.done():
        if not any(step(r, phrase) for step in _STEPS):
            raise _unknown(r)
    if phrase == Phrase():
        raise NotASchedule(f"no schedule found: no time, day or repeat in that. Try: {EXAMPLE}")
    return phrase


def _unknown(r: Reader) -> Exception:
    token = r.peek() or ""
    if token == "at":
        return NotASchedule("'at' needs a time after it. Try: at 5pm")
    shown = token if len(token) <= 30 else token[:30] + "…"
    return UnknownWord(f"I don't understand '{shown}' in a schedule. Try: {EXAMPLE}")


def _relative(r: Reader, p: Phrase) -> bool:
    start = r.pos
    leading_in = r.accept("in", "within") is not None
    span = read_span(r)
    if span is None:
        r.pos = start
        return False
    if not leading_in:
        if r.accept("ago") or r.accept_seq("before", "now"):
            raise fail("that is in the past", "in 2 hours")
        if not (r.accept_seq("from", "now") or r.accept_seq("from", "today") or r.accept("later", "hence")):
            r.pos = start
            return False
    if p.relative is not None:
        raise fail("that names two delays", "in 1 hour 30 minutes")
    p.relative = span
    return True


def _times(r: Reader, p: Phrase) -> bool:
    times = read_times(r)
    if times is None:
        return False
    p.times.extend(times)
    return True


def _date(r: Reader, p: Phrase) -> bool:
    date = read_date(r)
    if date is None:
        return False
    if isinstance(date, DayWord) and date.word == "tonight":
        p.set_period("tonight")
    if isinstance(date, MonthDay) and date.clock is not None:
        p.times.append(date.clock)
        date = MonthDay(date.month, date.day, date.year)
    p.set_date(date)
    return True


def _period(r: Reader, p: Phrase) -> bool:
    start = r.pos
    this = r.accept("this") is not None
    if not this:
        r.accept_seq("in", "the") or r.accept("at")
    word = r.peek()
    if word not in PERIODS or word == "tonight" or (r.tokens[start] == "at" and word != "night"):
        r.pos = start
        return False
    r.pos += 1
    p.set_period(word)
    if this:
        p.set_date(DayWord("today"))
    return True


_END_OF_DAY = (
    ("eod",), ("cob",), ("eob",), ("end", "of", "day"), ("end", "of", "the", "day"), ("end", "of", "business"),
    ("close", "of", "business"), ("end", "of", "the", "business", "day"),
)  # fmt: skip
END_OF_DAY = Clock(17, 0)


def _end_of_day(r: Reader, p: Phrase) -> bool:
    """'eod', 'by end of day', 'cob': 17:00, today unless the phrase names another day."""
    start = r.pos
    r.accept("by", "at", "before")
    r.accept("the")
    if not any(r.accept_seq(*words) for words in _END_OF_DAY):
        r.pos = start
        return False
    p.times.append(END_OF_DAY)
    p.eod = True
    return True


def _filler(r: Reader, p: Phrase) -> bool:
    if r.peek() in _FILLERS:
        r.pos += 1
        return True
    return False


_STEPS: tuple[Step, ...] = (
    read_modifier, read_repeat, _relative, _end_of_day, _times, _date, read_week_numbers, read_in_months, _period,
    _filler,
)  # fmt: skip
