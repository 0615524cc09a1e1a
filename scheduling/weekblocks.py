"""Every N of a kind of day: 'every 4 weekends', 'every 3 fridays', 'every other saturdays through tuesdays'.

Each is every N weeks on those days. A block written across the week's turn ('saturdays through tuesdays')
keeps its days together: the rule's week starts on the block's first day (RRULE WKST).
"""

from scheduling.dates import read_weekday_list
from scheduling.errors import fail
from scheduling.lexicon import PLURAL_WEEKDAYS, WEEKDAY_CODES, WEEKDAYS
from scheduling.phrase import Phrase
from scheduling.tokens import Reader

_WORKDAY_WORDS = ("weekday", "weekdays", "workday", "workdays", "business", "working", "work")


def read_weekday_block(r: Reader, p: Phrase, *, interval: int) -> bool:
    """Weekdays after 'every', 'every other' or 'every N'; updates `p`, or returns False (cursor unmoved)."""
    token = r.peek() or ""
    if interval > 1 and token in _WORKDAY_WORDS:
        said = r.tokens[r.pos - 1] if r.pos else "other"
        raise fail(
            f"'every {said} {token}' is unclear (alternate working days, or every other week?)",
            "every 2 weeks on weekdays, or every monday, wednesday and friday",
        )
    first = WEEKDAYS.get(token, PLURAL_WEEKDAYS.get(token))
    days = read_weekday_list(r)
    if days is None:
        return False
    p.weekdays.extend(days[0])
    if interval > 1:
        p.set_unit("week", interval)
        if first is not None and any(day < first for day in days[0]):
            p.week_start = first
    return True


def weekly_byday(days: list[int], week_start: int | None) -> str:
    """BYDAY in the order of the rule's week, and WKST when that week does not start on Monday."""
    start = week_start or 0
    ordered = sorted(days, key=lambda day: (day - start) % 7)
    byday = ",".join(WEEKDAY_CODES[day] for day in ordered)
    return f"BYDAY={byday};WKST={WEEKDAY_CODES[start]}" if start else f"BYDAY={byday}"
