"""Days and runs a series skips: 'except july 4th', 'except the 2nd monday in march', 'except tomorrow at 8am'.

A Schedule's `skip` entries are wall-clock and one of:
- an ISO day, '2026-12-02': no run that day;
- an ISO wall time, '2026-12-02T08:00:00': not that one run;
- an RRULE body with no time fields whose days come round every year ('FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4',
  'FREQ=MONTHLY;BYDAY=+2MO', 'FREQ=YEARLY;BYMONTH=3;BYDAY=+2MO', 'FREQ=DAILY;BYMONTH=5'): no run on those
  days (RFC 5545's EXRULE, read by day). A calendar series narrows its own rules for whole months instead
  ('except in may' adds BYMONTH); only an every-N-minutes series skips months this way.
"""

import re
from datetime import date, datetime
from functools import lru_cache

from dateutil.rrule import rrulestr

from scheduling.lexicon import MONTH_NAMES, WEEKDAY_CODES, WEEKDAY_NAMES

MAX_SKIPS = 24
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_RULE = re.compile(r"^FREQ=(DAILY|MONTHLY|YEARLY)(;(BYMONTH|BYMONTHDAY|BYDAY)=[-+0-9A-Z,]+)+$")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second-to-last"}


def is_skip(entry: object) -> bool:
    if not isinstance(entry, str):
        return False
    if _RULE.match(entry):
        try:
            _days(entry, 2000)
        except (ValueError, TypeError, KeyError, IndexError):
            return False
        return True
    try:
        datetime.fromisoformat(entry)
    except ValueError:
        return False
    return bool(_DAY.match(entry) or _MOMENT.match(entry))


def is_skipped(entries: tuple[str, ...], wall: datetime) -> bool:
    """Whether the run at naive wall-clock time `wall` is one the series skips."""
    day = wall.date()
    for entry in entries:
        if "=" in entry:
            if day in _days(entry, day.year):
                return True
        elif "T" in entry:
            if datetime.fromisoformat(entry) == wall:
                return True
        elif date.fromisoformat(entry) == day:
            return True
    return False


def skips_day(entries: tuple[str, ...], day: date) -> bool:
    """Whether every run on `day` is skipped (wall-time entries skip one run, not the day)."""
    return any(("=" in e and day in _days(e, day.year)) or e == day.isoformat() for e in entries)


@lru_cache(maxsize=1024)
def _days(rule: str, year: int) -> frozenset[date]:
    first, last = datetime(year, 1, 1), datetime(year, 12, 31, 23, 59)
    return frozenset(moment.date() for moment in rrulestr(rule, dtstart=first).between(first, last, inc=True))


def describe_skips(entries: tuple[str, ...]) -> str:
    """'except July 4 each year and Wed Dec 2, 2026' (empty when nothing is skipped)."""
    if not entries:
        return ""
    return "except " + join_words([_entry_words(entry) for entry in entries])


def join_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _entry_words(entry: str) -> str:
    if "=" not in entry:
        moment = datetime.fromisoformat(entry)
        day = f"{moment:%a %b} {moment.day}, {moment.year}"
        return day if "T" not in entry else f"{day} at {moment:%I:%M %p}".replace(" 0", " ")
    fields = dict(part.split("=", 1) for part in entry.split(";"))
    if fields["FREQ"] == "DAILY":
        return "in " + join_words([MONTH_NAMES[int(m) - 1] for m in fields["BYMONTH"].split(",")])
    month = MONTH_NAMES[int(fields["BYMONTH"]) - 1] if "BYMONTH" in fields else None
    if "BYDAY" in fields:
        codes = fields["BYDAY"].split(",")
        nths = join_words([_ORDINALS.get(int(code[:-2]), code[:-2]) for code in codes])
        where = f"the {nths} {WEEKDAY_NAMES[WEEKDAY_CODES.index(codes[0][-2:])]}"
        return f"{where} of {month}" if month else f"{where} of each month"
    days = [int(d) for d in fields["BYMONTHDAY"].split(",")]
    if month:
        return f"{month} {days[0]} each year"
    return f"the {join_words([_day_ordinal(d) for d in days])} of each month"


def _day_ordinal(day: int) -> str:
    if day == -1:
        return "last day"
    return f"{day}{'th' if 10 <= day % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"
