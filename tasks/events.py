"""Events in the workers: the actions their triggers run, and the reconciliation sweep.

Reminders, starts and ends are one-off triggers (`event_reminder`, `event_start`, `event_end`),
so they fire exactly once, on their second, through the same claim/run pipeline as any schedule:
the action changes the state and returns the short post, which the pipeline posts once. A change
made by a person or by the sweep leaves an `event_notice` trigger due at once, which posts it.
Each of these also brings the announcement up to date with `chat.update`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import Settings
from storage.claims import Claimed, claim_trigger
from storage.db import make_engine, session_factory, transaction
from storage.events import display, series
from storage.events import repository as events
from storage.events.models import Cause, Event, TriggerKind
from storage.events.sweep import events_out_of_step, series_to_extend
from tasks.actions import ActionContext, ActionFailed, ActionResult
from tasks.slack import Message, SlackFailure, SlackPoster

logger = logging.getLogger("schedulebot.events")

Send = Callable[[Claimed], None]
# The sweep leaves alone what is late by less than this: the event's own triggers are about to fix it.
SWEEP_GRACE = timedelta(minutes=5)


@dataclass
class _Process:
    """Sessions and a poster for actions, which get only the settings; built once per worker process."""

    pid: int
    url: str
    sessions: sessionmaker[Session]
    poster: SlackPoster


_process: _Process | None = None


def _services(settings: Settings, timeout: float) -> _Process:
    global _process
    if _process is None or _process.pid != os.getpid() or _process.url != settings.database_url:
        engine = make_engine(settings.database_url)
        poster = SlackPoster(settings, engine, timeout=timeout)
        _process = _Process(os.getpid(), settings.database_url, session_factory(engine), poster)
    return _process


# --- actions (registered as `schedulebot.actions` entry points) ----------------------------------


def event_reminder(context: ActionContext) -> ActionResult:
    services = _services(context.settings, context.timeout)
    with transaction(services.sessions) as session:
        event = _event(session, context)
        going, _ = events.rsvps(session, team_id=event.team_id, event_id=event.id)
        text = display.reminder_text(event, int(context.payload.get("lead_seconds") or 0), going)
    return ActionResult(text=text)


def event_start(context: ActionContext) -> ActionResult:
    return _clock(context)


def event_end(context: ActionContext) -> ActionResult:
    return _clock(context)


def event_notice(context: ActionContext) -> ActionResult:
    """Post one transition a person or the sweep made, and update the announcement."""
    services = _services(context.settings, context.timeout)
    transition_id = int(context.payload.get("transition_id") or 0)
    with transaction(services.sessions) as session:
        event = _event(session, context)
        transition = events.get_transition(session, team_id=context.team_id, transition_id=transition_id)
        if transition is None:
            raise ActionFailed(f"Event #{event.number}: that change is no longer on record.")
        events.mark_posted(session, team_id=context.team_id, transition_id=transition_id, now=context.now)
        text = display.transition_text(
            event, transition, events.rsvps(session, team_id=event.team_id, event_id=event.id)[0]
        )
    refresh_announcement(services.sessions, services.poster, team_id=context.team_id, event_id=event.id)
    return ActionResult(text=text)


def _clock(context: ActionContext) -> ActionResult:
    """The start or end trigger fired: move the event on the clock, say so, update the announcement."""
    services = _services(context.settings, context.timeout)
    at = max(context.now, context.due_at)
    with transaction(services.sessions) as session:
        event = _event(session, context)
        transition = events.apply_clock(session, team_id=event.team_id, event_id=event.id, now=at, cause=Cause.CLOCK)
        going, _ = events.rsvps(session, team_id=event.team_id, event_id=event.id)
        if transition is None:  # a person or the sweep got there first, and their notice tells the channel
            text = ""
        else:
            events.mark_posted(session, team_id=event.team_id, transition_id=transition.id, now=at)
            text = display.transition_text(event, transition, going)
    refresh_announcement(services.sessions, services.poster, team_id=context.team_id, event_id=event.id)
    return ActionResult(text=text)


def _event(session: Session, context: ActionContext) -> Event:
    event = events.get_event_by_id(session, team_id=context.team_id, event_id=int(context.payload.get("event_id") or 0))
    if event is None:
        raise ActionFailed(f"Schedule #{context.trigger_number} belongs to an event that no longer exists.")
    return event


# --- the announcement ------------------------------------------------------------------------------


def refresh_announcement(
    sessions: sessionmaker[Session], poster: SlackPoster, *, team_id: str, event_id: int
) -> str | None:
    """Show the event's current state and RSVPs on its announcement, posting it first if it has none."""
    with transaction(sessions) as session:
        event = events.get_event_by_id(session, team_id=team_id, event_id=event_id)
        if event is None:
            return None
        going, not_going = events.rsvps(session, team_id=team_id, event_id=event_id)
        text, blocks = display.announcement(event, going, not_going)
        channel, ts, enterprise_id = event.channel_id, event.announcement_ts, event.enterprise_id
    message = Message(text=text, blocks=blocks)
    try:
        if ts is not None:
            poster.update(team_id=team_id, enterprise_id=enterprise_id, channel=channel, ts=ts, message=message)
            return ts
        ts = poster.announce(team_id=team_id, enterprise_id=enterprise_id, channel=channel, message=message)
    except SlackFailure as exc:  # the state is right in the database; the next change updates the post
        logger.warning("event %s: announcement not updated (%s)", event_id, exc)
        return None
    with transaction(sessions) as session:
        events.set_announcement(session, team_id=team_id, event_id=event_id, ts=ts)
    return ts


# --- the sweep (task schedulebot.update_event_states) ----------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    repaired: int
    occurrences: int


def update_event_states(
    sessions: sessionmaker[Session], poster: SlackPoster, *, now: datetime, horizon: timedelta, send: Send
) -> SweepReport:
    """Repair events whose state disagrees with the clock (each repair is posted once, by its notice
    trigger) and materialize recurring events ahead."""
    repaired = sum(
        _repair(sessions, team_id, event_id, now, horizon, send) for team_id, event_id in _scan(sessions, now)
    )
    occurrences = 0
    with transaction(sessions) as session:
        due_series = series_to_extend(session, now=now)
    for team_id, series_id in due_series:
        with transaction(sessions) as session:
            created = [event.id for event in series.materialize(session, team_id=team_id, series_id=series_id, now=now)]
        for event_id in created:
            refresh_announcement(sessions, poster, team_id=team_id, event_id=event_id)
        occurrences += len(created)
    if repaired or occurrences:
        logger.info("update_event_states: %d event(s) repaired, %d occurrence(s) added", repaired, occurrences)
    return SweepReport(repaired=repaired, occurrences=occurrences)


def _scan(sessions: sessionmaker[Session], now: datetime) -> list[tuple[str, int]]:
    with transaction(sessions) as session:
        return events_out_of_step(session, now=now - SWEEP_GRACE)


def _repair(
    sessions: sessionmaker[Session], team_id: str, event_id: int, now: datetime, horizon: timedelta, send: Send
) -> int:
    """One event to the clock's state, its notice claimed and sent at once through the claim code."""
    with transaction(sessions) as session:
        if events.apply_clock(session, team_id=team_id, event_id=event_id, now=now, cause=Cause.SWEEP) is None:
            return 0
        numbers = events.due_trigger_numbers(session, team_id=team_id, event_id=event_id, before=now)
    claimed: list[Claimed] = []
    with transaction(sessions) as session:
        for number in numbers:
            claimed += claim_trigger(session, team_id=team_id, number=number, now=now, horizon=now + horizon)
    for item in claimed:
        send(item)
    return 1


ACTIONS = {
    TriggerKind.REMINDER.value: event_reminder,
    TriggerKind.START.value: event_start,
    TriggerKind.END.value: event_end,
    TriggerKind.NOTICE.value: event_notice,
}
