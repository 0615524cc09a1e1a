"""What each `/event` command does: one storage call, the announcement or the claim, a Reply."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import Reply, context, section
from bot.context import Actor, Services
from bot.errors import NotAllowed, UserError
from bot.events.grammar import ADD_EXAMPLE, EventCommand
from bot.events.reads import visible_event
from bot.visibility import require_can_target
from scheduling import ParseError, Schedule, describe, parse
from storage.db import transaction
from storage.events import display, series
from storage.events import repository as events
from storage.events.lifecycle import EventError, check_reminders
from storage.events.models import Event

# How the parser says a time it read has passed (`yesterday 3pm`, `today at 8am` in the afternoon).
PAST = "in the past"


def add(services: Services, actor: Actor, command: EventCommand, client: WebClient | None) -> Reply:
    now, channel_id = services.clock(), command.channel_id or actor.channel_id
    require_can_target(services, actor, channel_id, command="/event")
    schedule = _parse(command.when, now, actor.zone)
    with transaction(services.sessions) as session:
        default_length, default_lead = events.get_defaults(session, team_id=actor.team_id)
        length = command.duration or default_length
        leads = check_reminders(command.reminders if command.reminders is not None else [default_lead])
        if schedule.kind == "recurring":
            made = series.create_series(
                session, team_id=actor.team_id, channel_id=channel_id, creator_id=actor.user_id, title=command.title,
                schedule=schedule, schedule_text=command.when, duration=length, remind_seconds=leads, now=now,
                enterprise_id=actor.enterprise_id,
            )[1]  # fmt: skip
        else:
            assert schedule.at is not None
            made = [_one(session, actor, command, channel_id, schedule.at, length, leads, now)]
        numbers = [event.number for event in made]
    for number in numbers:
        _after_save(services, actor, number, client)
    return _created(services, actor, numbers, describe(schedule) if schedule.kind == "recurring" else "")


def _one(
    session: Session,
    actor: Actor,
    command: EventCommand,
    channel_id: str,
    starts_at: datetime,
    length: timedelta,
    leads: list[int],
    now: datetime,
) -> Event:
    return events.create_event(
        session, team_id=actor.team_id, channel_id=channel_id, creator_id=actor.user_id, title=command.title,
        starts_at=starts_at, ends_at=starts_at + length, zone=actor.zone, remind_seconds=leads, now=now,
        enterprise_id=actor.enterprise_id,
    )  # fmt: skip


def _created(services: Services, actor: Actor, numbers: list[int], recurrence: str) -> Reply:
    with transaction(services.sessions) as session:
        first = events.get_event(session, team_id=actor.team_id, number=numbers[0])
        line = display.summary_line(first)
    more = (
        f"\n_{recurrence}: {len(numbers)} occurrence(s) made so far, more are added as they come._"
        if recurrence
        else ""
    )
    text = f":white_check_mark: Event added: {line}{more}"
    hint = f"Change it with `/event postpone {numbers[0]} <when>` or `/event cancel {numbers[0]}`"
    return Reply(text, [section(text), context(hint)])


def change(services: Services, actor: Actor, command: EventCommand, client: WebClient | None) -> Reply:
    """cancel / postpone / start / end: only the creator or an admin; the channel is told by a notice."""
    now, number = services.clock(), command.number or 0
    visible_event(services, actor, number)
    with transaction(services.sessions) as session:
        event = events.get_event(session, team_id=actor.team_id, number=number)
        _require_can_change(event, actor, command.name)
        if command.name == "cancel" and "all" in command.flags and event.series_id is not None:
            later = series.end_series(session, team_id=actor.team_id, series_id=event.series_id)
            targets = [e.number for e in later]
        else:
            targets = [number]
        for target in targets:
            _apply(session, actor, command, target, now)
    for target in targets:
        _after_save(services, actor, target, client)
    verb = {"cancel": "cancelled", "postpone": "postponed", "start": "started", "end": "ended"}[command.name]
    which = f"events {', '.join(f'#{n}' for n in targets)}" if len(targets) > 1 else f"event #{number}"
    return Reply(f":white_check_mark: {which.capitalize()} {verb}; the channel has been told.")


def _apply(session: Session, actor: Actor, command: EventCommand, number: int, now: datetime) -> None:
    common = {"team_id": actor.team_id, "number": number, "actor_id": actor.user_id, "now": now}
    if command.name == "postpone":
        schedule = _parse(command.when, now, actor.zone)
        if schedule.at is None:
            raise UserError("Postpone to one new time, not a repeating one", f"/event postpone {number} tomorrow 3pm")
        events.postpone_event(session, starts_at=schedule.at, **common)
    else:
        {"cancel": events.cancel_event, "start": events.start_event, "end": events.end_event}[command.name](
            session, **common
        )


def _require_can_change(event: Event, actor: Actor, verb: str) -> None:
    if event.creator_id != actor.user_id and not actor.is_admin:
        raise NotAllowed(
            f"Only <@{event.creator_id}>, who created event #{event.number}, or a workspace admin can {verb} it. "
            "You can still look at it",
            f"/event show {event.number}",
        )


def defaults(services: Services, actor: Actor, command: EventCommand) -> Reply:
    with transaction(services.sessions) as session:
        if command.flags:
            if not actor.is_admin:
                raise NotAllowed("Only a workspace admin or owner can change the event defaults", "/event defaults")
            which = {command.flags[0]: command.duration}
            length, lead = events.set_defaults(session, team_id=actor.team_id, **which)  # type: ignore[arg-type]
        else:
            length, lead = events.get_defaults(session, team_id=actor.team_id)
    return Reply(
        f"New events last *{display.length(length)}* and remind *{display.length(lead)}* before unless told otherwise. "
        "Change with `/event defaults duration 30m` or `/event defaults reminder 10m`."
    )


def _parse(when: str, now: datetime, zone: str) -> Schedule:
    try:
        return parse(when, now=now, tz=zone)
    except ParseError as exc:
        if PAST in str(exc):  # it did read the time: say what is wrong with it, as check_span does
            raise EventError(f"That start is in the past. Pick a time ahead, e.g. `{ADD_EXAMPLE}`") from None
        raise UserError(f"I could not read “{when[:60]}” as a time: {exc}", ADD_EXAMPLE) from None


def _after_save(services: Services, actor: Actor, number: int, client: WebClient | None) -> None:
    """Announce a new event, and claim at once whatever of its triggers falls due before the next tick."""
    now = services.clock()
    horizon = now + timedelta(seconds=services.settings.tick_seconds)
    with transaction(services.sessions) as session:
        event = events.get_event(session, team_id=actor.team_id, number=number)
        due = events.due_trigger_numbers(session, team_id=actor.team_id, event_id=event.id, before=horizon)
        needs_post = event.announcement_ts is None
    if needs_post and client is not None:
        announce(services, client, team_id=actor.team_id, event_id=event.id)
    for trigger_number in due:
        services.dispatcher.after_save(team_id=actor.team_id, number=trigger_number, now=now)


def announce(services: Services, client: WebClient, *, team_id: str, event_id: int) -> None:
    """Post the event's announcement with its RSVP buttons, or bring the posted one up to date.

    A post Slack refuses is an EventError for the person who made the event; an update's SlackApiError
    goes to the caller.
    """
    with transaction(services.sessions) as session:
        event = events.get_event_by_id(session, team_id=team_id, event_id=event_id)
        if event is None:
            return
        going, not_going = events.rsvps(session, team_id=team_id, event_id=event_id)
        text, blocks = display.announcement(event, going, not_going)
        channel, ts = event.channel_id, event.announcement_ts
    if ts is not None:  # an RSVP's update: its caller (bot.events.updates) retries what Slack refused
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        return
    try:
        response = client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except SlackApiError as exc:
        raise EventError(
            f"The event is saved, but I could not post in <#{channel}> ({exc.response.get('error')})."
        ) from None
    with transaction(services.sessions) as session:
        events.set_announcement(session, team_id=team_id, event_id=event_id, ts=str(response["ts"]))
