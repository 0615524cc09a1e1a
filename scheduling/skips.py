"""Days and runs a series skips: 'except july 4th', 'except the 2nd monday in march', 'except tomorrow at 8am'.

A Schedule's `skip` entries are wall-clock and one of:
- an ISO day, '2026-12-02': no run that day;
- an ISO wall time, '2026-12-02T08:00:00': not that one run;
- two ISO days, '2026-12-24/2027-01-02': no run from the first day through the second;
- an RRULE body with no time fields whose days come round every year ('FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4',
  'FREQ=MONTHLY;BYDAY=+2MO', 'FREQ=YEARLY;BYMONTH=3;BYDAY=+2MO', 'FREQ=DAILY;BYMONTH=5'): no run on those
  days (RFC 5545's EXRULE, read by day). A calendar series narrows its own rules for whole months instead
  ('except in may' adds BYMONTH); only an every-N-minutes series skips months this way.
"""

import re
from datetime import date, datetime
from functools import lru_cache

from dateutil.rrule import rrule, rrulestr

MAX_SKIPS = 24
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = re.compile(r"^\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}$")
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
    if _DAYS.match(entry):
        try:
            first, last = (date.fromisoformat(part) for part in entry.split("/"))
        except ValueError:
            return False
        return first <= last
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
            if _on_rule_day(entry, day):
                return True
        elif "/" in entry:
            if _in_days(entry, day):
                return True
        elif "T" in entry:
            if datetime.fromisoformat(entry) == wall:
                return True
        elif date.fromisoformat(entry) == day:
            return True
    return False


def skips_day(entries: tuple[str, ...], day: date) -> bool:
    """Whether every run on `day` is skipped (wall-time entries skip one run, not the day)."""
    return any(
        ("=" in e and _on_rule_day(e, day)) or ("/" in e and _in_days(e, day)) or e == day.isoformat() for e in entries
    )


def _in_days(entry: str, day: date) -> bool:
    first, last = entry.split("/")
    return first <= day.isoformat() <= last  # ISO days compare as text


def _on_rule_day(rule: str, day: date) -> bool:
    fixed = _fixed_date(rule)
    if fixed is not None:
        return (day.month, day.day) == fixed
    return day in _days(rule, day.year)


@lru_cache(maxsize=256)
def _fixed_date(rule: str) -> tuple[int, int] | None:
    """(month, day) for a plain yearly date ('FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4'), the common skip."""
    fields = dict(part.split("=", 1) for part in rule.split(";"))
    if set(fields) != {"FREQ", "BYMONTH", "BYMONTHDAY"} or fields["FREQ"] != "YEARLY":
        return None
    if not (fields["BYMONTH"].isdigit() and fields["BYMONTHDAY"].isdigit()):
        return None
    return int(fields["BYMONTH"]), int(fields["BYMONTHDAY"])


@lru_cache(maxsize=1024)
def _days(rule: str, year: int) -> frozenset[date]:
    first, last = datetime(year, 1, 1), datetime(year, 12, 31, 23, 59)
    within = _parsed(rule).replace(dtstart=first, until=last)
    return frozenset(moment.date() for moment in within)


@lru_cache(maxsize=256)
def _parsed(rule: str) -> rrule:
    parsed = rrulestr(rule, dtstart=datetime(2000, 1, 1), cache=False)
    assert isinstance(parsed, rrule)
    return parsed
