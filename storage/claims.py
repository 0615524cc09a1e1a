"""The one place that claims runs: one Run per (trigger, due instant), under its unique constraint.

The tick (`claim_due`), the web process after a save (`claim_trigger`) and "run now" (`claim_run_now`)
all go through `_claim_instants`, so a due instant is claimed once whoever gets there first. Callers
commit, and only then send each `Claimed` to Celery by task name with `task_id` and `eta`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduling.recurrence import next_runs
from scheduling.schedule import Schedule
from storage.db import transaction
from storage.errors import NotFound
from storage.models import MisfirePolicy, Run, RunState, Trigger, TriggerState
from storage.repository import get_trigger

# Task names, stable: the web process and operators refer to them by name.
FIRE_RUN_TASK = "schedulebot.fire_run"
TICK_TASK = "schedulebot.execute_scheduled_triggers"
UPDATE_EVENT_STATES_TASK = "schedulebot.update_event_states"

# Triggers claimed per transaction; each batch is one indexed query.
DEFAULT_BATCH_SIZE = 500
# A due instant older than this when claimed was missed (beat was down) and follows the misfire policy.
DEFAULT_MISFIRE_GRACE = timedelta(minutes=2)
# Policy `all` catches up on at most this many missed instants (the latest ones).
DEFAULT_CATCH_UP_CAP = 50
# Missed instants counted one by one before jumping ahead; bounds the cost of a long outage.
MAX_MISSED_SCAN = 10_000
# Occurrences asked of the schedule at a time while walking a trigger forward.
OCCURRENCE_PAGE = 100
# A queued run that has not started this long after it should have is re-sent.
DEFAULT_QUEUED_LEASE = timedelta(minutes=2)
# A running run older than this was abandoned by a dead worker (longer than any task's time limit).
DEFAULT_RUNNING_LEASE = timedelta(minutes=3)

logger = logging.getLogger(__name__)

KIND_SCHEDULED = "scheduled"
KIND_CATCH_UP = "catch_up"
KIND_MANUAL = "manual"


class NotRunnable(Exception):
    """The trigger cannot be run now; the message says why, for the user who asked."""


@dataclass(frozen=True)
class Claimed:
    """A claimed run to send: `celery.send_task(FIRE_RUN_TASK, args=[run_id], task_id=..., eta=...)`."""

    run_id: int
    trigger_id: int
    due_at: datetime
    eta: datetime | None

    @property
    def task_id(self) -> str:
        return task_id_for(self.run_id)


def task_id_for(run_id: int) -> str:
    return f"run-{run_id}"


@dataclass
class _Walk:
    """A trigger's instants from next_run_at to the horizon, split at the misfire cutoff."""

    missed: deque[datetime]
    missed_count: int
    current: list[datetime]
    next_run_at: datetime | None


def claim_due(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    horizon: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    grace: timedelta = DEFAULT_MISFIRE_GRACE,
    catch_up_cap: int = DEFAULT_CATCH_UP_CAP,
) -> list[Claimed]:
    """Claim every instant of active triggers due at or before `horizon`, committing batch by batch."""
    claimed: list[Claimed] = []
    while True:
        with transaction(session_factory) as session:
            triggers = _lock_due(session, horizon=horizon, limit=batch_size)
            for trigger in triggers:
                claimed += _claim_instants(session, trigger, now=now, horizon=horizon, grace=grace, cap=catch_up_cap)
        if len(triggers) < batch_size:
            return claimed


def _lock_due(session: Session, *, horizon: datetime, limit: int) -> list[Trigger]:
    query = (
        select(Trigger)
        .where(Trigger.state == TriggerState.ACTIVE.value, Trigger.next_run_at <= horizon)
        .order_by(Trigger.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)  # SQLite renders nothing: BEGIN IMMEDIATE already serializes writers
    )
    return list(session.scalars(query))


def claim_trigger(
    session: Session,
    *,
    team_id: str,
    number: int,
    now: datetime,
    horizon: datetime,
    grace: timedelta = DEFAULT_MISFIRE_GRACE,
    catch_up_cap: int = DEFAULT_CATCH_UP_CAP,
) -> list[Claimed]:
    """Claim one trigger's instants due by `horizon` (after a save); the caller commits, then sends."""
    trigger = _lock_one(session, team_id=team_id, number=number)
    if trigger.state != TriggerState.ACTIVE.value or trigger.next_run_at is None or trigger.next_run_at > horizon:
        return []
    return _claim_instants(session, trigger, now=now, horizon=horizon, grace=grace, cap=catch_up_cap)


def claim_run_now(session: Session, *, team_id: str, number: int, now: datetime) -> Claimed:
    """A manual run, due now; the caller commits, then sends."""
    trigger = _lock_one(session, team_id=team_id, number=number)
    if trigger.state in (TriggerState.CANCELLED.value, TriggerState.COMPLETED.value):
        raise NotRunnable(f"Schedule #{number} is {trigger.state}, so it cannot run. Create a new one instead.")
    due = now
    while (run := _insert_run(session, trigger, due, now=now, kind=KIND_MANUAL)) is None:
        due += timedelta(microseconds=1)  # two clicks in the same microsecond are still two runs
    return Claimed(run.id, trigger.id, due, None)


def _lock_one(session: Session, *, team_id: str, number: int) -> Trigger:
    query = select(Trigger).where(Trigger.team_id == team_id, Trigger.number == number).with_for_update()
    trigger = session.scalar(query)
    if trigger is None:
        get_trigger(session, team_id=team_id, number=number)  # raises NotFound with its user message
        raise NotFound(f"There is no schedule #{number} in this workspace.")
    return trigger


def _claim_instants(
    session: Session, trigger: Trigger, *, now: datetime, horizon: datetime, grace: timedelta, cap: int
) -> list[Claimed]:
    try:
        walk = _walk(trigger, cutoff=now - grace, horizon=horizon, cap=cap)
    except ValueError as exc:  # a stored schedule this code cannot read: stop it, loudly, rather than stall the tick
        logger.error("trigger %s: unreadable schedule, paused (%s)", trigger.id, exc)
        trigger.state = TriggerState.PAUSED.value
        return []
    claimed = _claim_missed(session, trigger, walk, now=now)
    for due in walk.current:
        run = _insert_run(session, trigger, due, now=now, kind=KIND_SCHEDULED)
        if run is not None:
            claimed.append(Claimed(run.id, trigger.id, due, due if due > now else None))
    trigger.next_run_at = walk.next_run_at
    if walk.next_run_at is None and not claimed and not _has_unfinished_runs(session, trigger.id):
        trigger.state = TriggerState.COMPLETED.value
    return claimed


def _claim_missed(session: Session, trigger: Trigger, walk: _Walk, *, now: datetime) -> list[Claimed]:
    if not walk.missed:
        return []
    policy = trigger.misfire_policy
    if policy == MisfirePolicy.SKIP.value:
        _insert_run(
            session, trigger, walk.missed[-1], now=now, kind=KIND_CATCH_UP, missed=walk.missed_count, skipped=True
        )
        return []
    chosen = list(walk.missed) if policy == MisfirePolicy.ALL.value else [walk.missed[-1]]
    claimed = []
    for index, due in enumerate(chosen):
        missed = walk.missed_count if index == 0 else 0
        run = _insert_run(session, trigger, due, now=now, kind=KIND_CATCH_UP, missed=missed)
        if run is not None:
            claimed.append(Claimed(run.id, trigger.id, due, None))
    return claimed


def _walk(trigger: Trigger, *, cutoff: datetime, horizon: datetime, cap: int) -> _Walk:
    walk = _Walk(missed=deque(maxlen=max(cap, 1)), missed_count=0, current=[], next_run_at=None)
    if trigger.next_run_at is None:
        return walk
    schedule = Schedule.from_canonical(trigger.schedule)
    instants = _occurrences(schedule, trigger.next_run_at)
    cursor = next(instants, None)
    while cursor is not None and cursor < cutoff and walk.missed_count < MAX_MISSED_SCAN:
        walk.missed.append(cursor)
        walk.missed_count += 1
        cursor = next(instants, None)
    if cursor is not None and cursor < cutoff:  # a very long outage: count no further, jump to the cutoff
        instants = _occurrences(schedule, None, after=cutoff - timedelta(microseconds=1))
        cursor = next(instants, None)
    while cursor is not None and cursor <= horizon:
        walk.current.append(cursor)
        cursor = next(instants, None)
    walk.next_run_at = cursor
    return walk


def _occurrences(schedule: Schedule, first: datetime | None, *, after: datetime | None = None) -> Iterator[datetime]:
    """`first` (if given) then the schedule's occurrences after it, strictly increasing, page by page."""
    if first is not None:
        yield first
        after = first
    assert after is not None
    while True:
        page = [t for t in next_runs(schedule, after=after, count=OCCURRENCE_PAGE) if t > after]
        yield from page
        if len(page) < OCCURRENCE_PAGE:
            return
        after = page[-1]


def _insert_run(
    session: Session,
    trigger: Trigger,
    due: datetime,
    *,
    now: datetime,
    kind: str,
    missed: int = 0,
    skipped: bool = False,
) -> Run | None:
    """Insert the Run for (trigger, due), or return None if that instant was already claimed."""
    run = Run(trigger_id=trigger.id, team_id=trigger.team_id, due_at=due, kind=kind, missed_count=missed)
    run.state = RunState.SKIPPED.value if skipped else RunState.QUEUED.value
    run.enqueued_at, run.attempts, run.attempt_log = now, 0, []
    if skipped:
        run.finished_at, run.outcome = now, f"skipped {missed} missed run(s): misfire policy is skip"
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return None
    return run


def _has_unfinished_runs(session: Session, trigger_id: int) -> bool:
    unfinished = (RunState.QUEUED.value, RunState.RUNNING.value)
    query = select(Run.id).where(Run.trigger_id == trigger_id, Run.state.in_(unfinished)).limit(1)
    return session.scalar(query) is not None


def find_stalled(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    lease: timedelta = DEFAULT_QUEUED_LEASE,
    running_lease: timedelta = DEFAULT_RUNNING_LEASE,
    limit: int = DEFAULT_BATCH_SIZE,
) -> list[Claimed]:
    """Runs that should have started (or finished) a lease ago and did not; marks them re-sent at `now`."""
    stale = now - lease
    query = (
        select(Run)
        .where(Run.state.in_((RunState.QUEUED.value, RunState.RUNNING.value)), Run.enqueued_at < stale)
        .where(Run.due_at < stale)
        .where(or_(Run.state == RunState.QUEUED.value, Run.started_at < now - running_lease))
        .order_by(Run.enqueued_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with transaction(session_factory) as session:
        runs = list(session.scalars(query))
        if runs:
            session.execute(update(Run).where(Run.id.in_([r.id for r in runs])).values(enqueued_at=now))
        return [Claimed(run.id, run.trigger_id, run.due_at, None) for run in runs]
