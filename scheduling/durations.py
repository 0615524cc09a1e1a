"""parse_duration(): '15m', '1h30m', '90 minutes', 'an hour', '2 days' → timedelta."""

from datetime import timedelta

from scheduling.errors import ParseError, fail
from scheduling.spans import read_span
from scheduling.tokens import Reader, tokenize

EXAMPLE = "15m, 1h30m or 2 hours"


def parse_duration(text: str) -> timedelta:
    """A length of time of at least one minute, for snoozes, event lengths and reminders."""
    if not isinstance(text, str) or len(text) > 100:
        raise ParseError(f"that is not a length of time. Try: {EXAMPLE}")
    r = Reader(tokenize(text))
    r.accept("for", "in")
    span = read_span(r)
    if span is None or not r.done():
        raise fail(f"'{text.strip()[:40]}' is not a length of time", EXAMPLE)
    if span.months:
        raise fail("months and years vary in length; say days or weeks", "30 days")
    length = timedelta(days=span.days, seconds=span.seconds)
    if length < timedelta(minutes=1):
        raise fail("a length of time must be at least one minute", EXAMPLE)
    return length
