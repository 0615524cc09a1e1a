"""`/event` text → EventCommand. Pure apart from the duration parser: no Slack, no database, no clock.

`[add] "<title>" <when> [for <duration>] [in #channel] [remind <durations> before]`, or a
subcommand: list [#channel], show/cancel/start/end/history ID, postpone ID <when>, feed [rotate],
defaults [duration|reminder <duration>], help.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta

from bot.commands.grammar import check_length
from bot.errors import UsageError
from scheduling import ParseError, parse_duration

ADD_EXAMPLE = '/event add "Sprint review" friday 2pm for 1h remind 15m before'
ID_COMMANDS = ("show", "cancel", "start", "end", "history")
SUBCOMMANDS = (*ID_COMMANDS, "add", "list", "postpone", "feed", "defaults", "help")
MAX_NUMBER = 2_147_483_647
# The longest length phrase tried after `for` ("1 hour and 30 minutes" is five words).
MAX_DURATION_WORDS = 5
# How many `for`s, from the last, may introduce the event's length: every one costs a few duration parses,
# so an unbounded look made `for for for …` slow; real commands have one or two (`for 3 times for 30m`).
MAX_FOR_TRIED = 8
# The longest list of reminder lengths between `remind` and `before` ("15m, 1h and 1 day" is 17): a bound
# on how far each `remind` looks for its `before`, which made `remind remind …` quadratic without one.
MAX_LEADS_CHARS = 120

_TITLE = re.compile(r'^\s*["“”](?P<title>[^"“”]*)["“”](?P<rest>.*)$', re.DOTALL)
# A label stops at the next `<`: Slack escapes it inside one, and `[^>]*` re-scanned to the end from every `<#`.
_CHANNEL = re.compile(r"(?:\bin\s+)?<#(?P<id>[A-Z0-9]+)(?:\|[^<>]*)?>", re.IGNORECASE)
_REMIND = re.compile(
    rf"\bremind(?:\s+(?:me|us|everyone))?\s+(?P<leads>.{{1,{MAX_LEADS_CHARS}}}?)\s+before\b", re.IGNORECASE
)
_NO_REMINDER = re.compile(r"\b(?:no\s+reminders?|remind\s+never)\b", re.IGNORECASE)
_FOR = re.compile(r"\bfor\s+", re.IGNORECASE)
_NUMBER = re.compile(r"^#?(\d{1,12})$")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class EventCommand:
    name: str
    number: int | None = None
    title: str = ""
    when: str = ""
    channel_id: str | None = None
    duration: timedelta | None = None
    # None: the workspace default; an empty list: no reminder.
    reminders: list[timedelta] | None = None
    flags: tuple[str, ...] = field(default=())


def parse_event_command(text: str) -> EventCommand:
    check_length(text)
    words = text.split()
    if not words or words[0].lower() in ("help", "?", "-h", "--help"):
        return EventCommand("help")
    first = words[0].lower()
    if first == "add" or _TITLE.match(text):
        return parse_add(_drop(text, 1) if first == "add" else text)
    if first not in SUBCOMMANDS:
        raise UsageError(f"I don't know `/event {words[0][:30]}`. `/event help` lists the commands", ADD_EXAMPLE)
    return _subcommand(first, words[1:], text)


def parse_add(text: str) -> EventCommand:
    found = _TITLE.match(text)
    if found is None:
        raise UsageError("Put the event's title in quotes, then when it is", ADD_EXAMPLE)
    rest, channel_id = _take_channel(found.group("rest"))
    rest, reminders = _take_reminders(rest)
    rest, duration = _take_duration(rest)
    when = " ".join(rest.split())
    if not when:
        raise UsageError("Say when the event is, after its title", ADD_EXAMPLE)
    title = found.group("title")
    return EventCommand("add", title=title, when=when, channel_id=channel_id, duration=duration, reminders=reminders)


def _take_channel(rest: str) -> tuple[str, str | None]:
    found = _CHANNEL.search(rest)
    if found is None:
        return rest, None
    return rest[: found.start()] + " " + rest[found.end() :], found.group("id").upper()


def _take_reminders(rest: str) -> tuple[str, list[timedelta] | None]:
    if (none := _NO_REMINDER.search(rest)) is not None:
        return rest[: none.start()] + " " + rest[none.end() :], []
    found = _REMIND.search(rest)
    if found is None:
        return rest, None
    parts = [part for part in re.split(r"\s*(?:,|\band\b)\s*", found.group("leads")) if part.strip()]
    return rest[: found.start()] + " " + rest[found.end() :], [_duration(part, "remind 15m before") for part in parts]


def _take_duration(rest: str) -> tuple[str, timedelta | None]:
    """The last `for <length>` is the event's length (an earlier one may bound a series: `for 3 times`)."""
    for found in list(_FOR.finditer(rest))[-MAX_FOR_TRIED:][::-1]:
        after = [word.group() for word in itertools.islice(_WORD.finditer(rest, found.end()), MAX_DURATION_WORDS + 1)]
        for size in range(min(MAX_DURATION_WORDS, len(after)), 0, -1):
            try:
                length = parse_duration(" ".join(after[:size]))
            except ParseError:
                continue
            return rest[: found.start()] + " " + _drop(rest[found.end() :], size), length
    return rest, None


def _duration(text: str, example: str) -> timedelta:
    try:
        return parse_duration(text.strip())
    except ParseError as exc:
        raise UsageError(f"“{text.strip()[:40]}” is not a length of time ({exc})", f"/event {example}") from None


def _subcommand(name: str, rest: list[str], text: str) -> EventCommand:
    if name == "list":
        channel = _CHANNEL.fullmatch(rest[0]) if rest else None
        if rest and channel is None:
            raise UsageError("`list` takes a channel or nothing", "/event list #general")
        return EventCommand("list", channel_id=channel.group("id").upper() if channel else None)
    if name == "feed":
        rotate = bool(rest) and rest[0].lower() == "rotate"
        return EventCommand("feed", flags=("rotate",) if rotate else ())
    if name == "defaults":
        return _defaults(rest)
    number = _number(name, rest)
    if name == "postpone":
        when = _drop(text, 2)
        if not when:
            raise UsageError("Say when the event should start instead", f"/event postpone {number} tomorrow 3pm")
        return EventCommand("postpone", number=number, when=when)
    flags = tuple(word.lower() for word in rest[1:])
    if flags not in ((), ("all",)) or (flags and name != "cancel"):
        raise UsageError(f"`{name}` takes just the event's number", f"/event {name} {number}")
    return EventCommand(name, number=number, flags=flags)


def _defaults(rest: list[str]) -> EventCommand:
    if not rest:
        return EventCommand("defaults")
    which, value = rest[0].lower(), " ".join(rest[1:])
    if which not in ("duration", "reminder") or not value:
        raise UsageError("Change the `duration` or the `reminder` default", "/event defaults reminder 10m")
    return EventCommand("defaults", flags=(which,), duration=_duration(value, f"defaults {which} 30m"))


def _number(name: str, rest: list[str]) -> int:
    found = _NUMBER.match(rest[0]) if rest else None
    if found is None or int(found.group(1)) > MAX_NUMBER:
        raise UsageError(f"`{name}` needs the event's number", f"/event {name} 3")
    return int(found.group(1))


def _drop(text: str, count: int) -> str:
    parts = text.strip().split(maxsplit=count)
    return parts[count].strip() if len(parts) > count else ""
