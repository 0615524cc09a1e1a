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
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from scheduling.business import passed_holidays
from scheduling.businessdays import SKIP
from scheduling.recurrence import next_runs
from scheduling.schedule import Schedule
from storage import rotations
from storage.claim_writes import RunRow, TriggerMove, insert_runs, move_triggers
from storage.db import transaction
from storage.errors import NotFound
from storage.models import RELEASED_PREFIX, MisfirePolicy, Run, RunState, Trigger, TriggerState, state_in
from storage.repository import EVENT_KIND_PREFIX, get_trigger

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
# Occurrences asked of the schedule at a time while walking a trigger forward (the page doubles).
FIRST_OCCURRENCE_PAGE = 2
MAX_OCCURRENCE_PAGE = 256
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
    # The workspace it posts in, so a batch of sends can take turns between workspaces (None: unknown).
    team_id: str | None = None

    @property
    def task_id(self) -> str:
        return task_id_for(self.run_id)


def task_id_for(run_id: int) -> str:
    return f"run-{run_id}"


class _Due(NamedTuple):
    """What a claim reads of a trigger it locked (the tick selects only these columns)."""

    id: int
    team_id: str
    schedule: str
    next_run_at: datetime | None
    misfire_policy: str


_DUE_COLUMNS = [getattr(Trigger.__table__.c, name) for name in _Due._fields]


@dataclass
class _Walk:
    """A trigger's instants from next_run_at to the horizon, split at the misfire cutoff."""

    missed: deque[datetime]
    missed_count: int
    current: list[datetime]
    next_run_at: datetime | None
    first: datetime | None = None
    schedule: Schedule | None = None
    _holidays: tuple[tuple[datetime, str], ...] | None = None

    def may_skip_holidays(self) -> bool:
        """A business-day schedule that skips holidays, with a next run to skip them up to."""
        business = None if self.schedule is None else self.schedule.business
        return business is not None and business.mode == SKIP and self.next_run_at is not None

    def holidays(self) -> tuple[tuple[datetime, str], ...]:
        """The instants a holiday took out between the first instant and next_run_at, with the holiday's name.

        Worked out only when asked (for a trigger with an every-run rotation), once per shared walk.
        """
        if self._holidays is None:
            self._holidays = ()
            if self.may_skip_holidays() and self.schedule is not None and self.first is not None:
                assert self.next_run_at is not None  # may_skip_holidays
                passed = passed_holidays(self.schedule, self.first, self.next_run_at)
                self._holidays = tuple((p.at, p.holiday) for p in passed if p.moved_to is None)
        return self._holidays


@dataclass
class _Walks:
    """The walks of one claim, shared by the triggers with the same schedule and next run instant."""

    cutoff: datetime
    horizon: datetime
    cap: int
    known: dict[tuple[str, datetime | None], _Walk]

    def of(self, due: _Due) -> _Walk:
        key = (due.schedule, due.next_run_at)
        if (walk := self.known.get(key)) is None:
            walk = self.known[key] = _walk(due, cutoff=self.cutoff, horizon=self.horizon, cap=self.cap)
        return walk


def claim_due(
    session_factory: sessionmaker[Session],
    *,
    now: datetime,
    horizon: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    grace: timedelta = DEFAULT_MISFIRE_GRACE,
    catch_up_cap: int = DEFAULT_CATCH_UP_CAP,
) -> list[Claimed]:
    """Claim every instant of active triggers due at or before `horizon`, committing batch by batch.

    Each batch is three statements whatever its size: the locking select, one UPDATE moving the
    triggers on and one INSERT of their runs (`storage.claim_writes`); plus one look-up per trigger
    that has run out of instants and one per instant a release had given back.
    """
    claimed: list[Claimed] = []
    walks = _Walks(cutoff=now - grace, horizon=horizon, cap=catch_up_cap, known={})
    while True:
        with transaction(session_factory) as session:
            due = _lock_due(session, horizon=horizon, limit=batch_size)
            plans = [_plan_instants(session, trigger, now=now, walks=walks) for trigger in due]
            move_triggers(session.connection(), [move for _, move in plans])
            claimed += _insert_runs(session, [run for runs, _ in plans for run in runs], now)
            _pass_holidays(session, due, walks, now)
        if len(due) < batch_size:
            return claimed


def _lock_due(session: Session, *, horizon: datetime, limit: int) -> list[_Due]:
    table = Trigger.__table__
    query = (
        select(*_DUE_COLUMNS)
        .where(table.c.state == TriggerState.ACTIVE.value, table.c.next_run_at <= horizon)
        .order_by(table.c.next_run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)  # SQLite renders nothing: BEGIN IMMEDIATE already serializes writers
    )
    return [_Due(*row) for row in session.connection().execute(query).all()]


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
    trigger = _lock_one(session, team_id=team_id, number=number, include_events=True)  # events fire through here
    if trigger.state != TriggerState.ACTIVE.value or trigger.next_run_at is None or trigger.next_run_at > horizon:
        return []
    due = _Due(*(getattr(trigger, name) for name in _Due._fields))
    walks = _Walks(cutoff=now - grace, horizon=horizon, cap=catch_up_cap, known={})
    runs, move = _plan_instants(session, due, now=now, walks=walks)
    trigger.next_run_at, trigger.state = move.next_run_at, move.state  # the caller's session sees the move
    claimed = _insert_runs(session, runs, now)
    _pass_holidays(session, [due], walks, now)
    return claimed


def claim_run_now(session: Session, *, team_id: str, number: int, now: datetime) -> Claimed:
    """A manual run of a `/schedule` trigger, due now; the caller commits, then sends."""
    trigger = _lock_one(session, team_id=team_id, number=number, include_events=False)
    if trigger.state in (TriggerState.CANCELLED.value, TriggerState.COMPLETED.value):
        raise NotRunnable(f"Schedule #{number} is {trigger.state}, so it cannot run. Create a new one instead.")
    due = now
    while not (claimed := _insert_runs(session, [_Planned(trigger.id, trigger.team_id, due, KIND_MANUAL)], now)):
        due += timedelta(microseconds=1)  # two clicks in the same microsecond are still two runs
    return claimed[0]


def release_claimed(
    session: Session,
    *,
    team_id: str,
    trigger_id: int,
    now: datetime,
    why: str = "the schedule changed",
    keep_turns: bool = False,
) -> list[datetime]:
    """Give back this trigger's claimed scheduled runs that have not started and are still ahead of `now`.

    The tick and a save claim instants up to the next tick ahead and move `next_run_at` past them, so
    a skip, snooze or new time must also drop what is already queued. Each such run is marked
    skipped (outcome `released: <why>`) in the caller's transaction, so the worker does nothing with
    it; the due instants come back, earliest first. Runs already started, catch-up and manual runs are
    kept. If the new plan claims a released instant again, the claim takes that run back (`_insert_runs`).
    The turns a holiday's claim pinned on released runs, and those of the holidays still ahead, are given back
    (`rotations.give_back`), unless `keep_turns` (a skip: on an every-run rotation the skipped run takes its
    turn all the same).
    """
    # Lock the trigger first: a tick claiming it now either finishes before this (its runs are seen
    # below) or waits for this transaction (and then reads the re-planned next_run_at).
    lock = select(Trigger).where(Trigger.team_id == team_id, Trigger.id == trigger_id).with_for_update()
    if session.scalar(lock.execution_options(populate_existing=True)) is None:
        return []
    query = (
        select(Run)
        .where(
            Run.team_id == team_id,
            Run.trigger_id == trigger_id,
            Run.kind == KIND_SCHEDULED,
            Run.state == RunState.QUEUED.value,
            Run.started_at.is_(None),
            Run.due_at > now,
        )
        .order_by(Run.due_at)
        .with_for_update()
    )
    runs = list(session.scalars(query))
    for run in runs:
        run.state, run.finished_at, run.outcome = RunState.SKIPPED.value, now, RELEASED_PREFIX + why
    session.flush()
    if not keep_turns:
        rotations.give_back(session, trigger_id=trigger_id, released=runs, now=now)
    return [run.due_at for run in runs]


def _lock_one(session: Session, *, team_id: str, number: int, include_events: bool) -> Trigger:
    query = select(Trigger).where(Trigger.team_id == team_id, Trigger.number == number).with_for_update()
    trigger = session.scalar(query)
    if trigger is None or (not include_events and trigger.action_kind.startswith(EVENT_KIND_PREFIX)):
        # raises NotFound with its user message
        get_trigger(session, team_id=team_id, number=number, include_events=include_events)
        raise NotFound(f"There is no schedule #{number} in this workspace.")
    return trigger


@dataclass
class _Planned:
    """A Run to insert for (trigger, due); `eta` is whether the claim is sent with an ETA."""

    trigger_id: int
    team_id: str
    due: datetime
    kind: str
    missed: int = 0
    skipped: bool = False
    eta: bool = False


def _plan_instants(
    session: Session, trigger: _Due, *, now: datetime, walks: _Walks
) -> tuple[list[_Planned], TriggerMove]:
    """Walk one active trigger to the horizon: the runs it owes, and where that leaves the trigger."""
    try:
        walk = walks.of(trigger)
    except ValueError as exc:  # a stored schedule this code cannot read: stop it, loudly, rather than stall the tick
        logger.error("trigger %s: unreadable schedule, paused (%s)", trigger.id, exc)
        return [], TriggerMove(trigger.id, trigger.next_run_at, TriggerState.PAUSED.value)
    planned = _plan_missed(trigger, walk)
    planned += [_Planned(trigger.id, trigger.team_id, due, KIND_SCHEDULED, eta=due > now) for due in walk.current]
    state = TriggerState.ACTIVE.value
    if walk.next_run_at is None and not planned and not _has_unfinished_runs(session, trigger.id):
        state = TriggerState.COMPLETED.value
    return planned, TriggerMove(trigger.id, walk.next_run_at, state)


def _plan_missed(trigger: _Due, walk: _Walk) -> list[_Planned]:
    if not walk.missed:
        return []
    policy = trigger.misfire_policy
    if policy == MisfirePolicy.SKIP.value:
        return [
            _Planned(
                trigger.id, trigger.team_id, walk.missed[-1], KIND_CATCH_UP, missed=walk.missed_count, skipped=True
            )
        ]
    chosen = list(walk.missed) if policy == MisfirePolicy.ALL.value else [walk.missed[-1]]
    return [
        _Planned(trigger.id, trigger.team_id, due, KIND_CATCH_UP, missed=walk.missed_count if index == 0 else 0)
        for index, due in enumerate(chosen)
    ]


def _walk(trigger: _Due, *, cutoff: datetime, horizon: datetime, cap: int) -> _Walk:
    walk = _Walk(missed=deque(maxlen=max(cap, 1)), missed_count=0, current=[], next_run_at=None)
    if trigger.next_run_at is None:
        return walk
    schedule = _schedule(trigger.schedule)
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
    walk.next_run_at, walk.first, walk.schedule = cursor, trigger.next_run_at, schedule
    return walk


def _pass_holidays(session: Session, due: list[_Due], walks: _Walks, now: datetime) -> None:
    """A rotation that passes the turn on every run passes it for the holidays this claim moved the trigger past.

    One query for the batch, and only if a trigger's schedule skips holidays; the holidays are worked out only
    for the triggers whose rotation passes the turn on every run.
    """
    walked = [(trigger, walk) for trigger in due if (walk := walks.known.get((trigger.schedule, trigger.next_run_at)))]
    walked = [(trigger, walk) for trigger, walk in walked if walk.may_skip_holidays()]
    every_run = rotations.every_run_ids(session, [trigger.id for trigger, _ in walked]) if walked else set()
    for trigger, walk in walked:
        if trigger.id in every_run and (holidays := walk.holidays()):
            zone = walk.schedule.zone if walk.schedule is not None else "UTC"
            rotations.pass_holidays(
                session, trigger_id=trigger.id, team_id=trigger.team_id, zone=zone, skipped=holidays, now=now
            )


def pass_holidays_moved(
    session: Session,
    *,
    trigger_id: int,
    team_id: str,
    schedule: Schedule,
    after: datetime,
    following: datetime | None,
    now: datetime,
) -> int:
    """The schedule's next run moved to `following` outside a claim (a skip, a new time, a calendar change): an
    every-run rotation passes the turns of the holidays it skipped after `after`, as a claim would have.

    Call it in the move's transaction, with the trigger locked; the number of turns passed.
    """
    walk = _Walk(deque(), 0, [], following, first=after, schedule=schedule)
    if not walk.may_skip_holidays() or not rotations.every_run_ids(session, [trigger_id]):
        return 0
    skipped = walk.holidays()
    return rotations.pass_holidays(
        session, trigger_id=trigger_id, team_id=team_id, zone=schedule.zone, skipped=skipped, now=now
    )


@lru_cache(maxsize=4096)
def _schedule(canonical: str) -> Schedule:
    return Schedule.from_canonical(canonical)


def _occurrences(schedule: Schedule, first: datetime | None, *, after: datetime | None = None) -> Iterator[datetime]:
    """`first` (if given) then the schedule's occurrences after it, strictly increasing, page by page.

    Pages start small and double: the tick usually needs one instant past the horizon, and a catch-up
    after downtime needs many.
    """
    if first is not None:
        yield first
        after = first
    assert after is not None
    size = FIRST_OCCURRENCE_PAGE
    while True:
        page = [t for t in next_runs(schedule, after=after, count=size) if t > after]
        yield from page
        if len(page) < size:
            return
        after, size = page[-1], min(size * 2, MAX_OCCURRENCE_PAGE)


def _insert_runs(session: Session, planned: list[_Planned], now: datetime) -> list[Claimed]:
    """Insert the planned Runs in one statement; instants already claimed are passed over."""
    if not planned:
        return []
    by_key = {(p.trigger_id, p.due): p for p in planned}
    session.flush()  # a claimed trigger's new next_run_at goes first, in this same transaction
    returned = insert_runs(session.connection(), [_run_row(p, now) for p in planned], enqueued_at=now)
    claimed = []
    for run_id, trigger_id, due in returned:
        plan = by_key.pop((trigger_id, due))
        if not plan.skipped:
            claimed.append(Claimed(run_id, trigger_id, due, due if plan.eta else None, plan.team_id))
    for plan in by_key.values():  # already claimed: taken back only if a change released it
        if not plan.skipped and (retaken := _retake_released(session, plan, now)) is not None:
            claimed.append(Claimed(retaken, plan.trigger_id, plan.due, plan.due if plan.eta else None, plan.team_id))
    return sorted(claimed, key=lambda c: (c.due_at, c.run_id))


def _retake_released(session: Session, plan: _Planned, now: datetime) -> int | None:
    """A run released by `release_claimed` whose instant the trigger owes again: queued once more."""
    run = session.scalar(
        select(Run)
        .where(
            Run.trigger_id == plan.trigger_id,
            Run.due_at == plan.due,
            Run.state == RunState.SKIPPED.value,
            Run.started_at.is_(None),
            Run.outcome.startswith(RELEASED_PREFIX),
        )
        .with_for_update()
    )
    if run is None:
        return None
    run.state, run.kind, run.enqueued_at, run.finished_at, run.outcome, run.error = (
        RunState.QUEUED.value,
        plan.kind,
        now,
        None,
        None,
        None,  # a holiday row names its holiday here
    )
    run.missed_count = plan.missed
    session.flush()
    return run.id


def _run_row(plan: _Planned, now: datetime) -> RunRow:
    if plan.skipped:
        outcome = f"skipped {plan.missed} missed run(s): misfire policy is skip"
        return RunRow(
            plan.trigger_id, plan.team_id, plan.due, plan.kind, RunState.SKIPPED.value, plan.missed, now, outcome
        )
    return RunRow(plan.trigger_id, plan.team_id, plan.due, plan.kind, RunState.QUEUED.value, plan.missed)


def _has_unfinished_runs(session: Session, trigger_id: int) -> bool:
    unfinished = state_in(Run.state, RunState.QUEUED.value, RunState.RUNNING.value)
    query = select(Run.id).where(Run.trigger_id == trigger_id, unfinished).limit(1)
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
        .where(state_in(Run.state, RunState.QUEUED.value, RunState.RUNNING.value), Run.enqueued_at < stale)
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
        return [Claimed(run.id, run.trigger_id, run.due_at, None, run.team_id) for run in runs]
