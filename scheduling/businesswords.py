"""Business-day words in a phrase: 'every business day', 'except holidays in GB-ENG', 'or the next business day',
'the 3rd business day of each month'.

`split_business` takes them out of the text, leaving words the grammar already reads (weekdays, the
first weekday of every month); `with_business` then adds the `BusinessDays` part to what the grammar built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from scheduling.businessdays import AFTER, BEFORE, MAX_NTH, NTH, SKIP, BusinessDays
from scheduling.calendars import check_region
from scheduling.errors import InvalidSchedule, fail
from scheduling.recurrence import first_run
from scheduling.schedule import Schedule

EXAMPLE = "every business day at 9am"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
# A region is a two-letter country code, maybe with a subdivision ('in GB-ENG', 'for us-ca').
_REGION = r"(?:\s+(?:in|for)\s+(?:the\s+)?(?!(?:an|at|on)\b)(?P<region>[a-z]{2}(?:-[a-z0-9]{1,4})?)\b)?"
_BUSINESS = r"(?:business|working)\s+day"
_NTH_WORD = r"(?P<nth>first|second|third|fourth|fifth|last|\d{1,2}(?:st|nd|rd|th))"
_NTHS = (
    re.compile(  # 'the 3rd business day of each month'
        rf"\b(?:on\s+)?(?:the\s+)?{_NTH_WORD}\s+{_BUSINESS}\s+(?:of|in)\s+(?:the|every|each|a)\s+month\b{_REGION}",
        re.IGNORECASE,
    ),
    re.compile(  # 'every month on the last business day'
        rf"\b(?:(?:every|each)\s+month|monthly)\s+on\s+the\s+{_NTH_WORD}\s+{_BUSINESS}\b{_REGION}", re.IGNORECASE
    ),
)
_WHEN = (  # 'when it is a holiday', 'if it falls on a weekend or holiday', 'when that is not a business day'
    r"(?:\s+(?:when|if)\s+(?:it|that|the\s+day)\s*(?:is|['’]s|falls\s+on|lands\s+on)\s+"
    r"(?:a\s+|on\s+a\s+)?[a-z\s-]*?(?:holiday|weekend|day)s?)?"
)
_MOVE = re.compile(
    rf"[\s,]*\bor\s+(?:on\s+)?the\s+(?:(?P<before>(?:previous|prior|last)\s+{_BUSINESS}|{_BUSINESS}\s+before)"
    rf"|(?P<after>next\s+{_BUSINESS}|{_BUSINESS}\s+after)){_WHEN}{_REGION}",
    re.IGNORECASE,
)
_SKIP = re.compile(
    rf"[\s,]*\b(?:except|excluding|skipping|but\s+not|not)\s+(?:on\s+)?(?:public\s+|bank\s+)?holidays{_REGION}",
    re.IGNORECASE,
)
# Not 'end of the business day', which is 17:00 (grammar.py).
_PLAIN = re.compile(rf"(?<!the\s)\b{_BUSINESS}(?P<plural>s?)\b{_REGION}", re.IGNORECASE)


@dataclass(frozen=True)
class BusinessWords:
    """What the phrase said about business days; `region` when it named its own calendar."""

    mode: str
    nth: int | None = None
    region: str | None = None


def split_business(text: str) -> tuple[str, BusinessWords | None]:
    """The phrase with its business-day words replaced by plain ones, and what they said (None if nothing)."""
    found: list[BusinessWords] = []
    for pattern in _NTHS:
        text = pattern.sub(lambda m: _take(found, NTH, m, _nth(m.group("nth"))), text)
    text = _MOVE.sub(lambda m: _take(found, BEFORE if m.group("before") else AFTER, m), text)
    text = _SKIP.sub(lambda m: _take(found, SKIP, m), text)
    plain: list[BusinessWords] = []
    text = _PLAIN.sub(lambda m: _take(plain, SKIP, m) + "weekday" + m.group("plural"), text)
    found = found or plain[:1]
    if not found:
        return text, None
    if len({(words.mode, words.nth) for words in found}) > 1:
        raise fail("that names two ways to treat holidays", "the 15th of every month, or the next business day")
    regions = {words.region for words in found + plain if words.region is not None}
    if len(regions) > 1:
        raise fail("that names two holiday calendars", "every weekday except holidays in GB-ENG")
    return text, replace(found[0], region=next(iter(regions), None))


def _take(found: list[BusinessWords], mode: str, match: re.Match[str], nth: int | None = None) -> str:
    """Note what `match` says in `found`; the words that stand in for it."""
    region = match.group("region")
    found.append(BusinessWords(mode, nth, None if region is None else check_region(region)))
    if mode != NTH:
        return " "
    return " the last weekday of every month " if nth == -1 else " the first weekday of every month "


def _nth(word: str) -> int:
    word = word.lower()
    nth = _ORDINALS.get(word) or int(word[:-2])
    if not (nth == -1 or 1 <= nth <= MAX_NTH):
        raise fail(
            f"a month has about {MAX_NTH} business days, so there is no {word} one",
            "the 3rd business day of each month",
        )
    return nth


def with_business(schedule: Schedule, words: BusinessWords, *, now: datetime, workspace_region: str | None) -> Schedule:
    """`schedule` following the business days `words` name, in their own calendar or the workspace's."""
    if schedule.kind != "recurring" or not schedule.rules:
        raise fail("business days and holidays fit a repeating schedule", EXAMPLE)
    if schedule.count is not None:
        raise fail(
            "'for N times' does not mix with business days; give an end date instead", f"{EXAMPLE} until june 30"
        )
    own = words.region is not None
    business = BusinessDays(
        mode=words.mode, nth=words.nth, region=words.region if own else workspace_region, follows_workspace=not own
    )
    schedule = replace(schedule, business=business)
    if first_run(schedule, now) is None:
        raise InvalidSchedule(f"that series has no future business day. Try: {EXAMPLE}")
    return schedule
