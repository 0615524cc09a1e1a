"""dateparser as a guarded fallback for written dates the grammar does not read.

'2027 jan 5', "jan 5 '27", '5-jan-2027', 'the 5th day of january at 3pm'. dateparser is permissive and
its answers can break our rules (it reads '25/12' as day/month, drops words it cannot place, keeps
'today at 9am' in the past), so here it only confirms a date: it is asked only about text made of a
month name, one day, an optional year and weekday, times and a few filler words; its answer is kept
only when it names exactly the month, day and year written; the time of day and every time rule are
then applied by our own code (the clock reader, once.build_once).
"""

import re
import warnings
from datetime import datetime
from functools import lru_cache
from typing import Any

from scheduling.clock import Clock, read_times
from scheduling.dates import WeekdayRef, checked
from scheduling.lexicon import MONTHS, ORDINAL_WORDS, WEEKDAYS
from scheduling.phrase import Phrase
from scheduling.tokens import Reader, normalize, ordinal_digits

MAX_TOKENS = 14
_TOKEN = re.compile(r"'[0-9]{2}(?![0-9])|[0-9]{1,2}:[0-9]{2}|[0-9]+(?:st|nd|rd|th)?|[a-z]+|[^\s]")
_FILLERS = frozenset({"the", "of", "on", "day", ",", ".", "-", "/"})
_TIME_WORDS = frozenset({"at", "am", "pm", "noon", "midnight", "midday", "oclock"})
_SETTINGS: dict[str, Any] = {
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "DATE_ORDER": "MDY",  # rule 12
    "PREFER_DAY_OF_MONTH": "first",
    "REQUIRE_PARTS": ["day", "month"],
    "PARSERS": ["absolute-time"],
}


class _Written:
    """What the text itself says: the parts dateparser's answer must agree with."""

    def __init__(self) -> None:
        self.month: int | None = None
        self.day: int | None = None
        self.year: int | None = None
        self.weekday: int | None = None
        self.times: list[Clock] = []
        self.date_words: list[str] = []


def written_date(text: str, today: datetime) -> Phrase | None:
    """A one-off Phrase for a written date, or None when this is not one (the grammar's error stands)."""
    tokens = _TOKEN.findall(normalize(text))
    if not tokens or len(tokens) > MAX_TOKENS:
        return None
    written = _read(tokens)
    if written is None or written.month is None or written.day is None:
        return None
    date = checked(written.month, written.day, written.year)
    found = _dateparser_date(" ".join(written.date_words), today.replace(hour=0, minute=0, second=0))
    if found is None or (found.month, found.day) != (written.month, written.day):
        return None
    if written.year is not None and found.year != written.year:
        return None
    phrase = Phrase(times=written.times, date=date)
    if written.weekday is not None:
        phrase.weekday_check = WeekdayRef(written.weekday)
    return phrase


def _read(tokens: list[str]) -> _Written | None:
    r = Reader(tokens)
    written = _Written()
    while not r.done():
        if r.peek() in _TIME_WORDS or ":" in (r.peek() or "") or r.peek(1) in ("am", "pm"):
            times = read_times(r)
            if times is None:
                return None
            written.times.extend(times)
        elif not _date_part(r.next(), written):
            return None
    return written


def _date_part(token: str, w: _Written) -> bool:
    """Record one date token; False for anything that is not exactly one month, day, year or weekday."""
    if token in _FILLERS:
        return True
    if token in MONTHS:
        return _once(w, "month", MONTHS[token], token)
    if token in WEEKDAYS:
        return _once(w, "weekday", WEEKDAYS[token], token)
    if len(token) == 3 and token.startswith("'"):
        return _once(w, "year", 2000 + int(token[1:]), str(2000 + int(token[1:])))
    digits = token.isascii() and token.isdigit()  # str.isdigit() also takes '➇' and '²', which int() refuses
    if digits and len(token) == 4:
        return _once(w, "year", int(token), token)
    day = int(token) if digits and len(token) <= 2 else ordinal_digits(token) or ORDINAL_WORDS.get(token)
    return day is not None and _once(w, "day", day, str(day))


def _once(w: _Written, part: str, value: int, shown: str) -> bool:
    if getattr(w, part) is not None:
        return False
    setattr(w, part, value)
    w.date_words.append(shown)
    return True


@lru_cache(maxsize=256)
def _dateparser_date(text: str, base: datetime) -> datetime | None:
    parser = _parser()
    settings = dict(_SETTINGS, RELATIVE_BASE=base)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"dateparser(\.|$)")
        found = parser(text, languages=["en"], settings=settings)
    return found if isinstance(found, datetime) else None


@lru_cache(maxsize=1)
def _parser() -> Any:
    """dateparser.parse, imported on first use: the import and first parse cost ~0.3 s."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        import dateparser

    return dateparser.parse


def warm_up() -> None:
    """Import dateparser and parse once, so a long-running process pays the first-call cost at start."""
    _dateparser_date("jan 5 2027", datetime(2026, 1, 1))
