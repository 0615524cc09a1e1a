"""One entry for every way a user types words at the bot: text → Command → operation → Reply.

User mistakes come back as a reply naming the mistake with an example; nothing else is caught here.
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks import Reply
from bot.commands import changes, create, holidays, limits, reads, rotation, untildone
from bot.commands.grammar import Command, parse_command, suggest
from bot.commands.help import help_reply, unknown_reply
from bot.context import Actor, Services
from bot.errors import UsageError, UserError
from bot.schedules import ParseError
from storage.errors import NotFound

# How the parser begins its answer when the words hold no schedule at all (scheduling/split.py).
NO_SCHEDULE = "no schedule found"


def execute(services: Services, actor: Actor, text: str, *, client: WebClient | None = None) -> Reply:
    """Run what the user typed; a user's mistake becomes an ephemeral reply explaining it."""
    command: Command | None = None
    try:
        command = parse_command(text, user_id=actor.user_id)
        return run_command(services, actor, command, client=client).with_note(actor.profile.note)
    except UsageError as exc:
        return Reply(f":warning: {exc}{_misread(command)}")
    except (UserError, NotFound) as exc:
        return Reply(f":warning: {exc}")
    except ParseError as exc:
        if command is not None and command.misread and str(exc).startswith(NO_SCHEDULE):
            return Reply(
                f":warning: {command.misread}"
            )  # `pause soon`: no schedule in it; the subcommand is what was meant
        return Reply(f":warning: {_sentence(str(exc))}{_misread(command) or _did_you_mean(text)}")


def run_command(services: Services, actor: Actor, command: Command, *, client: WebClient | None = None) -> Reply:
    name, number = command.name, command.number or 0
    if (rotating := rotation.route(services, actor, command)) is not None:
        return rotating
    if (nagging := untildone.route(services, actor, command)) is not None:
        return nagging
    if name == "add":
        return create.add(services, actor, command)
    if name == "list":
        return reads.list_triggers(services, actor, command)
    if name == "show":
        return rotation.with_rotation(services, actor, number, reads.show(services, actor, number))
    if name == "history":
        return untildone.with_done(services, actor, number, reads.history(services, actor, number))
    if name == "edit":
        return create.edit(services, actor, command)
    if name == "snooze":
        return changes.snooze(services, actor, number, command.argument)
    if name == "tz":
        return reads.time_zone(services, actor, command, client)
    if name == "limits":
        return limits.limits(services, actor)
    if name == "settings":
        return limits.settings(services, actor, command)
    if name == "holidays":
        return holidays.holidays(services, actor, command.argument)
    if name in CHANGES:
        return CHANGES[name](services, actor, number)
    if name == "unknown":
        return unknown_reply(command.argument, command.suggestion)
    return help_reply()


CHANGES = {
    "pause": changes.pause,
    "resume": changes.resume,
    "cancel": changes.cancel,
    "run": changes.run,
    "skip": changes.skip,
}


def _misread(command: Command | None) -> str:
    """Words that began with a subcommand's name were read as a new schedule and failed: say both."""
    if command is None or command.misread is None:
        return ""
    name = command.argument.split(maxsplit=1)[0].lower()
    return f"\nIf you meant `/schedule {name}`: {command.misread}"


def _did_you_mean(text: str) -> str:
    words = text.split()
    hint = suggest(words[0]) if words else None
    return f"\nDid you mean `/schedule {hint} …`? `/schedule help` lists every command." if hint else ""


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
