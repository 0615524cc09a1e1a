"""Repository functions for events and their lifecycle.

Like `storage.repository`, every function takes `team_id` as a required keyword and filters by
it. The changes of state are conditional updates, so of two processes making the same change
only one records a transition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scheduling.schedule import Schedule
from storage import repository
from storage.errors import NotFound
from storage.events.lifecycle import (
    DEFAULT_DURATION,
    DEFAULT_REMINDER,
    EventError,
    check_duration,
    check_span,
    check_title,
    clock_state,
    pending_reminders,
)
from storage.events.models import (
    LIVE_STATES,
    TIMED_KINDS,
    Cause,
    Event,
    EventDefaults,
    EventRsvp,
    EventState,
    EventTransition,
    EventTrigger,
    TriggerKind,
)
from storage.models import Trigger, TriggerState

# Start and end catch up once after downtime; a reminder that is already late is skipped.
MISFIRE = {TriggerKind.REMINDER: "skip", TriggerKind.START: "once", TriggerKind.END: "once", TriggerKind.NOTICE: "once"}


def create_event(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    creator_id: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    remind_seconds: list[int],
    now: datetime,
    series_id: int | None = None,
    enterprise_id: str | None = None,
) -> Event:
    """Validate and save an event with its reminder, start and end triggers, numbered per workspace."""
    title, starts_at, ends_at = check_title(title), _whole(starts_at), _whole(ends_at)
    check_span(starts_at, ends_at, now)
    fields = dict(channel_id=channel_id, creator_id=creator_id, title=title, starts_at=starts_at, ends_at=ends_at)
    fields.update(zone=zone, remind_seconds=remind_seconds, series_id=series_id, enterprise_id=enterprise_id)
    if series_id is not None:
        fields["occurrence_at"] = starts_at
    event = _insert_numbered(session, team_id=team_id, fields=fields)
    _record(session, event, None, EventState.SCHEDULED.value, Cause.USER, creator_id, now, "created")
    _schedule_triggers(session, event, now)
    return event


def _insert_numbered(session: Session, *, team_id: str, fields: dict[str, object]) -> Event:
    """The event with the workspace's next number, taken behind its numbers lock as schedules take theirs (so
    events saved at the same moment each get the next; the unique constraint stays the backstop)."""
    repository.lock_numbers(session, team_id=team_id)
    highest = session.scalar(select(func.max(Event.number)).where(Event.team_id == team_id))
    event = Event(team_id=team_id, number=(highest or 0) + 1, state=EventState.SCHEDULED.value, **fields)
    session.add(event)
    session.flush()
    return event


def get_event(session: Session, *, team_id: str, number: int) -> Event:
    event = session.scalar(select(Event).where(Event.team_id == team_id, Event.number == number))
    if event is None:
        raise NotFound(f"There is no event #{number} in this workspace. Try `/event list` to see them.")
    return event


def get_event_by_id(session: Session, *, team_id: str, event_id: int) -> Event | None:
    return session.scalar(select(Event).where(Event.team_id == team_id, Event.id == event_id))


def list_events(
    session: Session,
    *,
    team_id: str,
    channel_id: str | None = None,
    states: Iterable[str] = LIVE_STATES,
    limit: int = 50,
) -> Sequence[Event]:
    query = select(Event).where(Event.team_id == team_id, Event.state.in_(list(states)))
    if channel_id is not None:
        query = query.where(Event.channel_id == channel_id)
    return session.scalars(query.order_by(Event.starts_at, Event.number).limit(limit)).all()


def list_transitions(session: Session, *, team_id: str, event_id: int) -> Sequence[EventTransition]:
    query = select(EventTransition).where(EventTransition.team_id == team_id, EventTransition.event_id == event_id)
    return session.scalars(query.order_by(EventTransition.id)).all()


def event_triggers(session: Session, *, team_id: str, event_id: int) -> Sequence[Trigger]:
    query = (
        select(Trigger)
        .join(EventTrigger, EventTrigger.trigger_id == Trigger.id)
        .where(EventTrigger.team_id == team_id, Trigger.team_id == team_id, EventTrigger.event_id == event_id)
    )
    return session.scalars(query.order_by(Trigger.next_run_at)).all()


# --- changes a person asks for ------------------------------------------------------------------


def cancel_event(session: Session, *, team_id: str, number: int, actor_id: str, now: datetime) -> EventTransition:
    event = _live(get_event(session, team_id=team_id, number=number), "cancel")
    return _change(session, event, EventState.CANCELLED.value, actor_id, now, "cancelled")


def postpone_event(
    session: Session, *, team_id: str, number: int, actor_id: str, starts_at: datetime, now: datetime
) -> EventTransition:
    """Move a scheduled or ongoing event to a new start, keeping its length; it is scheduled again."""
    event = _live(get_event(session, team_id=team_id, number=number), "postpone")
    starts_at = _whole(starts_at)
    ends_at = starts_at + (event.ends_at - event.starts_at)
    check_span(starts_at, ends_at, now)
    return _change(session, event, EventState.SCHEDULED.value, actor_id, now, "postponed", starts_at, ends_at)


def start_event(session: Session, *, team_id: str, number: int, actor_id: str, now: datetime) -> EventTransition:
    """Start a scheduled event now; its start becomes now and its end stays (or keeps its length if past)."""
    event = get_event(session, team_id=team_id, number=number)
    if event.state != EventState.SCHEDULED.value:
        raise EventError(f"Event #{number} is {event.state}; only a scheduled event can be started.")
    starts_at = _whole(now)
    ends_at = event.ends_at if event.ends_at > now else starts_at + (event.ends_at - event.starts_at)
    return _change(session, event, EventState.ONGOING.value, actor_id, now, "started early", starts_at, ends_at)


def end_event(session: Session, *, team_id: str, number: int, actor_id: str, now: datetime) -> EventTransition:
    event = get_event(session, team_id=team_id, number=number)
    if event.state != EventState.ONGOING.value:
        hint = f" Try `/event cancel {number}` instead." if event.state == EventState.SCHEDULED.value else ""
        raise EventError(f"Event #{number} is {event.state}; only an ongoing event can be ended.{hint}")
    ends_at = min(event.ends_at, _whole(now))
    return _change(session, event, EventState.COMPLETED.value, actor_id, now, "ended early", None, ends_at)


def _live(event: Event, verb: str) -> Event:
    if event.state not in LIVE_STATES:
        raise EventError(f"Event #{event.number} is already {event.state}, so there is nothing to {verb}.")
    return event


def _change(
    session: Session,
    event: Event,
    to_state: str,
    actor_id: str,
    now: datetime,
    note: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> EventTransition:
    transition = _transition(session, event, to_state, Cause.USER, actor_id, now, note, starts_at, ends_at)
    if transition is None:
        raise EventError(f"Event #{event.number} changed while you asked; try `/event show {event.number}`.")
    return transition


# --- changes the clock makes ----------------------------------------------------------------------


def apply_clock(session: Session, *, team_id: str, event_id: int, now: datetime, cause: str) -> EventTransition | None:
    """Move a live event to the state the clock says; None when it is already there (or someone else moved it)."""
    event = get_event_by_id(session, team_id=team_id, event_id=event_id)
    if event is None:
        return None
    target = clock_state(event.state, event.starts_at, event.ends_at, now)
    if target == event.state:
        return None
    note = "started" if target == EventState.ONGOING.value else "ended"
    if cause == Cause.SWEEP:
        note += f" (repaired: it was still {event.state})"
    return _transition(session, event, target, Cause(cause), None, now, note)


def _transition(
    session: Session,
    event: Event,
    to_state: str,
    cause: Cause,
    actor_id: str | None,
    now: datetime,
    note: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> EventTransition | None:
    """Change state only if nobody else changed it first; move the triggers; record who or what did it."""
    from_state, changed_from = event.state, (event.starts_at, event.ends_at)
    starts_at, ends_at = starts_at or event.starts_at, ends_at or event.ends_at
    changed = session.execute(
        update(Event)
        .where(Event.id == event.id, Event.state == from_state, Event.starts_at == event.starts_at)
        .values(state=to_state, starts_at=starts_at, ends_at=ends_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(event)
        return None
    session.refresh(event)
    _move_triggers(session, event, now, moved=(starts_at, ends_at) != changed_from, firing=cause == Cause.CLOCK)
    return _record(session, event, from_state, to_state, cause, actor_id, now, note)


def _record(
    session: Session,
    event: Event,
    from_state: str | None,
    to_state: str,
    cause: Cause,
    actor_id: str | None,
    now: datetime,
    note: str,
) -> EventTransition:
    transition = EventTransition(
        team_id=event.team_id,
        event_id=event.id,
        from_state=from_state,
        to_state=to_state,
        cause=cause.value,
        actor_id=actor_id,
        note=note,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        at=now,
        # The creation is told by the announcement itself, not by a separate post.
        posted_at=now if from_state is None else None,
    )
    session.add(transition)
    session.flush()
    if from_state is not None and cause != Cause.CLOCK:
        _add_trigger(session, event, TriggerKind.NOTICE, _whole(now), {"transition_id": transition.id})
    return transition


# --- triggers -------------------------------------------------------------------------------------


def _schedule_triggers(session: Session, event: Event, now: datetime) -> None:
    for lead, at in pending_reminders(event.starts_at, event.remind_seconds, now):
        _add_trigger(session, event, TriggerKind.REMINDER, at, {"lead_seconds": lead})
    if event.state == EventState.SCHEDULED.value:
        _add_trigger(session, event, TriggerKind.START, event.starts_at, {})
    _add_trigger(session, event, TriggerKind.END, event.ends_at, {})


def _add_trigger(session: Session, event: Event, kind: TriggerKind, at: datetime, extra: dict[str, int]) -> Trigger:
    payload = {"event_id": event.id, "starts_at": event.starts_at.isoformat(), **extra}
    trigger = repository.create_trigger(
        session,
        team_id=event.team_id,
        channel_id=event.channel_id,
        creator_id=event.creator_id,
        schedule=Schedule(kind="once", zone=event.zone, at=at).to_canonical(),
        schedule_text=f"{kind.value} of event #{event.number}",
        zone=event.zone,
        next_run_at=at,
        action_kind=kind.value,
        payload=payload,
        misfire_policy=MISFIRE[kind],
        enterprise_id=event.enterprise_id,
    )
    session.flush()
    session.add(EventTrigger(trigger_id=trigger.id, event_id=event.id, team_id=event.team_id, kind=kind.value))
    return trigger


def _move_triggers(session: Session, event: Event, now: datetime, *, moved: bool, firing: bool) -> None:
    """Cancel what no longer applies and, if the times moved, schedule afresh.

    A change made by a firing trigger leaves alone the triggers already due (it is one of them).
    """
    everything = event.state not in LIVE_STATES or moved
    kinds = TIMED_KINDS if everything else (TriggerKind.REMINDER, TriggerKind.START)
    pending = select(EventTrigger.trigger_id).where(
        EventTrigger.event_id == event.id, EventTrigger.kind.in_([kind.value for kind in kinds])
    )
    query = update(Trigger).where(
        Trigger.team_id == event.team_id, Trigger.id.in_(pending), Trigger.state == TriggerState.ACTIVE.value
    )
    if firing:
        query = query.where(Trigger.next_run_at > now)
    session.execute(
        query.values(state=TriggerState.CANCELLED.value, updated_at=now).execution_options(synchronize_session=False)
    )
    if moved and event.state in LIVE_STATES:
        _schedule_triggers(session, event, now)


# --- RSVPs, announcement, posting once -------------------------------------------------------------


def set_rsvp(session: Session, *, team_id: str, event_id: int, user_id: str, going: bool, now: datetime) -> Event:
    event = get_event_by_id(session, team_id=team_id, event_id=event_id)
    if event is None:
        raise NotFound("That event is gone. Try `/event list` to see the current ones.")
    row = session.get(EventRsvp, (event.id, user_id))
    if row is None:
        row = EventRsvp(event_id=event.id, user_id=user_id, team_id=team_id, going=going, at=now)
        session.add(row)
    row.going, row.at = going, now
    session.flush()
    return event


def rsvps(session: Session, *, team_id: str, event_id: int) -> tuple[list[str], list[str]]:
    """User ids (going, not going), in the order they answered."""
    query = select(EventRsvp).where(EventRsvp.team_id == team_id, EventRsvp.event_id == event_id)
    rows = session.scalars(query.order_by(EventRsvp.at, EventRsvp.user_id)).all()
    return [r.user_id for r in rows if r.going], [r.user_id for r in rows if not r.going]


def set_announcement(session: Session, *, team_id: str, event_id: int, ts: str) -> None:
    session.execute(
        update(Event)
        .where(Event.team_id == team_id, Event.id == event_id, Event.announcement_ts.is_(None))
        .values(announcement_ts=ts)
        .execution_options(synchronize_session=False)
    )


def get_transition(session: Session, *, team_id: str, transition_id: int) -> EventTransition | None:
    query = select(EventTransition).where(EventTransition.team_id == team_id, EventTransition.id == transition_id)
    return session.scalar(query)


def mark_posted(session: Session, *, team_id: str, transition_id: int, now: datetime) -> bool:
    """Note that the channel was told of a transition; False if it already was."""
    won = session.execute(
        update(EventTransition)
        .where(
            EventTransition.team_id == team_id,
            EventTransition.id == transition_id,
            EventTransition.posted_at.is_(None),
        )
        .values(posted_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]


def due_trigger_numbers(session: Session, *, team_id: str, event_id: int, before: datetime) -> list[int]:
    """Numbers of the event's active triggers due before `before`, for the saver to claim at once."""
    query = (
        select(Trigger.number)
        .join(EventTrigger, EventTrigger.trigger_id == Trigger.id)
        .where(EventTrigger.team_id == team_id, EventTrigger.event_id == event_id, Trigger.team_id == team_id)
        .where(Trigger.state == TriggerState.ACTIVE.value, Trigger.next_run_at <= before)
    )
    return list(session.scalars(query.order_by(Trigger.next_run_at)).all())


# --- workspace defaults ------------------------------------------------------------------------


def get_defaults(session: Session, *, team_id: str) -> tuple[timedelta, timedelta]:
    """(duration, reminder lead) for new events in the workspace."""
    row = session.get(EventDefaults, team_id)
    if row is None:
        return DEFAULT_DURATION, DEFAULT_REMINDER
    return timedelta(seconds=row.duration_seconds), timedelta(seconds=row.reminder_seconds)


def set_defaults(
    session: Session, *, team_id: str, duration: timedelta | None = None, reminder: timedelta | None = None
) -> tuple[timedelta, timedelta]:
    current_duration, current_reminder = get_defaults(session, team_id=team_id)
    duration = check_duration(duration) if duration is not None else current_duration
    reminder = check_duration(reminder, "A reminder") if reminder is not None else current_reminder
    row = session.get(EventDefaults, team_id) or EventDefaults(team_id=team_id)
    row.duration_seconds, row.reminder_seconds = int(duration.total_seconds()), int(reminder.total_seconds())
    session.add(row)
    return duration, reminder


def _whole(moment: datetime) -> datetime:
    """Instants to the second, as triggers fire on a second."""
    return moment.replace(microsecond=0)
