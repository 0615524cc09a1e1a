"""Run moves are single conditional updates: a worker holding a stale read changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.claims import claim_due
from storage.models import Run, RunState, Trigger, TriggerState
from tasks import runstate
from tests.tasks.factories import add_trigger, every, once

LEASE = timedelta(minutes=5)


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    with runstate.connect(engine) as connection:
        yield connection


def _claimed_run(sessions: sessionmaker[Session], schedule_kind: str = "once") -> tuple[int, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    schedule = once(now) if schedule_kind == "once" else every(3600, anchor=now)
    add_trigger(sessions, schedule)
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    return claimed.run_id, now


def _row(sessions: sessionmaker[Session], run_id: int) -> tuple[Run, Trigger]:
    with sessions() as session:
        run, trigger = session.execute(select(Run, Trigger).join(Trigger).where(Run.id == run_id)).one()
        return run, trigger


def test_two_workers_with_the_same_read_start_the_run_once(sessions: sessionmaker[Session], db: Connection) -> None:
    run_id, now = _claimed_run(sessions)
    first, second = runstate.load(db, run_id), runstate.load(db, run_id)
    assert first is not None and second is not None
    started = runstate.start(db, first, now=now, running_lease=LEASE)
    assert started is not None and started.attempts == 1 and started.last_outcome == "started"
    assert runstate.start(db, second, now=now, running_lease=LEASE) is None
    run, _ = _row(sessions, run_id)
    assert (run.state, run.attempts, len(run.attempt_log)) == (RunState.RUNNING.value, 1, 1)


def test_a_taken_over_attempt_can_no_longer_finish_and_the_taker_finishes_once(
    sessions: sessionmaker[Session],
    db: Connection,
) -> None:
    run_id, now = _claimed_run(sessions)
    loaded = runstate.load(db, run_id)
    assert loaded is not None
    stale = runstate.start(db, loaded, now=now, running_lease=LEASE)
    later = now + LEASE + timedelta(seconds=1)
    reread = runstate.load(db, run_id)
    assert stale is not None and reread is not None
    taker = runstate.start(db, reread, now=later, running_lease=LEASE)
    assert taker is not None and taker.attempts == 2 and taker.maybe_posted  # the first attempt died mid-way
    assert not runstate.record_outcome(db, stale, "from the stale worker")  # so it posts nothing
    assert runstate.record_outcome(db, taker, "hi")
    done = dict(now=later, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.000100", outcome="hi")
    assert not runstate.finish(db, stale, **done)  # type: ignore[arg-type]
    assert runstate.finish(db, taker, **done)  # type: ignore[arg-type]
    assert not runstate.finish(db, taker, **done)  # type: ignore[arg-type]
    run, trigger = _row(sessions, run_id)
    assert (run.state, run.slack_ts, run.attempts) == (RunState.SUCCEEDED.value, "1.000100", 2)
    assert [entry["outcome"] for entry in run.attempt_log] == ["started", "posted"]
    assert trigger.state == TriggerState.COMPLETED.value  # a one-off is done after its only run


def test_a_deferred_run_is_queued_again_and_a_recurring_trigger_stays_active(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    run_id, now = _claimed_run(sessions, "recurring")
    loaded = runstate.load(db, run_id)
    assert loaded is not None
    started = runstate.start(db, loaded, now=now, running_lease=LEASE)
    assert started is not None
    until = now + timedelta(seconds=30)
    assert runstate.defer(db, started, now=now, until=until, outcome="ratelimited", error="429")
    assert not runstate.defer(db, started, now=now, until=until, outcome="ratelimited", error="429")
    again = runstate.load(db, run_id)
    assert again is not None and again.state == RunState.QUEUED.value and again.not_before == until
    restarted = runstate.start(db, again, now=until, running_lease=LEASE)
    assert restarted is not None and restarted.attempts == 2
    assert runstate.finish(db, restarted, now=until, state=RunState.SUCCEEDED, attempt="posted")
    run, trigger = _row(sessions, run_id)
    assert [entry["outcome"] for entry in run.attempt_log] == ["ratelimited", "posted"]
    assert trigger.state == TriggerState.ACTIVE.value


def test_a_pause_committed_before_the_start_is_seen_by_the_start(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    run_id, now = _claimed_run(sessions, "recurring")
    loaded = runstate.load(db, run_id)
    assert loaded is not None and loaded.trigger_state == TriggerState.ACTIVE.value
    with sessions.begin() as session:
        session.get_one(Trigger, loaded.trigger_id).state = TriggerState.PAUSED.value
    started = runstate.start(db, loaded, now=now, running_lease=LEASE)
    assert started is not None and started.trigger_state == TriggerState.PAUSED.value


def test_a_batch_records_its_runs_waits_in_one_statement_and_never_moves_a_run_already_started(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    (first, now), (second, _), (started, _) = (_claimed_run(sessions) for _ in range(3))
    view = runstate.load(db, started)
    assert view is not None and runstate.start(db, view, now=now, running_lease=LEASE) is not None
    untils = {first: now + timedelta(seconds=3), second: now + timedelta(seconds=7), started: now + timedelta(hours=1)}
    runstate.repace_many(db, untils)
    runstate.repace_many(db, {})
    assert _row(sessions, first)[0].enqueued_at == untils[first]
    assert _row(sessions, second)[0].enqueued_at == untils[second]
    run, _ = _row(sessions, started)
    assert run.state == RunState.RUNNING.value and run.enqueued_at is not None and run.enqueued_at < untils[started]


def test_runs_started_together_move_as_each_would_alone_and_a_stale_read_starts_nothing(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    (first, now), (second, _), (stale, _) = (_claimed_run(sessions) for _ in range(3))
    views = [runstate.load(db, run_id) for run_id in (first, second, stale)]
    assert all(view is not None for view in views)
    other = runstate.load(db, stale)
    assert other is not None and runstate.start(db, other, now=now, running_lease=LEASE) is not None  # meanwhile
    started = runstate.start_many(db, views, now=now, running_lease=LEASE)  # type: ignore[arg-type]
    assert sorted(started) == [first, second]
    for run_id in (first, second):
        run, trigger = _row(sessions, run_id)
        assert (run.state, run.attempts, run.started_at) == (RunState.RUNNING.value, 1, now)
        assert run.attempt_log == started[run_id].attempt_log and run.attempt_log[-1]["outcome"] == "started"
        assert started[run_id].trigger_state == trigger.state and started[run_id].attempts == 1
    run, _ = _row(sessions, stale)
    assert run.attempts == 1 and len(run.attempt_log) == 1  # started once, by the other worker
    assert runstate.start_many(db, [], now=now, running_lease=LEASE) == {}
    with pytest.raises(ValueError, match="one run per trigger"):
        runstate.start_many(db, [views[0], views[0]], now=now, running_lease=LEASE)  # type: ignore[list-item]
