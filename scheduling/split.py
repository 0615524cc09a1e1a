"""split_what_when(): '/schedule to check the deploy every weekday at 9:30am' → (what, when)."""

import re
from collections.abc import Iterator
from datetime import datetime

from scheduling.errors import InvalidSchedule, NotASchedule, ParseError, fail
from scheduling.parser import parse
from scheduling.schedule import Schedule
from scheduling.tokens import MAX_INPUT_CHARS, tokenize

EXAMPLE = "/schedule #ops to check the deploy every weekday at 9:30am"
# The longest command text split_what_when() reads; the bot refuses longer commands before parsing.
MAX_COMMAND_CHARS = 2000
# The most tokens (words and signs such as `,`) a trailing time phrase may have. Every candidate phrase is
# parsed, each in time linear in its length, so this bound keeps a whole split bounded: without it a run of
# `on on on …` or `, , , …` made the split quadratic in the last 500 characters. The longest phrases people
# write ('every monday, wednesday and friday at 9am and 5pm until the end of march') have about 20.
MAX_WHEN_TOKENS = 24
_QUOTED = re.compile(r'^\s*(?:(?:to|about)\s+)?["“”](?P<what>[^"“”]*)["“”]\s*(?P<when>.*)$', re.IGNORECASE | re.DOTALL)
_LEAD = re.compile(r"^(?:to|about)(?:\s+|$)", re.IGNORECASE)
_WORD = re.compile(r"\S+")


def split_what_when(text: str, *, now: datetime, tz: str, holidays: str | None = None) -> tuple[str, Schedule]:
    """The message and the schedule: the schedule is the longest trailing phrase `parse` accepts.

    Trailing phrases are tried longest first, among those of at most MAX_INPUT_CHARS characters and
    MAX_WHEN_TOKENS tokens. When none is accepted, the error names the problem (rule 13): that of the
    longest trailing phrase that reads as a whole schedule but cannot run (e.g. in the past), else that
    of the longest one that looked like a schedule attempt (any ParseError but NotASchedule), else
    'no schedule found'.
    """
    if not isinstance(text, str) or len(text) > MAX_COMMAND_CHARS:
        size = len(text) if isinstance(text, str) else 0
        raise fail(f"that command is {size:,} characters; the limit is {MAX_COMMAND_CHARS:,}", EXAMPLE)
    quoted = _QUOTED.match(text)
    if quoted:
        return _checked_what(quoted.group("what")), parse(quoted.group("when"), now=now, tz=tz, holidays=holidays)
    attempt: ParseError | None = None
    for start in _candidates(text):
        try:
            schedule = parse(text[start:], now=now, tz=tz, holidays=holidays)
        except InvalidSchedule:
            raise  # the longest suffix that reads as a whole schedule cannot run: say why (rule 13)
        except NotASchedule:
            continue
        except ParseError as exc:
            attempt = attempt or exc  # the longest suffix that looked like a schedule attempt
            continue
        return _checked_what(text[:start]), schedule
    if attempt is not None:
        raise attempt
    raise fail(_no_schedule(text), EXAMPLE)


def _candidates(text: str) -> Iterator[int]:
    """Where each trailing phrase within the bounds starts, longest first."""
    starts: list[int] = []
    tokens = 0
    for word in reversed(list(_WORD.finditer(text))):
        tokens += len(tokenize(word.group()))
        if tokens > MAX_WHEN_TOKENS or len(text) - word.start() > MAX_INPUT_CHARS:
            break
        starts.append(word.start())
    return reversed(starts)


def _no_schedule(text: str) -> str:
    if len(text.strip()) > MAX_INPUT_CHARS:
        return (
            "no schedule found at the end of that message (I read the time from at most its last "
            f"{MAX_INPUT_CHARS} characters and {MAX_WHEN_TOKENS} words)"
        )
    return "no schedule found at the end of that message"


def _checked_what(what: str) -> str:
    cleaned = _LEAD.sub("", what.strip()).strip()
    if not cleaned:
        raise fail("say what to schedule before when", EXAMPLE)
    return cleaned
