"""`/schedule` text → Command. Pure: no Slack, no database, no clock.

Grammar (DESIGN.md): `[#channel] [to|about] <what> <when>` adds; otherwise the first word names a
subcommand. `[to|about]` is optional, so words that start with a subcommand's name but do not fit its
grammar (`run the backups every night at 2am`) add a schedule instead. Slack escapes channels as
`<#C123|name>` because the manifest sets should_escape.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from bot.errors import UsageError
from bot.schedules import MAX_COMMAND_CHARS

# Largest ID we look up; anything bigger cannot exist and must not reach the database as an overflow.
MAX_NUMBER = 2_147_483_647
ID_COMMANDS = ("show", "pause", "resume", "cancel", "run", "skip", "history")
SUBCOMMANDS = (*ID_COMMANDS, "list", "snooze", "edit", "tz", "help", "limits", "settings", "holidays")
SETTINGS_EXAMPLE = "/schedule settings broadcasts everyone"
# Words people put in front out of habit: `@schedulebot remind #ops to …`, `/schedule add …`.
LEADING_WORDS = ("remind", "schedule", "add", "new", "/schedule")
ADD_EXAMPLE = "/schedule #ops to check the deploy every friday at 4pm"
QUOTES = "\"“”'‘’"

_CHANNEL = re.compile(r"^<#([A-Z0-9]+)(?:\|[^>]*)?>$")
_NUMBER = re.compile(r"^#?(\d{1,12})$")
_BARE_CHANNEL = re.compile(r"^#[\w.-]+$")


@dataclass(frozen=True)
class Command:
    name: str
    number: int | None = None
    channel_id: str | None = None
    # add: "<what> <when>"; snooze: the duration; edit: the when or the quoted text; tz: the zone; list: "mine";
    # holidays: the region or "off".
    argument: str = ""
    # A word that was not a subcommand, when the user probably meant one.
    suggestion: str | None = None
    # add only: the text began with a subcommand's name but did not fit it; what was wrong, with an
    # example, to show if the words cannot be read as a schedule either.
    misread: str | None = None
    # list only: which page of 40 (`/schedule list mine page 2`).
    page: int = 1


class _NotThisCommand(Exception):
    """The words after a subcommand's name do not fit it; read them as an add instead."""

    def __init__(self, error: UsageError | None = None) -> None:
        super().__init__(str(error or ""))
        self.error = error


def check_length(text: str) -> None:
    """Refuse a command over MAX_COMMAND_CHARS before any parsing, so a huge one costs nothing to refuse."""
    if len(text) > MAX_COMMAND_CHARS:
        raise UsageError(
            f"That command is {len(text):,} characters; the limit is {MAX_COMMAND_CHARS:,}. Shorten the message, "
            "or post the long text somewhere and schedule a link to it"
        )


def parse_command(text: str, *, user_id: str = "") -> Command:
    check_length(text)
    words = text.split()
    if not words:
        return Command("help")
    first = words[0].lower()
    if first in LEADING_WORDS and len(words) > 1:
        return _add(drop_words(text, 1), user_id)
    if first in ("?", "-h", "--help"):
        return Command("help")
    if first in SUBCOMMANDS:
        try:
            return _subcommand(first, words[1:], text)
        except _NotThisCommand as miss:
            return replace(_add(text.strip(), user_id), misread=str(miss.error) if miss.error else None)
    if len(words) == 1 and not _CHANNEL.match(words[0]):
        return Command("unknown", argument=words[0], suggestion=suggest(first))
    return _add(text.strip(), user_id)


def drop_words(text: str, count: int) -> str:
    """`text` without its first `count` words, keeping the rest exactly as typed (newlines included)."""
    parts = text.strip().split(maxsplit=count)
    return parts[count].strip() if len(parts) > count else ""


def suggest(word: str) -> str | None:
    close = difflib.get_close_matches(word.lower(), SUBCOMMANDS, n=1, cutoff=0.75)
    return close[0] if close else None


def _subcommand(name: str, rest: list[str], text: str) -> Command:
    if name == "help":
        if len(rest) > 1 or (rest and rest[0].lower() not in SUBCOMMANDS):
            raise _NotThisCommand()  # `help the new hire tomorrow at 10am`
        return Command("help")
    if name == "list":
        return _list(rest)
    if name == "tz":
        return _tz(rest)
    if name == "limits":
        if rest:
            raise _NotThisCommand()  # `limits review every friday at 4pm`
        return Command("limits")
    if name == "settings":
        return _settings(rest)
    if name == "holidays":
        return _holidays(rest)
    number = _number(name, rest)
    if name in ID_COMMANDS:
        if len(rest) > 1:
            raise UsageError(f"`{name}` takes just the schedule's number, not “{' '.join(rest[1:])}”", _ex(name))
        return Command(name, number=number)
    argument = drop_words(text, 2)
    if not argument:
        raise UsageError(*_missing_argument(name, number))
    return Command(name, number=number, argument=argument)


def _missing_argument(name: str, number: int) -> tuple[str, str]:
    if name == "snooze":
        return f"How long should I snooze #{number}? Give a duration", f"/schedule snooze {number} 20 minutes"
    return (
        f"What should change in #{number}? Give a new time, or new text in quotes",
        f"/schedule edit {number} every monday at 10am",
    )


def _number(name: str, rest: list[str]) -> int:
    if not rest:
        raise UsageError(f"Which schedule should I {name}? Give its number from `/schedule list`", _ex(name))
    match = _NUMBER.match(rest[0])
    if match is None:  # `show the demo friday at 3pm`
        raise _NotThisCommand(
            UsageError(f"“{rest[0]}” is not a schedule number; numbers look like `3` or `#3`", _ex(name))
        )
    number = int(match.group(1))
    if not 1 <= number <= MAX_NUMBER:
        raise UsageError(f"There is no schedule #{number} in this workspace", "/schedule list")
    return number


def _ex(name: str) -> str:
    return {"snooze": "/schedule snooze 3 20 minutes", "edit": "/schedule edit 3 every monday at 10am"}.get(
        name, f"/schedule {name} 3"
    )


def _list(rest: list[str]) -> Command:
    if len(rest) >= 2 and rest[-2].lower() == "page" and rest[-1].isdigit() and len(rest[-1]) <= 6:
        return replace(_list(rest[:-2]), page=max(int(rest[-1]), 1))
    if not rest:
        return Command("list")
    if len(rest) == 1 and rest[0].lower() in ("mine", "me", "my"):
        return Command("list", argument="mine")
    if len(rest) == 1 and rest[0].lower() in ("all", "everything"):
        return Command("list", argument="all")
    if len(rest) == 1 and (match := _CHANNEL.match(rest[0])):
        return Command("list", channel_id=match.group(1))
    error = UsageError(
        f"I can list `mine`, `all` or a #channel (and a `page 2` after it), not “{' '.join(rest)}”",
        "/schedule list #ops",
    )
    if len(rest) == 1:
        raise error
    raise _NotThisCommand(error)  # `list the open PRs every monday at 9am`


def _tz(rest: list[str]) -> Command:
    if len(rest) > 1:  # `tz report every friday at 5pm`
        raise _NotThisCommand(
            UsageError("A time zone is one IANA name, like `Europe/Berlin`", "/schedule tz Europe/Berlin")
        )
    return Command("tz", argument=rest[0] if rest else "")


def _settings(rest: list[str]) -> Command:
    """`settings` shows them; `settings broadcasts everyone|admins` changes who may use broadcast mentions."""
    if not rest:
        return Command("settings")
    words = [word.lower() for word in rest]
    if words[0] != "broadcasts" and len(words) > 2:
        raise _NotThisCommand()  # `settings review for the team every monday`
    if words[0] != "broadcasts" or len(words) != 2 or words[1] not in ("everyone", "admins"):
        raise UsageError(
            "I can change `broadcasts` to `everyone` or `admins` (who may schedule @channel, @here, @everyone "
            "and user-group mentions)",
            SETTINGS_EXAMPLE,
        )
    return Command("settings", argument=f"broadcasts {words[1]}")


def _holidays(rest: list[str]) -> Command:
    if len(rest) > 1:  # `holidays party on dec 18 at 5pm`
        raise _NotThisCommand(
            UsageError("A holiday calendar is one region, like `US` or `GB-ENG`", "/schedule holidays US")
        )
    return Command("holidays", argument=rest[0] if rest else "")


def _add(text: str, user_id: str) -> Command:
    words = text.split(maxsplit=2)
    channel_id = None
    if match := _CHANNEL.match(words[0]):
        channel_id, text = match.group(1), drop_words(text, 1)
    elif words[0].lower() == "me" and len(words) > 2 and words[1].lower() in ("to", "about"):
        channel_id, text = user_id or None, drop_words(text, 1)
    elif _BARE_CHANNEL.match(words[0]) and not _NUMBER.match(words[0]):
        raise UsageError(
            f"I could not find the channel “{words[0]}”. Pick it from Slack's list as you type so it becomes a link",
            ADD_EXAMPLE,
        )
    if not text:
        raise UsageError("What should I post, and when?", ADD_EXAMPLE)
    return Command("add", channel_id=channel_id, argument=text)


def unquote(text: str) -> str | None:
    """The text inside one pair of quotes around the whole argument, or None if it is not quoted."""
    text = text.strip()
    if len(text) >= 2 and text[0] in QUOTES and text[-1] in QUOTES:
        return text[1:-1].strip()
    return None
