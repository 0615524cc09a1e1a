"""split_what_when(): '/schedule to check the deploy every weekday at 9:30am' → (what, when)."""

import re
from datetime import datetime

from scheduling.errors import InvalidSchedule, NotASchedule, ParseError, fail
from scheduling.parser import parse
from scheduling.schedule import Schedule
from scheduling.tokens import MAX_INPUT_CHARS

EXAMPLE = "/schedule #ops to check the deploy every weekday at 9:30am"
_QUOTED = re.compile(r'^\s*(?:(?:to|about)\s+)?["“”](?P<what>[^"“”]*)["“”]\s*(?P<when>.*)$', re.IGNORECASE | re.DOTALL)
_LEAD = re.compile(r"^(?:to|about)(?:\s+|$)", re.IGNORECASE)


def split_what_when(text: str, *, now: datetime, tz: str, holidays: str | None = None) -> tuple[str, Schedule]:
    """The message and the schedule: the schedule is the longest trailing phrase `parse` accepts.

    When none is accepted, the error names the problem (rule 13): that of the longest trailing phrase
    that reads as a whole schedule but cannot run (e.g. in the past), else that of the longest one
    that looked like a schedule attempt (any ParseError but NotASchedule), else 'no schedule found'.
    """
    if not isinstance(text, str) or len(text) > 4 * MAX_INPUT_CHARS:
        raise fail("that command is too long", EXAMPLE)
    quoted = _QUOTED.match(text)
    if quoted:
        return _checked_what(quoted.group("what")), parse(quoted.group("when"), now=now, tz=tz, holidays=holidays)
    attempt: ParseError | None = None
    for match in re.finditer(r"\S+", text):
        when = text[match.start() :]
        if len(when) > MAX_INPUT_CHARS:
            continue
        try:
            schedule = parse(when, now=now, tz=tz, holidays=holidays)
        except InvalidSchedule:
            raise  # the longest suffix that reads as a whole schedule cannot run: say why (rule 13)
        except NotASchedule:
            continue
        except ParseError as exc:
            attempt = attempt or exc  # the longest suffix that looked like a schedule attempt
            continue
        return _checked_what(text[: match.start()]), schedule
    if attempt is not None:
        raise attempt
    raise fail("no schedule found at the end of that message", EXAMPLE)


def _checked_what(what: str) -> str:
    cleaned = _LEAD.sub("", what.strip()).strip()
    if not cleaned:
        raise fail("say what to schedule before when", EXAMPLE)
    return cleaned
