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

MAX_SKIPS = 24
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_RULE = re.compile(r"^FREQ=(DAILY|MONTHLY|YEARLY)(;(BYMONTH|BYMONTHDAY|BYDAY|BYSETPOS)=[-+0-9A-Z,]+)+$")


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
