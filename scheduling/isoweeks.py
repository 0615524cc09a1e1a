"""ISO week numbers: 'every Fri in week 12', 'every Tue and Fri in week 14', 'every 3 years on Fri in week 12'.

Weeks are ISO 8601 (Monday first; week 1 holds the year's first Thursday), as RRULE's BYWEEKNO reads them.
"""

from scheduling.dates import WeekdayRef, ordinal_text
from scheduling.errors import fail
from scheduling.lexicon import WEEKDAY_CODES
from scheduling.phrase import Phrase
from scheduling.tokens import Reader, as_int

EXAMPLE = "every fri in week 12"


def read_week_numbers(r: Reader, p: Phrase) -> bool:
    """'in week 12', 'of weeks 12 and 14', 'in iso week 9'; updates `p.weeknos`."""
    start = r.pos
    if not r.accept("in", "of", "during", "on"):
        return False
    r.accept("the")
    r.accept("iso")
    nth = r.ordinal()  # 'in the 12th week (of the year)'
    if r.accept("week", "weeks", "wk") is None:
        r.pos = start
        return False
    numbers = [nth] if nth is not None else _numbers(r)
    if nth is not None:
        if (
            r.accept_seq("of", "the", "month")
            or r.accept_seq("of", "each", "month")
            or r.accept_seq("of", "every", "month")
        ):
            raise fail(
                "a month's weeks are not fixed days; name the weekday by position", "the first monday of the month"
            )
        if not (r.accept_seq("of", "the", "year") or r.accept_seq("of", "each", "year")):
            raise fail(f"the {ordinal_text(nth)} week of what? A week of the year is 'week {nth}'", EXAMPLE)
        if not 1 <= nth <= 53:
            raise fail(f"there is no week {nth}: ISO weeks run 1-53", EXAMPLE)
    if not numbers:
        raise fail("'week' needs a week number after it (1-53)", EXAMPLE)
    if p.weeknos:
        raise fail("that names week numbers twice", "every fri in weeks 12 and 14")
    p.weeknos = numbers
    return True


def _numbers(r: Reader) -> list[int]:
    numbers: list[int] = []
    while True:
        mark = r.pos
        if numbers and not (r.accept(",", "and") and (r.accept("and") or True)):
            break
        value = as_int(r.peek())
        if value is None:
            r.pos = mark
            break
        if not 1 <= value <= 53:
            raise fail(f"there is no week {value}: ISO weeks run 1-53", EXAMPLE)
        r.pos += 1
        numbers.append(value)
    return numbers


def week_rule(p: Phrase) -> list[str]:
    """The yearly rule for weekdays in numbered weeks; the repeat must be yearly (or plain weekly)."""
    if p.unit not in (None, "year", "week") or (p.unit == "week" and p.interval != 1):
        raise fail("week numbers repeat every year (or every N years)", "every 3 years on fri in week 12")
    if not p.recurring:
        raise fail("a week number repeats every year: say 'every'", EXAMPLE)
    if isinstance(p.date, WeekdayRef) and p.date.mode == "":
        p.weekdays.append(p.date.weekday)  # 'every 3 years on fri in week 12'
        p.date = None
    if p.date is not None or p.monthly:
        raise fail("week numbers go with weekdays, not dates", EXAMPLE)
    if not p.weekdays:
        raise fail("say which days of the week", EXAMPLE)
    interval = p.interval if p.unit == "year" else 1
    days = ",".join(WEEKDAY_CODES[d] for d in sorted(set(p.weekdays)))
    weeks = ",".join(map(str, sorted(set(p.weeknos))))
    return [f"FREQ=YEARLY;INTERVAL={interval};BYWEEKNO={weeks};BYDAY={days}"]
