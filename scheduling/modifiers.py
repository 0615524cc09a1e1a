"""Series bounds: 'starting 1 Nov', 'from jan 1 to march 25th', 'until friday', 'for 5 times', 'for 2 months'."""

from scheduling.clock import read_clock, read_times
from scheduling.dates import read_date, read_weekday_list
from scheduling.errors import fail
from scheduling.exclusions import read_except
from scheduling.lengths import read_length
from scheduling.lexicon import MONTHS
from scheduling.phrase import Anchor, Phrase
from scheduling.spans import read_span
from scheduling.tokens import Reader

_START = ("starting", "beginning", "starts", "begins", "start", "begin", "effective", "commencing", "from")
_END = ("until", "till", "til", "through", "thru", "ending", "ends", "to")
_RANGE = ("to", "until", "till", "til", "through", "thru", "-", "and")


def read_modifier(r: Reader, p: Phrase) -> bool:
    """A start, end or length of a series at the cursor; updates `p`."""
    if r.peek() in ("start", "beginning") and r.peek(1) == "of":
        return False  # 'beginning of each month' is a day (monthedges.py), not 'starting …'
    if r.peek() in _START or r.peek() == "between":
        return _start(r, p)
    if r.peek() in _END and r.peek() != "to" and r.peek(1) != "after":  # 'ending after 10 occurrences': a count
        return _end(r, p)
    if r.peek() in ("except", "excluding", "but", "other", "apart", "skipping", "skip", "not"):
        return read_except(r, p)
    return read_length(r, p)


def _start(r: Reader, p: Phrase) -> bool:
    word = r.next()
    if word != "between" and (r.accept_seq("further", "notice") or r.accept("now", "today") == "now"):
        p.start = p.start or Anchor()
        return True
    r.accept("from", "on")
    if _window(r, p) or _day_range(r, p):
        return True
    anchor = read_anchor(r)
    if anchor is None:
        raise fail(f"'{word}' needs a date after it", "every monday starting march 9")
    _set("start", p, anchor)
    if r.accept(*_RANGE):
        _set("end", p, _required_anchor(r, "to"))
    return True


def _end(r: Reader, p: Phrase) -> bool:
    word = r.next()
    if r.accept_seq("further", "notice"):
        return True
    r.accept("on", "the")
    _set("end", p, _required_anchor(r, word))
    return True


def _window(r: Reader, p: Phrase) -> bool:
    start = r.pos
    r.accept("at")
    first = read_clock(r, bare_ok=True)
    if first is None or not r.accept(*_RANGE):
        r.pos = start
        return False
    r.accept("at")
    last = read_clock(r, bare_ok=True)
    if last is None:
        raise fail("a daily window needs two times", "every 30 minutes from 9am to 5pm")
    p.window = (first, last)
    return True


def _day_range(r: Reader, p: Phrase) -> bool:
    start = r.pos
    days = read_weekday_list(r)
    if days is None or len(days[0]) < 2:
        r.pos = start
        return False
    p.recurring = True
    p.weekdays.extend(days[0])
    return True


def read_anchor(r: Reader) -> Anchor | None:
    start = r.pos
    anchor = Anchor()
    anchor.times = read_times(r) or []
    r.accept("on", ",")
    if _month_end(r, anchor):
        return anchor
    anchor.date = read_date(r, several=False)
    if anchor.date is None and r.peek() in MONTHS:
        anchor.month = MONTHS[r.next()]
    if anchor.date is None and r.peek() == "in" and r.peek(1) in MONTHS:
        anchor.month = MONTHS[r.tokens[r.pos + 1]]  # 'starting in april': its first matching day
        r.pos += 2
    if anchor.date is None and anchor.month is None and r.accept("in"):
        anchor.span = read_span(r)
        if anchor.span is None:
            r.pos -= 1
    if not anchor.times:
        r.accept(",")
        anchor.times = read_times(r) or []
    if anchor.date is None and anchor.span is None and not anchor.times and anchor.month is None:
        r.pos = start
        return None
    if len(anchor.times) > 1:
        raise fail("a start or end takes one time", "until friday at 5pm")
    return anchor


def _month_end(r: Reader, anchor: Anchor) -> bool:
    """'the end of march': the month's last day."""
    start = r.pos
    r.accept("the")
    if r.accept_seq("end", "of") and r.peek() in MONTHS:
        anchor.month, anchor.month_end = MONTHS[r.next()], True
        return True
    r.pos = start
    return False


def _required_anchor(r: Reader, word: str) -> Anchor:
    anchor = read_anchor(r)
    if anchor is None:
        raise fail(f"'{word}' needs a date after it", "every day at 9am until march 31")
    return anchor


def _set(which: str, p: Phrase, anchor: Anchor) -> None:
    if getattr(p, which) is not None:
        raise fail(f"that names two {which} dates", "every monday from jan 5 to march 30")
    setattr(p, which, anchor)
