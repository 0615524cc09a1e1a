"""Repository functions for workspace data.

Every function that reads or changes a workspace's rows takes `team_id` as a required keyword
and filters by it, so no call can return or touch another workspace's rows, whatever ID it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, insert, select
from sqlalchemy.orm import Session

from storage.errors import NotFound
from storage.models import AuditEntry, Run, Trigger, TriggerState, UserZone, utcnow

# First key of the PostgreSQL advisory lock that hands out one workspace's trigger numbers (the second
# is the workspace's hash), so other advisory locks can keep out of its way with other first keys.
NUMBERS_LOCK_SPACE = 7401
# Where a session notes the transaction in which it took a workspace's numbering lock (session.info).
NUMBERS_LOCKED = "schedulebot.numbers_locked"
LIVE_STATES = (TriggerState.ACTIVE.value, TriggerState.PAUSED.value)
# Events keep their reminder, start, end and notice triggers in the same table (storage/events/models.py
# TriggerKind); their action kinds all start with this. `/schedule` and App Home never see or change them.
EVENT_KIND_PREFIX = "event_"


def _not_event() -> Any:
    return ~Trigger.action_kind.startswith(EVENT_KIND_PREFIX, autoescape=True)


def create_trigger(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    creator_id: str,
    schedule: str,
    zone: str,
    next_run_at: datetime | None,
    schedule_text: str = "",
    action_kind: str = "message",
    payload: dict[str, Any] | None = None,
    misfire_policy: str = "once",
    enterprise_id: str | None = None,
) -> Trigger:
    """Insert a trigger with the next free short number in its workspace.

    Schedules count up from 1 (the number people type); events' triggers count down from -1, so events
    never take a schedule's number (events have numbers of their own). Saves in one workspace take numbers
    one at a time, so many at once all succeed: on PostgreSQL behind a lock held until the caller commits,
    on SQLite behind the write lock every transaction takes first.
    """
    lock_numbers(session, team_id=team_id)
    values = {
        "team_id": team_id,
        "number": _next_number(team_id, event=action_kind.startswith(EVENT_KIND_PREFIX)),
        "channel_id": channel_id,
        "creator_id": creator_id,
        "schedule": schedule,
        "schedule_text": schedule_text,
        "zone": zone,
        "next_run_at": next_run_at,
        "action_kind": action_kind,
        "payload": payload or {},
        "misfire_policy": misfire_policy,
        "enterprise_id": enterprise_id,
    }
    # One statement takes the number and returns the whole row: no separate read of the highest number.
    trigger = session.scalar(insert(Trigger).values(values).returning(Trigger))
    assert trigger is not None
    return trigger


def lock_numbers(session: Session, *, team_id: str) -> None:
    """Take the workspace's numbers, schedules' and events' alike, one save at a time (until the caller commits)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # Held until the transaction ends: a second ask in the same one (the quota check, then the insert) is a
    # round trip for nothing. Keyed by the innermost transaction, since rolling back a savepoint releases it.
    current = session.get_nested_transaction() or session.get_transaction()
    held = session.info.setdefault(NUMBERS_LOCKED, {})
    if current is not None and held.get(team_id) is current:
        return
    session.execute(select(func.pg_advisory_xact_lock(NUMBERS_LOCK_SPACE, func.hashtext(team_id))))
    held[team_id] = session.get_nested_transaction() or session.get_transaction()


def _next_number(team_id: str, *, event: bool) -> ScalarSelect[int]:
    """One past the workspace's last number in the sequence: up from 1 for schedules, down from -1 for events."""
    if event:
        lowest = func.coalesce(func.min(Trigger.number), 0) - 1
        return select(lowest).where(Trigger.team_id == team_id, Trigger.number < 0).scalar_subquery()
    highest = func.coalesce(func.max(Trigger.number), 0) + 1
    return select(highest).where(Trigger.team_id == team_id, Trigger.number > 0).scalar_subquery()


def get_trigger(session: Session, *, team_id: str, number: int, include_events: bool = False) -> Trigger:
    """The trigger numbered `number`; an event's trigger counts as unknown unless `include_events`."""
    query = select(Trigger).where(Trigger.team_id == team_id, Trigger.number == number)
    if not include_events:
        query = query.where(_not_event())
    trigger = session.scalar(query)
    if trigger is None:
        raise NotFound(f"There is no schedule #{number} in this workspace. Try `/schedule list` to see them.")
    return trigger


def list_triggers(
    session: Session,
    *,
    team_id: str,
    channel_id: str | None = None,
    creator_id: str | None = None,
    states: Iterable[str] = LIVE_STATES,
    include_events: bool = False,
) -> Sequence[Trigger]:
    """Triggers in the given states, by number; events' triggers are left out unless `include_events`."""
    query = select(Trigger).where(Trigger.team_id == team_id, Trigger.state.in_(list(states)))
    if not include_events:
        query = query.where(_not_event())
    if channel_id is not None:
        query = query.where(Trigger.channel_id == channel_id)
    if creator_id is not None:
        query = query.where(Trigger.creator_id == creator_id)
    return session.scalars(query.order_by(Trigger.number)).all()


def set_trigger_state(session: Session, *, team_id: str, number: int, state: str) -> Trigger:
    trigger = get_trigger(session, team_id=team_id, number=number)
    trigger.state = TriggerState(state).value
    trigger.paused_by_uninstall = False  # a person's choice now: a reinstall leaves it as they set it
    trigger.updated_at = utcnow()
    return trigger


def update_trigger(session: Session, *, team_id: str, number: int, **fields: Any) -> Trigger:
    """Change the named columns of one trigger (schedule, zone, next_run_at, payload, ...)."""
    trigger = get_trigger(session, team_id=team_id, number=number)
    for name, value in fields.items():
        if name in {"id", "team_id", "number"} or not hasattr(Trigger, name):
            raise ValueError(f"cannot update trigger column {name!r}")
        setattr(trigger, name, value)
    trigger.updated_at = utcnow()
    return trigger


def list_runs(session: Session, *, team_id: str, number: int, limit: int = 10) -> Sequence[Run]:
    trigger = get_trigger(session, team_id=team_id, number=number)
    query = select(Run).where(Run.team_id == team_id, Run.trigger_id == trigger.id)
    return session.scalars(query.order_by(Run.due_at.desc()).limit(limit)).all()


def record_audit(
    session: Session,
    *,
    team_id: str,
    actor_id: str,
    action: str,
    target_id: int | None,
    target_kind: str = "trigger",
    command: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        team_id=team_id,
        actor_id=actor_id,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        command=command,
        detail=detail or {},
    )
    session.add(entry)
    return entry


def list_audit(
    session: Session, *, team_id: str, target_id: int, target_kind: str = "trigger", limit: int = 20
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).where(
        AuditEntry.team_id == team_id, AuditEntry.target_kind == target_kind, AuditEntry.target_id == target_id
    )
    return session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)).all()


def get_user_zone(session: Session, *, team_id: str, user_id: str) -> UserZone | None:
    return session.get(UserZone, (team_id, user_id))


def set_user_zone(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    zone: str,
    overridden: bool = False,
    is_admin: bool | None = None,
    now: datetime | None = None,
) -> UserZone:
    row = session.get(UserZone, (team_id, user_id))
    if row is None:
        row = UserZone(team_id=team_id, user_id=user_id, zone=zone)
        session.add(row)
    row.zone, row.overridden, row.fetched_at = zone, overridden, now or utcnow()
    if is_admin is not None:
        row.is_admin = is_admin
    return row
