"""Runs due at the same instant go to the real Redis queue in batches, taking turns between workspaces; a few go
out one by one. Runs that must wait come back in batches too, one per moment."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import redis

from schedulebot.config import load_settings
from storage.claims import FIRE_RUN_TASK, Claimed
from tasks.app import FIRE_RUNS_TASK, MAX_BATCH, PARALLEL_TASKS, _send_waiting, create_app, send_claimed


def _queued(redis_url: str) -> list[tuple[str, str, list[int], str | None]]:
    """(task name, task id, run ids, eta) of every task in Celery's queue."""
    return [(name, task_id, ids, eta) for name, task_id, ids, eta, _ in _queued_with_kwargs(redis_url)]


def _claimed(first_id: int, count: int, eta: datetime | None) -> list[Claimed]:
    """Runs of as many workspaces as there are runs over 5, so every one is in a workspace's first 5 (its burst)."""
    due = eta or datetime.now(UTC)
    teams = max(1, count // 5)
    return [
        Claimed(run_id=first_id + n, trigger_id=first_id + n, due_at=due, eta=eta, team_id=f"T{n % teams}")
        for n in range(count)
    ]


def test_a_burst_is_batched_into_enough_tasks_for_every_worker_and_each_run_is_sent_once(redis_url: str) -> None:
    app = create_app(load_settings(REDIS_URL=redis_url))
    burst_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    burst, few, stalled = (
        _claimed(1, 1000, burst_at),
        _claimed(5000, 3, burst_at + timedelta(seconds=1)),
        _claimed(9000, 2, None),
    )
    send_claimed(app, [*burst, *few, *stalled])
    tasks = _queued(redis_url)
    sent = Counter(run_id for _, _, ids, _ in tasks for run_id in ids)
    assert sorted(sent) == sorted(c.run_id for c in [*burst, *few, *stalled]) and set(sent.values()) == {1}
    batches = [t for t in tasks if t[0] == FIRE_RUNS_TASK]
    assert len(batches) >= PARALLEL_TASKS and all(2 <= len(ids) <= MAX_BATCH for _, _, ids, _ in batches)
    assert {eta for _, _, _, eta in batches} == {burst_at.isoformat()}
    singles = {ids[0]: (task_id, eta) for name, task_id, ids, eta in tasks if name == FIRE_RUN_TASK}
    assert set(singles) == {5000, 5001, 5002, 9000, 9001}  # too few to batch: one task each, as before
    assert singles[9000] == ("run-9000", None)


def _workspaces_due_together(workspaces: int, each: int) -> tuple[datetime, list[Claimed]]:
    """Runs due 30 s from now, workspace by workspace as the claim hands them over; run id = workspace × 1000 + n."""
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    claimed = [
        Claimed(run_id=team * 1000 + n, trigger_id=team * 1000 + n, due_at=due, eta=due, team_id=f"T{team}")
        for team in range(workspaces)
        for n in range(each)
    ]
    return due, claimed


def test_runs_due_together_take_turns_between_workspaces(redis_url: str) -> None:
    app = create_app(load_settings(REDIS_URL=redis_url))
    # The claim hands them over workspace by workspace: 100 runs of T0, then 100 of T1, then 100 of T2.
    _, claimed = _workspaces_due_together(3, 100)
    send_claimed(app, claimed)
    batches = [ids for name, _, ids, _ in _queued(redis_url) if name == FIRE_RUNS_TASK]
    assert sum(len(ids) for ids in batches) == 300
    # Every batch holds the three workspaces' runs in turn: the first batch is not all of T0's.
    for ids in batches:
        teams = [run_id // 1000 for run_id in ids]
        assert teams == [(teams[0] + k) % 3 for k in range(len(ids))], teams
        turns = [run_id % 1000 for run_id in ids]
        assert max(turns) - min(turns) < len(ids)  # one round or two: each workspace's runs of the same turn


def test_the_rounds_slack_will_hold_back_go_out_when_their_turn_is_expected(redis_url: str) -> None:
    """Three workspaces with 100 runs each at 300 posts a minute, 5 at once: the first 5 rounds go at the due
    second, round r (from 0) r - 4 tokens of 0.2 s later, and none more than half the queued lease (60 s) later."""
    app = create_app(load_settings(REDIS_URL=redis_url, SCHEDULEBOT_WORKSPACE_POSTS_PER_MINUTE="300"))
    due, claimed = _workspaces_due_together(3, 400)
    send_claimed(app, claimed)
    batches = [(ids, eta) for name, _, ids, eta in _queued(redis_url) if name == FIRE_RUNS_TASK]
    assert sorted(run_id for ids, _ in batches for run_id in ids) == sorted(c.run_id for c in claimed)
    for ids, eta in batches:
        first_round = min(run_id % 1000 for run_id in ids)
        expected = due + timedelta(seconds=min(max(0, first_round - 4) * 0.2, 60))
        assert datetime.fromisoformat(eta) == expected, (first_round, eta)
    assert {eta for ids, eta in batches if min(ids) % 1000 < 5} == {due.isoformat()}
    assert max(datetime.fromisoformat(eta) for _, eta in batches) == due + timedelta(seconds=60)


def test_one_workspaces_backlog_goes_out_round_by_round_too(redis_url: str) -> None:
    """A backlog of one workspace (a beat back after an outage: eta None, now): its n-th run is its n-th round, so
    its batches go out as its tokens are expected, not all at once."""
    app = create_app(load_settings(REDIS_URL=redis_url, SCHEDULEBOT_WORKSPACE_POSTS_PER_MINUTE="300"))
    _, claimed = _workspaces_due_together(1, 400)
    before = datetime.now(UTC)
    send_claimed(app, [Claimed(c.run_id, c.trigger_id, c.due_at, None, c.team_id) for c in claimed])
    after = datetime.now(UTC)
    batches = [(ids, eta) for name, _, ids, eta in _queued(redis_url) if name == FIRE_RUNS_TASK]
    assert sorted(run_id for ids, _ in batches for run_id in ids) == sorted(c.run_id for c in claimed)
    for ids, eta in batches:
        seconds = min(max(0, min(ids) - 4) * 0.2, 60)
        if seconds == 0:
            assert eta is None, (ids, eta)
        else:
            sent_for = datetime.fromisoformat(eta)
            assert before + timedelta(seconds=seconds) <= sent_for <= after + timedelta(seconds=seconds), (ids, eta)
    assert sum(1 for ids, eta in batches if eta is not None) >= len(batches) - 1


def test_runs_that_must_wait_come_back_one_batch_per_moment(redis_url: str) -> None:
    app = create_app(load_settings(REDIS_URL=redis_url))
    soon = time.time() + 30
    # Three runs paced to one moment (within the tolerance), one to a second later, one waiting out a 429.
    waiting = [(soon, 1, soon), (soon + 0.01, 2, soon + 0.01), (soon, 3, soon), (soon + 1, 4, soon + 1),
               (soon + 0.02, 5, None)]  # fmt: skip
    _send_waiting(app, waiting)
    tasks = {tuple(ids): (name, kwargs, eta) for name, _, ids, eta, kwargs in _queued_with_kwargs(redis_url)}
    assert set(tasks) == {(1, 3, 2, 5), (4,)}
    name, kwargs, eta = tasks[(1, 3, 2, 5)]
    assert name == FIRE_RUNS_TASK and kwargs == {"slots": [soon, soon, soon + 0.01, None]}
    assert abs(datetime.fromisoformat(eta).timestamp() - soon) < 1
    name, kwargs, eta = tasks[(4,)]
    assert name == FIRE_RUN_TASK and kwargs == {"slot": soon + 1}
    assert abs(datetime.fromisoformat(eta).timestamp() - (soon + 1)) < 1


def _queued_with_kwargs(redis_url: str) -> list[tuple[str, str, list[int], str | None, dict[str, object]]]:
    """(task name, task id, run ids, eta, kwargs) of every task in Celery's queue."""
    client = redis.Redis.from_url(redis_url)
    try:
        raw = client.lrange("celery", 0, -1)
    finally:
        client.close()
    found = []
    for item in raw:
        message = json.loads(item)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        ids = args[0] if message["headers"]["task"] == FIRE_RUNS_TASK else [args[0]]
        found.append((message["headers"]["task"], message["headers"]["id"], ids, message["headers"]["eta"], kwargs))
    return found
