"""A run's life after its claim: every move is a conditional update, and every attempt is recorded.

queued ─start─▶ running ─finish─▶ succeeded | failed | skipped
   ▲               │
   └────defer──────┘   (429, 5xx, timeout: back to queued, due again at `until`)

A running run whose worker died is taken over by `start` once its `started_at` is older than the
running lease, which is longer than any task's time limit, so a live attempt is never taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from scheduling.schedule import Schedule
from storage.db import transaction
from storage.models import Run, RunState, Trigger, TriggerState

UNFINISHED = (RunState.QUEUED.value, RunState.RUNNING.value)
# Attempt outcomes after which nothing can have reached the channel.
NOT_POSTED = frozenset(
    {"ratelimited", "unavailable", "unverified", "action_failed", "action_retry", "refused", "skipped"}
)


@dataclass(frozen=True)
class RunView:
    """What firing needs to know about a run and its trigger, read in one go."""

    run_id: int
    trigger_id: int
    number: int
    team_id: str
    channel_id: str
    action_kind: str
    payload: dict[str, Any]
    due_at: datetime
    kind: str
    state: str
    started_at: datetime | None
    # When a queued run is due to be tried again (its pace slot, backoff or Retry-After).
    not_before: datetime | None
    attempt_log: list[dict[str, Any]]
    outcome: str | None
    missed_count: int
    trigger_state: str
    misfire_policy: str
    recurring: bool

    def failures(self, *outcomes: str) -> int:
        return sum(1 for entry in self.attempt_log if entry.get("outcome") in outcomes)

    @property
    def maybe_posted(self) -> bool:
        """An earlier attempt may have reached Slack: it died mid-way or got no answer."""
        return any(entry.get("outcome") not in NOT_POSTED for entry in self.attempt_log[:-1])

    @property
    def last_outcome(self) -> str | None:
        return self.attempt_log[-1].get("outcome") if self.attempt_log else None

    @property
    def first_attempt_at(self) -> datetime:
        return datetime.fromisoformat(self.attempt_log[0]["at"]) if self.attempt_log else self.due_at


def load(sessions: sessionmaker[Session], run_id: int) -> RunView | None:
    with sessions() as session:
        row = session.execute(select(Run, Trigger).join(Trigger).where(Run.id == run_id)).first()
        return None if row is None else _view(row[0], row[1])


def start(sessions: sessionmaker[Session], run_id: int, *, now: datetime, running_lease: timedelta) -> RunView | None:
    """queued → running (or take over an abandoned running run); None if another worker has it."""
    startable = or_(
        Run.state == RunState.QUEUED.value,
        and_(Run.state == RunState.RUNNING.value, Run.started_at < now - running_lease),
    )
    with transaction(sessions) as session:
        moved = session.execute(
            update(Run)
            .where(Run.id == run_id, startable)
            .values(state=RunState.RUNNING.value, started_at=now, attempts=Run.attempts + 1)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            return None
        run, trigger = _with_trigger(session, run_id)
        run.attempt_log = [*run.attempt_log, {"n": run.attempts, "at": now.isoformat(), "outcome": "started"}]
        return _view(run, trigger)


def record_outcome(sessions: sessionmaker[Session], run_id: int, outcome: str) -> None:
    """Keep the action's result, so a later attempt posts it without running the action again."""
    with transaction(sessions) as session:
        session.execute(
            update(Run).where(Run.id == run_id, Run.state == RunState.RUNNING.value).values(outcome=outcome)
        )


def repace(sessions: sessionmaker[Session], run_id: int, *, until: datetime) -> None:
    """A queued run waits for its channel's slot; the recovery lease counts from then."""
    with transaction(sessions) as session:
        session.execute(
            update(Run).where(Run.id == run_id, Run.state == RunState.QUEUED.value).values(enqueued_at=until)
        )


def defer(
    sessions: sessionmaker[Session], run_id: int, *, now: datetime, until: datetime, outcome: str, error: str
) -> bool:
    """running → queued, due again at `until`; the attempt is recorded with its outcome."""
    with transaction(sessions) as session:
        run = _running(session, run_id)
        if run is None:
            return False
        run.state, run.enqueued_at, run.error = RunState.QUEUED.value, until, error
        _close_attempt(run, now=now, outcome=outcome, error=error)
        return True


def finish(
    sessions: sessionmaker[Session],
    run_id: int,
    *,
    now: datetime,
    state: RunState,
    attempt: str,
    error: str | None = None,
    slack_ts: str | None = None,
    outcome: str | None = None,
) -> bool:
    """running → succeeded/failed/skipped; False if this worker no longer held the run."""
    with transaction(sessions) as session:
        run = _running(session, run_id)
        if run is None:
            return False
        run.state, run.finished_at, run.error = state.value, now, error
        if outcome is not None:
            run.outcome = outcome
        if slack_ts is not None:
            run.slack_ts, run.posted_at = slack_ts, now
        _close_attempt(run, now=now, outcome=attempt, error=error)
        complete_if_exhausted(session, run.trigger)
        return True


def complete_if_exhausted(session: Session, trigger: Trigger) -> None:
    """A one-off after its run, or a series after its last occurrence, is completed."""
    if trigger.state != TriggerState.ACTIVE.value or trigger.next_run_at is not None:
        return
    session.flush()
    pending = select(Run.id).where(Run.trigger_id == trigger.id, Run.state.in_(UNFINISHED)).limit(1)
    if session.scalar(pending) is None:
        trigger.state = TriggerState.COMPLETED.value


def _running(session: Session, run_id: int) -> Run | None:
    # The trigger comes in the same read: finishing a run may complete its trigger.
    query = select(Run).options(joinedload(Run.trigger)).where(Run.id == run_id).with_for_update(of=Run)
    run = session.scalar(query)
    return run if run is not None and run.state == RunState.RUNNING.value else None


def _with_trigger(session: Session, run_id: int) -> tuple[Run, Trigger]:
    run, trigger = session.execute(
        select(Run, Trigger).join(Trigger).where(Run.id == run_id).execution_options(populate_existing=True)
    ).one()
    return run, trigger


def _close_attempt(run: Run, *, now: datetime, outcome: str, error: str | None) -> None:
    entries = list(run.attempt_log) or [{"n": run.attempts, "at": now.isoformat()}]
    last = {**entries[-1], "outcome": outcome, "finished": now.isoformat()}
    if error:
        last["error"] = error[:500]
    run.attempt_log = [*entries[:-1], last]


def _view(run: Run, trigger: Trigger) -> RunView:
    return RunView(
        run_id=run.id,
        trigger_id=trigger.id,
        number=trigger.number,
        team_id=run.team_id,
        channel_id=trigger.channel_id,
        action_kind=trigger.action_kind,
        payload=dict(trigger.payload),
        due_at=run.due_at,
        kind=run.kind,
        state=run.state,
        started_at=run.started_at,
        not_before=run.enqueued_at,
        attempt_log=list(run.attempt_log),
        outcome=run.outcome,
        missed_count=run.missed_count,
        trigger_state=trigger.state,
        misfire_policy=trigger.misfire_policy,
        recurring=_recurring(trigger),
    )


def _recurring(trigger: Trigger) -> bool:
    try:
        return Schedule.from_canonical(trigger.schedule).kind == "recurring"
    except ValueError:
        return trigger.next_run_at is not None
