"""Several dates a year: 'december 21st and 31st', 'aug 20 and 30', 'the 20th and 30th of aug',
'jan 1 and jul 4'. One yearly RRULE per month (BYMONTH + BYMONTHDAY)."""

from scheduling.dates import YearDays, checked
from scheduling.lexicon import MONTHS
from scheduling.tokens import Reader, as_int, ordinal_digits

_MAX_DATES = 31


def read_year_days(r: Reader) -> YearDays | None:
    """Two or more yearless dates in one phrase, or None (cursor unmoved)."""
    start = r.pos
    found = _month_first(r) or _days_first(r)
    if found is None or len(found) < 2 or len(found) > _MAX_DATES:
        r.pos = start
        return None
    for month, day in found:
        checked(month, day, None)
    return YearDays(tuple(dict.fromkeys(found)))


def _month_first(r: Reader) -> list[tuple[int, int]] | None:
    """'aug 20 and 30', 'december 21st and 31st', 'jan 1 and jul 4', 'jan 1, feb 3 and 9'."""
    found: list[tuple[int, int]] = []
    month = None
    while True:
        mark = r.pos
        if found and not _separator(r):
            break
        numeric = _numeric(r.peek())
        if numeric is not None:  # '3/15 and 9/15'
            r.pos += 1
            found.append(numeric)
            continue
        if r.peek() in MONTHS:
            month = MONTHS[r.next()]
            r.accept("the")
        day = _day(r)
        if day is None or month is None:
            r.pos = mark
            break
        found.append((month, day))
    return found or None


def _days_first(r: Reader) -> list[tuple[int, int]] | None:
    """'the 20th and 30th of aug'."""
    days: list[int] = []
    while True:
        mark = r.pos
        if days and not _separator(r):
            break
        r.accept("the")
        day = _day(r, ordinal_only=True)
        if day is None:
            r.pos = mark
            break
        days.append(day)
    if not days or not r.accept("of", "in") or r.peek() not in MONTHS:
        return None
    month = MONTHS[r.next()]
    return [(month, day) for day in days]


def _numeric(token: str | None) -> tuple[int, int] | None:
    """'3/15' (month/day, rule 12); a date with a year is one day, not one a year."""
    parts = (token or "").split("/")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    return int(parts[0]), int(parts[1])


def _separator(r: Reader) -> bool:
    if r.accept(","):
        r.accept("and")
        return True
    return r.accept("and", "&") is not None


def _day(r: Reader, *, ordinal_only: bool = False) -> int | None:
    token = r.peek()
    following = r.peek(1)
    if following in ("am", "pm", "oclock") or (following or "").startswith(":"):
        return None
    value = ordinal_digits(token) or (None if ordinal_only else as_int(token))
    if value is None and token is not None and not token[:1].isdigit():
        mark = r.pos
        value = r.ordinal()
        if value is None:
            return None
        if value > 31:
            r.pos = mark
            return None
        return value
    if value is None or len(token or "") > 4 or not 1 <= value <= 31:
        return None
    r.pos += 1
    return value
