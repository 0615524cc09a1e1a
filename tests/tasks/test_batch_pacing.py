"""A batch takes its runs' pace slots together: one call to the pacer, one statement for the runs that wait.

fire_runs runs in this process (the task called directly) on the test's own database, Redis db and stand-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from tasks import app as app_module
from tasks import firing, pacing, runstate
from tasks.runstate import UNTRIED
from tasks.slack import SlackPoster
from tests.tasks.conftest import run_ids, runs
from tests.tasks.test_batch_reads import _claimed, _fire_batch


@pytest.fixture
def pacer_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many posts each call to the Redis pacer asked slots for (the real script runs)."""
    calls: list[int] = []
    take_many = pacing.RedisPacer.take_many

    def counted(self: pacing.RedisPacer, posts: list[pacing.Post], *, now: float) -> list[float]:
        calls.append(len(posts))
        return take_many(self, posts, now=now)

    monkeypatch.setattr(pacing.RedisPacer, "take_many", counted)
    return calls


def _fire(engine: Engine, redis_url: str, standin: SlackStandIn, ids: list[int], per_minute: int) -> None:
    _fire_batch(engine, redis_url, standin, ids, SCHEDULEBOT_WORKSPACE_POSTS_PER_MINUTE=str(per_minute))


def test_a_batch_paces_its_runs_in_one_call_and_records_the_waits_in_one_statement(
    engine: Engine,
    sessions: sessionmaker[Session],
    redis_url: str,
    standin: SlackStandIn,
    statements: list[str],
    pacer_calls: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seven runs of one workspace at 60 posts a minute: its burst of five posts now, the other two wait for the
    next two seconds' tokens, queued with those moments, and nothing else asks the pacer."""
    monkeypatch.setattr(app_module, "FRESH_READ_SECONDS", 600.0)  # one read, however slow the machine
    ids = _claimed(sessions, [f"C{n}" for n in range(1, 8)])
    before = datetime.now(UTC)
    _fire(engine, redis_url, standin, ids, per_minute=60)

    assert sorted(run_ids(standin.posts())) == ids[: pacing.DEFAULT_WORKSPACE_BURST]
    assert pacer_calls == [len(ids)]
    assert len([sql for sql in statements if sql.startswith("UPDATE runs SET enqueued_at")]) == 1
    waiting = [run for run in runs(sessions) if run.state == "queued"]
    assert [run.id for run in waiting] == ids[pacing.DEFAULT_WORKSPACE_BURST :]
    for seconds, run in enumerate(waiting, start=1):
        assert run.enqueued_at is not None and run.attempts == 0
        assert before + timedelta(seconds=seconds - 0.5) < run.enqueued_at
        assert run.enqueued_at < datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_429_blocks_the_runs_its_batch_had_already_paced_in_that_workspace(
    engine: Engine, sessions: sessionmaker[Session], redis_url: str, standin: SlackStandIn
) -> None:
    """The worker's bucket allows five at once, Slack's only one: the second post meets a 429 for the workspace,
    and the three runs the batch had paced (and started) to post now wait for the block's end instead of meeting
    429s too."""
    standin.faults(workspace_per_minute=60, workspace_burst=1)
    ids = _claimed(sessions, [f"C{n}" for n in range(1, 6)])
    _fire(engine, redis_url, standin, ids, per_minute=600)

    assert run_ids(standin.posts()) == ids[:1]
    assert standin.rate_limited()["workspace_rate"] == 1
    by_id = {run.id: run for run in runs(sessions)}
    limited = by_id[ids[1]]
    assert limited.state == "queued" and limited.attempt_log[-1]["outcome"] == "ratelimited"
    for run_id in ids[2:]:
        run = by_id[run_id]
        # started with the batch, perhaps, but never tried: no attempt counts against it, none may have posted
        assert run.state == "queued" and {entry["outcome"] for entry in run.attempt_log} <= {"ratelimited"}
        assert run.enqueued_at is not None and limited.enqueued_at is not None
        # not before the Retry-After ends (the pacer's clock read a moment before the deferred run's)
        assert run.enqueued_at >= limited.enqueued_at - timedelta(seconds=pacing.SEND_TOLERANCE)


def test_a_batch_starts_the_runs_it_may_post_now_together_and_each_posts_once(
    engine: Engine, sessions: sessionmaker[Session], redis_url: str, standin: SlackStandIn, statements: list[str]
) -> None:
    """After its first post, a batch starts its next runs in one statement (PostgreSQL; SQLite starts each alone),
    and each run's record reads as if it had started alone: one attempt, started then posted."""
    ids = _claimed(sessions, [f"C{n}" for n in range(1, 9)])
    _fire(engine, redis_url, standin, ids, per_minute=6000)

    assert sorted(run_ids(standin.posts())) == ids
    together = [sql for sql in statements if sql.startswith("UPDATE runs SET state") and "json_to_recordset" in sql]
    alone = [sql for sql in statements if sql.startswith("UPDATE runs SET state") and "json_to_recordset" not in sql]
    if engine.dialect.name == "postgresql":
        assert together and len(together) + len(alone) < len(ids), statements
    else:
        assert together == []
    for run in runs(sessions):
        assert run.state == "succeeded" and run.attempts == 1
        assert [entry["outcome"] for entry in run.attempt_log] == ["posted"] and run.attempt_log[0]["n"] == 1


def test_runs_started_together_post_once_though_the_batch_reads_and_paces_again_before_each(
    engine: Engine,
    sessions: sessionmaker[Session],
    redis_url: str,
    standin: SlackStandIn,
    pacer_calls: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every run finds the batch's read stale (a slow machine), and the batch starts as many runs as it may each
    time: a run already started is neither paced again (it would wait, running, for its lease) nor started again."""
    monkeypatch.setattr(app_module, "FRESH_READ_SECONDS", 0.0)

    def start_all(self: object, db: object, index: int) -> None:
        batch = self  # a _FiringBatch
        firing.start_batch(batch.rt, db, batch.views, batch.run_ids[index:], batch.pace, firing.MAX_START_CHUNK)  # type: ignore[attr-defined, arg-type]

    monkeypatch.setattr(app_module._FiringBatch, "_start", start_all)
    ids = _claimed(sessions, [f"C{n}" for n in range(1, 9)])
    _fire(engine, redis_url, standin, ids, per_minute=6000)

    assert sorted(run_ids(standin.posts())) == ids
    assert sum(pacer_calls) == len(ids)  # each run's slot taken once
    for run in runs(sessions):
        assert run.state == "succeeded" and run.attempts == 1, (run.id, run.state, run.attempt_log)


def test_runs_a_batch_started_but_never_tried_are_queued_again_unposted_when_it_stops(
    engine: Engine,
    sessions: sessionmaker[Session],
    redis_url: str,
    standin: SlackStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The time limit falls during the second post, after the batch started the rest with it: the run in flight is
    left to its lease (it may have posted), the others are queued again at once, their attempt marked untried,
    which neither counts against them nor makes the next attempt look for an earlier post."""
    monkeypatch.setattr(app_module, "FRESH_READ_SECONDS", 600.0)
    posts = 0
    post = SlackPoster.post

    def out_of_time_on_the_second(self: SlackPoster, **kwargs: Any) -> str:
        nonlocal posts
        posts += 1
        if posts == 2:
            raise SoftTimeLimitExceeded()
        return post(self, **kwargs)

    monkeypatch.setattr(SlackPoster, "post", out_of_time_on_the_second)
    ids = _claimed(sessions, [f"C{n}" for n in range(1, 7)])
    with pytest.raises(SoftTimeLimitExceeded):
        _fire(engine, redis_url, standin, ids, per_minute=6000)

    assert run_ids(standin.posts()) == ids[:1]
    by_id = {run.id: run for run in runs(sessions)}
    assert by_id[ids[0]].state == "succeeded"
    in_flight = by_id[ids[1]]
    assert in_flight.state == "running" and in_flight.attempt_log[-1]["outcome"] == "started"
    for run_id in ids[2:]:
        run = by_id[run_id]
        assert run.state == "queued" and [e["outcome"] for e in run.attempt_log] == [UNTRIED], run.attempt_log
    with runstate.connect(engine) as db:  # the next attempt posts without looking for an earlier one
        assert not any(view.maybe_posted for view in runstate.load_many(db, ids[2:]).values())
