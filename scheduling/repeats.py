"""Repeat words: 'every other wednesday', 'every 15 minutes', 'daily', 'mondays', 'of each month'."""

from scheduling.dates import DayWord, MonthDay, NthWeekday, WeekdayRef, YearDays, read_date, read_weekday_list
from scheduling.errors import fail
from scheduling.lexicon import MONTHS, PERIODS, UNITS
from scheduling.phrase import Phrase
from scheduling.tokens import Reader
from scheduling.weekblocks import read_weekday_block

EXAMPLE = "every weekday at 9:30am"
_WORDS = {
    "daily": ("day", 1), "everyday": ("day", 1), "nightly": ("day", 1), "weekly": ("week", 1),
    "fortnightly": ("week", 2), "monthly": ("month", 1), "quarterly": ("month", 3),
    "yearly": ("year", 1), "annually": ("year", 1), "hourly": ("hour", 1),
}  # fmt: skip
_AMBIGUOUS = ("biweekly", "bimonthly", "semimonthly", "semiweekly", "biannually", "biannual", "semiannually")
_PERIOD_PLURALS = {"mornings": "morning", "afternoons": "afternoon", "evenings": "evening", "nights": "night"}


def read_repeat(r: Reader, p: Phrase) -> bool:
    """Any repeat phrase at the cursor; updates `p` and returns True if one was read."""
    if r.accept("every", "each", "evry"):
        r.accept("single")
        _every(r, p)
        return True
    return _word(r, p) or _plural_days(r, p) or _of_month(r, p) or _times_per(r, p)


def _every(r: Reader, p: Phrase) -> None:
    p.recurring = True
    if r.accept("other", "alternate"):
        _every_item(r, p, interval=2)
        return
    start = r.pos
    if _decimal_every(r, p):
        return
    ordinal = r.ordinal()  # first: 'twenty-first' is not 'twenty'
    r.pos = start
    number = r.number() if r.peek() not in ("a", "an") and ordinal is None else None
    if number is not None:
        unit = UNITS.get(r.peek() or "")
        if unit is None and read_weekday_block(r, p, interval=number):
            return  # 'every 4 weekends', 'every 3 fridays'
        if unit is None:
            raise fail(f"'every {r.tokens[start]}' needs a unit after the number", "every 15 minutes")
        r.pos += 1
        p.set_unit(unit, number)
        return
    ordinal = r.ordinal()
    if ordinal is not None and (r.peek() or "") in UNITS:
        p.set_unit(UNITS[r.next()], ordinal)
        return
    r.pos = start
    if ordinal is not None:
        _every_date(r, p, interval=1, word=r.tokens[start])
        return
    _every_item(r, p, interval=1)


def _decimal_every(r: Reader, p: Phrase) -> bool:
    """'every 1.5 hours' → every 90 minutes."""
    token = r.peek() or ""
    unit = UNITS.get(r.peek(1) or "")
    if "." not in token or not token.replace(".", "", 1).isdigit():
        return False
    minutes = float(token) * {"minute": 1, "hour": 60}.get(unit or "", 0)
    if minutes != int(minutes) or minutes <= 0:
        raise fail(f"'every {token} {r.peek(1) or ''}' is not a whole number of minutes", "every 90 minutes")
    r.pos += 2
    p.set_unit("minute", int(minutes))
    return True


def _every_item(r: Reader, p: Phrase, *, interval: int) -> None:
    token = r.peek() or ""
    if read_weekday_block(r, p, interval=interval):
        return
    if token in UNITS and token not in ("m", "s", "h", "d", "w", "mo", "mos"):
        r.pos += 1
        p.set_unit(UNITS[token], interval)
        return
    if token in PERIODS and token != "tonight":
        r.pos += 1
        p.set_unit("day", interval)
        p.set_period(token)
        return
    _every_date(r, p, interval=interval, word=token)


def _every_date(r: Reader, p: Phrase, *, interval: int, word: str) -> None:
    date = read_date(r)
    if date is None and word in MONTHS:
        raise fail(f"'every {word}' could be every day in {word} or once a year; say which", f"every day in {word}")
    if date is None or isinstance(date, DayWord | WeekdayRef):
        shown = f"every {word}".strip()
        raise fail(f"I don't know how to repeat '{shown}'", EXAMPLE)
    if isinstance(date, YearDays):
        p.set_unit("year", interval)
    elif isinstance(date, MonthDay):
        if date.year is not None:
            raise fail("a yearly date should not name a year", "every year on jan 1")
        p.set_unit("year", interval)
    elif isinstance(date, NthWeekday) and date.month is not None:
        p.set_unit("year", interval)
    else:
        p.set_unit("month", interval)
    p.set_date(date)


def _word(r: Reader, p: Phrase) -> bool:
    token = r.peek() or ""
    if token in _AMBIGUOUS:
        raise fail(f"'{token}' is ambiguous (twice per period, or every other one?)", "every 2 weeks on monday")
    if token in _PERIOD_PLURALS:
        r.pos += 1
        p.recurring = True
        p.set_period(_PERIOD_PLURALS[token])
        return True
    if token not in _WORDS:
        return False
    r.pos += 1
    p.set_unit(*_WORDS[token])
    if token == "nightly":
        p.set_period("night")
    return True


def _plural_days(r: Reader, p: Phrase) -> bool:
    start = r.pos
    days = read_weekday_list(r)
    if days is None or not (days[1] or len(days[0]) > 1):
        r.pos = start
        return False
    p.recurring = True
    p.weekdays.extend(days[0])
    return True


def _of_month(r: Reader, p: Phrase) -> bool:
    for lead in ("of", "in", "a", "per"):
        for det in ("the", "each", "every", "a", "") if lead in ("of", "in") else ("",):
            words = (lead, det, "month") if det else (lead, "month")
            if r.accept_seq(*words):
                p.recurring = True
                p.monthly = True
                return True
    return False


def _times_per(r: Reader, p: Phrase) -> bool:
    start = r.pos
    word = r.accept("once", "twice", "thrice")
    if word is None:
        count = r.number()
        if count is None or not r.accept("times", "x"):
            r.pos = start
            return False
    adverb = _WORDS.get(r.peek() or "")  # 'twice daily', 'once weekly'
    if adverb is not None:
        r.pos += 1
        if word != "once":
            raise fail("say at which times it should repeat", "every day at 9am and 5pm")
        p.set_unit(*adverb)
        return True
    if not r.accept("a", "per", "each", "every"):
        r.pos = start
        return False
    unit = UNITS.get(r.peek() or "")
    if unit is None:
        r.pos = start
        return False
    r.pos += 1
    if word != "once":
        raise fail("say at which times it should repeat", "every day at 9am and 5pm")
    p.set_unit(unit)
    return True
