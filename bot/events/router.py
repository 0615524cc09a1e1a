"""`/event` words → operation → Reply; a user's mistake becomes a reply that names it."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks import Reply
from bot.context import Actor, Services
from bot.errors import UserError
from bot.events import operations, reads
from bot.events.grammar import ADD_EXAMPLE, parse_event_command
from storage.errors import NotFound
from storage.events.lifecycle import EventError

HELP = f"""*Events* — things that happen at a time, with reminders, RSVPs and a calendar feed.
• `{ADD_EXAMPLE}` (also `in #channel`; recurring: `every monday at 10am for 30m`)
• `/event list [#channel]` · `/event show 3` · `/event history 3`
• `/event cancel 3` (a recurring one: `/event cancel 3 all`) · `/event postpone 3 tomorrow 4pm`
• `/event start 3` · `/event end 3` (start or end by hand)
• `/event feed` (your secret link to this channel's calendar) · `/event feed rotate`
• `/event defaults` · `/event defaults duration 30m` · `/event defaults reminder 10m`
You see your own events and your channels' (admins: every channel's); only an event's creator or an admin
can change one."""


def execute(
    services: Services, actor: Actor, text: str, *, client: WebClient | None = None, public_url: str | None = None
) -> Reply:
    try:
        command = parse_event_command(text)
        name, number = command.name, command.number or 0
        if name == "add":
            return operations.add(services, actor, command, client)
        if name == "list":
            return reads.list_events(services, actor, command)
        if name == "show":
            return reads.show(services, actor, number)
        if name == "history":
            return reads.history(services, actor, number)
        if name in ("cancel", "postpone", "start", "end"):
            return operations.change(services, actor, command, client)
        if name == "feed":
            return reads.feed(services, actor, command, public_url)
        if name == "defaults":
            return operations.defaults(services, actor, command)
        return Reply(HELP)
    except (UserError, NotFound, EventError) as exc:
        return Reply(f":warning: {exc}")
