"""Looking at events, and the calendar feed links: each person sees what bot.visibility allows."""

from __future__ import annotations

from datetime import datetime

from bot import visibility
from bot.blocks import Reply
from bot.context import Actor, Services
from bot.errors import NotAllowed
from bot.events.grammar import ADD_EXAMPLE, EventCommand
from storage.db import transaction
from storage.errors import NotFound
from storage.events import display, feeds
from storage.events import repository as events
from storage.events.models import Event

FEED_PATH = "/calendar/{token}.ics"
# Events listed at most; the rest are named by a count, and `/event list #channel` narrows it.
MAX_LISTED = 50
# Events read to find the ones a person may see (the repository reads this many, soonest first).
MAX_SCANNED = 2000


def visible_event(services: Services, actor: Actor, number: int) -> Event:
    """Event `number` if this person may see it; else the same refusal as for one that does not exist.

    Decided outside any transaction, like bot.visibility.visible_trigger.
    """
    try:
        with transaction(services.sessions) as session:
            event = events.get_event(session, team_id=actor.team_id, number=number)
    except NotFound:
        raise visibility.not_visible(number, "event") from None
    return visibility.require_visible(visibility.viewer(services, actor), event, number=number, noun="event")


def sees_event_id(services: Services, actor: Actor, event_id: int) -> bool:
    """Whether this person may see the event a button names by its id (an RSVP on an old announcement)."""
    with transaction(services.sessions) as session:
        event = events.get_event_by_id(session, team_id=actor.team_id, event_id=event_id)
    return event is not None and visibility.viewer(services, actor).sees(event)


def list_events(services: Services, actor: Actor, command: EventCommand) -> Reply:
    with transaction(services.sessions) as session:
        found = events.list_events(session, team_id=actor.team_id, channel_id=command.channel_id, limit=MAX_SCANNED)
    looker = visibility.viewer(services, actor)
    shown = looker.visible(found)
    lines = [display.summary_line(event) for event in shown[:MAX_LISTED]]
    where = f" in <#{command.channel_id}>" if command.channel_id else ""
    if not lines:
        return Reply(f"No upcoming or ongoing events{where} that you can see. Add one: `{ADD_EXAMPLE}`").with_note(
            looker.note()
        )
    more = len(shown) - len(lines)
    tail = f"\n…and {more} more: `/event list #channel` narrows it down." if more > 0 else ""
    return Reply(f"*Events{where}:*\n" + "\n".join(lines) + tail).with_note(looker.note())


def show(services: Services, actor: Actor, number: int) -> Reply:
    visible_event(services, actor, number)
    with transaction(services.sessions) as session:
        event = events.get_event(session, team_id=actor.team_id, number=number)
        going, not_going = events.rsvps(session, team_id=actor.team_id, event_id=event.id)
        text, blocks = display.announcement(event, going, not_going)
    return Reply(text, [block for block in blocks if block["type"] != "actions"])


def history(services: Services, actor: Actor, number: int) -> Reply:
    visible_event(services, actor, number)
    with transaction(services.sessions) as session:
        event = events.get_event(session, team_id=actor.team_id, number=number)
        rows = events.list_transitions(session, team_id=actor.team_id, event_id=event.id)
        lines = [_history_line(row.at, row.from_state, row.to_state, row.cause, row.actor_id, row.note) for row in rows]
        head = f"History of {display.title(event)} (event #{number}):"
    return Reply(head + "\n" + "\n".join(lines))


def _history_line(at: datetime, from_state: str | None, to_state: str, cause: str, actor: str | None, note: str) -> str:
    who = f"<@{actor}>" if actor else {"clock": "the clock", "sweep": "the repair sweep"}.get(cause, cause)
    change = f"{from_state} → {to_state}" if from_state else f"created ({to_state})"
    return f"• {display.slack_date(at, 'UTC')}: {change} by {who} — {display.escape(note)}"


def feed(services: Services, actor: Actor, command: EventCommand, public_url: str | None) -> Reply:
    """A member's own secret link to this channel's feed; `rotate` by an admin cuts off every link first."""
    channel = actor.channel_id
    if visibility.target_problem(services, actor, channel):
        raise NotAllowed(
            f"Only members of <#{channel}> can have a link to its calendar. Join it first, or ask a workspace admin"
        )
    everyone = "rotate" in command.flags and actor.is_admin
    with transaction(services.sessions) as session:
        revoked = feeds.revoke_feed_links(session, team_id=actor.team_id, channel_id=channel) if everyone else 0
        token, replaced = feeds.new_feed_link(
            session, team_id=actor.team_id, channel_id=channel, user_id=actor.user_id, now=services.clock()
        )
    url = (public_url or "http://localhost:3000").rstrip("/") + FEED_PATH.format(token=token)
    notice = _feed_notice(channel, everyone=everyone, revoked=revoked, replaced=replaced)
    if "rotate" in command.flags and not everyone:
        notice += "Other members' links are their own; a workspace admin's `/event feed rotate` stops them all.\n"
    return Reply(
        f"{notice}Subscribe to <#{channel}>'s events in Google Calendar or Outlook with your secret URL "
        f"(anyone who has it can read them; I keep no copy, so save it now):\n`{url}`\n"
        "Made public by mistake? `/event feed rotate`"
    )


def _feed_notice(channel: str, *, everyone: bool, revoked: int, replaced: bool) -> str:
    if everyone:
        return f"Every link to <#{channel}>'s calendar ({revoked}) stopped working; here is a new one of your own.\n"
    if replaced:
        return "A new link of your own; the one I gave you before no longer works.\n"
    return ""


def forget_feed_link(services: Services, *, team_id: str, channel_id: str, user_id: str) -> None:
    """A person left the channel: the link they had to its calendar stops working."""
    with transaction(services.sessions) as session:
        feeds.revoke_feed_links(session, team_id=team_id, channel_id=channel_id, user_id=user_id)
