"""Runs due at the same instant go to the real Redis queue in batches; a few go out one by one."""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import redis

from schedulebot.config import load_settings
from storage.claims import FIRE_RUN_TASK, Claimed
from tasks.app import FIRE_RUNS_TASK, MAX_BATCH, PARALLEL_TASKS, create_app, send_claimed


def _queued(redis_url: str) -> list[tuple[str, str, list[int], str | None]]:
    """(task name, task id, run ids, eta) of every task in Celery's queue."""
    client = redis.Redis.from_url(redis_url)
    try:
        raw = client.lrange("celery", 0, -1)
    finally:
        client.close()
    found = []
    for item in raw:
        message = json.loads(item)
        args = json.loads(base64.b64decode(message["body"]))[0]
        ids = args[0] if message["headers"]["task"] == FIRE_RUNS_TASK else [args[0]]
        found.append((message["headers"]["task"], message["headers"]["id"], ids, message["headers"]["eta"]))
    return found


def _claimed(first_id: int, count: int, eta: datetime | None) -> list[Claimed]:
    due = eta or datetime.now(UTC)
    return [Claimed(run_id=first_id + n, trigger_id=first_id + n, due_at=due, eta=eta) for n in range(count)]


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
