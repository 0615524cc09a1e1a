"""Adversarial command texts at the command cap, and the time it takes to read each one as the bot does.

Each input is a run of one token repeated to MAX_COMMAND_CHARS (`on on on …`, `, , , …`, `remind remind …`),
behind `/schedule` or `/event add "t"`: the shapes that made a parser re-scan suffixes. Reading one is
what the web process does before any database work: the command grammar, then the schedule phrase.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from bot.commands.grammar import parse_command
from bot.errors import UserError
from bot.events.grammar import parse_event_command
from bot.schedules import MAX_COMMAND_CHARS, ParseError, parse, split_what_when

# Repeated to fill the cap; each once for `/schedule` and once for `/event add "t"`.
TOKENS = (
    "for x ", "on ", "remind ", "every ", "at ", "and ", '"', ", ", ",", "in ", "for ", "every day ", "at 5 ",
    "until ", "from ", "the ", "1 ", "x ", "remind 5m ", "remind me ", "before ", "- ", "at 5pm and ",
    "monday, ", "every 2 ", "in 2 hours ", "utc ", " ", "<#C1|ops> ", "jan 5 ", "<#C1|", "<@U1> ", "in <#C1|",
)  # fmt: skip
NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
ZONE = "America/New_York"


def cases() -> list[tuple[str, str]]:
    """(command, text) pairs, every text exactly MAX_COMMAND_CHARS long."""
    found = []
    for token in TOKENS:
        found.append(("/schedule", _fill("to ", token)))
        found.append(("/event", _fill('add "t" ', token)))
    return found


def _fill(head: str, token: str) -> str:
    body = token * (MAX_COMMAND_CHARS // len(token) + 1)
    return (head + body)[:MAX_COMMAND_CHARS]


def read(command: str, text: str) -> None:
    """Read `text` as the bot reads that command; a refusal (the user's mistake) is an answer too."""
    with contextlib.suppress(UserError, ParseError):
        if command == "/schedule":
            parsed = parse_command(text)
            if parsed.name == "add":
                split_what_when(parsed.argument, now=NOW, tz=ZONE)
        else:
            event = parse_event_command(text)
            if event.when:
                parse(event.when, now=NOW, tz=ZONE)
