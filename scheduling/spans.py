"""Amounts of time: '90 minutes', 'an hour and a half', '1h30m', '2 weeks', 'a couple of days'."""

from dataclasses import dataclass

from scheduling.errors import fail
from scheduling.lexicon import UNITS
from scheduling.tokens import Reader

_SECONDS = {"second": 1, "minute": 60, "hour": 3600}
_DAYS = {"day": 1, "week": 7, "fortnight": 14}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Span:
    """Elapsed seconds plus calendar days and months (DESIGN.md rule 4)."""

    seconds: int = 0
    days: int = 0
    months: int = 0

    def __add__(self, other: "Span") -> "Span":
        return Span(self.seconds + other.seconds, self.days + other.days, self.months + other.months)

    @property
    def empty(self) -> bool:
        return not (self.seconds or self.days or self.months)


def read_span(r: Reader) -> Span | None:
    """One or more 'amount unit' pairs. Returns None (and moves nothing) if none is here."""
    start = r.pos
    total = _read_part(r)
    if total is None:
        return None
    while True:
        mark = r.pos
        r.accept("and", ",")
        part = _read_part(r)
        if part is None:
            r.pos = mark
            break
        total = total + part
    if total.empty:
        r.pos = start
        return None
    return total


def _read_amount(r: Reader) -> float | None:
    start = r.pos
    if r.accept_seq("a", "couple") or r.accept_seq("couple"):
        r.accept("of")
        return 2.0
    if r.accept_seq("half", "an") or r.accept_seq("half", "a"):
        return 0.5
    token = r.peek()
    if token is not None and "." in token and token.replace(".", "", 1).isdigit():
        r.pos += 1
        return float(token)
    number = r.number()
    if number is None:
        r.pos = start
        return None
    if r.accept_seq("and", "a", "half"):
        return number + 0.5
    return float(number)


def _read_part(r: Reader) -> Span | None:
    start = r.pos
    amount = _read_amount(r)
    unit = UNITS.get(r.peek() or "") if amount is not None else None
    if amount is None or unit is None:
        r.pos = start
        return None
    r.pos += 1
    if r.accept_seq("and", "a", "half"):
        amount += 0.5
    return _to_span(amount, unit)


def _to_span(amount: float, unit: str) -> Span:
    if unit in _SECONDS:
        return Span(seconds=round(amount * _SECONDS[unit]))
    whole = int(amount)
    if whole != amount:
        raise fail(f"'{amount:g} {unit}s' is not a whole number of {unit}s", "in 36 hours, or in 2 days")
    if unit in _DAYS:
        return Span(days=whole * _DAYS[unit])
    return Span(months=whole * _MONTHS[unit])
