"""Times of day: '3pm', '9:30 a.m.', 'noon', 'at two', '10 o'clock', 'half past 4'."""

import re
from dataclasses import dataclass

from scheduling.errors import fail
from scheduling.tokens import Reader, as_int

EXAMPLE = "at 5pm"
_COLON_TIME = re.compile(r"^[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?$")


@dataclass(frozen=True)
class Clock:
    hour: int
    minute: int
    ambiguous: bool = False  # a bare 1-12 hour ('at 4'): either am or pm (rule 2)

    def readings(self) -> list["Clock"]:
        if not self.ambiguous:
            return [self]
        return [Clock(self.hour % 12, self.minute), Clock(self.hour % 12 + 12, self.minute)]

    def as_pm(self) -> "Clock":
        if not self.ambiguous:
            return self
        return Clock(self.hour % 12 + 12, self.minute)

    def as_am(self) -> "Clock":
        return Clock(self.hour % 12, self.minute) if self.ambiguous else self

    def as_daytime(self) -> "Clock":
        """A repeating bare hour: 7-11 in the morning, 12 noon, 1-6 in the afternoon or evening."""
        if not self.ambiguous:
            return self
        return self.as_am() if 7 <= self.hour <= 11 else self.as_pm()


def read_times(r: Reader, *, bare_ok: bool = False) -> list[Clock] | None:
    """'at 9am and 5pm', '9:30', 'noon'. Returns None (and moves nothing) when no time is here."""
    start = r.pos
    had_at = r.accept("at", "by") is not None
    first = read_clock(r, bare_ok=had_at or bare_ok)
    if first is None:
        r.pos = start
        return None
    times = [first]
    while True:
        mark = r.pos
        if not (r.accept("and", ",") or r.accept("or")):
            break
        r.accept("at")
        clock = read_clock(r, bare_ok=True)
        if clock is None:
            r.pos = mark
            break
        times.append(clock)
    return times


def read_clock(r: Reader, *, bare_ok: bool) -> Clock | None:
    start = r.pos
    clock = _named(r) or _past_to(r) or _numeric(r, bare_ok=bare_ok)
    if clock is None:
        r.pos = start
        return None
    return _period_suffix(r, clock)


def _named(r: Reader) -> Clock | None:
    word = r.accept("noon", "midday", "midnight")
    if word is None:
        return None
    return Clock(0, 0) if word == "midnight" else Clock(12, 0)


def _past_to(r: Reader) -> Clock | None:
    start = r.pos
    minutes = {"half": 30, "quarter": 15}.get(r.peek() or "")
    if minutes is None:
        return None
    r.pos += 1
    direction = r.accept("past", "to")
    hour = r.number() if direction else None
    if hour is None or not 1 <= hour <= 12:
        r.pos = start
        return None
    if direction == "to":
        return Clock(hour - 1 if hour > 1 else 12, 60 - minutes, ambiguous=True)
    return Clock(hour, minutes, ambiguous=True)


def _numeric(r: Reader, *, bare_ok: bool) -> Clock | None:
    token = r.peek()
    if token is None:
        return None
    if _COLON_TIME.match(token):
        r.pos += 1
        return _with_meridiem(r, token, *_split_colon(token), bare=not token.startswith("0"))
    hour = as_int(token)
    if hour is not None and len(token) >= 3:
        if not bare_ok:
            return None
        r.pos += 1
        return _with_meridiem(r, token, hour // 100, hour % 100, bare=len(token) == 3)
    start = r.pos
    hour = r.number() if token not in ("a", "an", "dozen") else None
    if hour is None:
        return None
    if not (bare_ok or r.peek() in ("am", "pm", "oclock")):
        r.pos = start
        return None
    return _with_meridiem(r, token, hour, 0, bare=not token.startswith("0"))


def _split_colon(token: str) -> tuple[int, int]:
    parts = token.split(":")
    return int(parts[0]), int(parts[1])


def _with_meridiem(r: Reader, token: str, hour: int, minute: int, *, bare: bool) -> Clock:
    meridiem = r.accept("am", "pm")
    r.accept("oclock")
    shown = f"{hour}:{minute:02d}" if ":" not in token and len(token) >= 3 else token
    if minute > 59:
        raise fail(f"'{shown}' is not a time of day: minutes run 0-59", EXAMPLE)
    if meridiem is None:
        if hour > 23:
            raise fail(f"'{shown}' is not a time of day: hours run 0-23", EXAMPLE)
        return Clock(hour, minute, ambiguous=bare and 1 <= hour <= 12)
    if not 1 <= hour <= 12:
        raise fail(f"'{shown}{meridiem}' is not a time of day: with am/pm, hours run 1-12", EXAMPLE)
    return Clock(hour % 12 + (12 if meridiem == "pm" else 0), minute)


def _period_suffix(r: Reader, clock: Clock) -> Clock:
    if r.accept_seq("in", "the", "morning"):
        return clock.as_am()
    for words in (("in", "the", "afternoon"), ("in", "the", "evening"), ("at", "night"), ("tonight",)):
        if r.accept_seq(*words):
            return clock.as_pm()
    return clock
