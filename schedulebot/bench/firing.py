"""End-to-end firing throughput next to the Celery no-op ceiling, and lateness, on a private stack."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from schedulebot.bench import procs
from schedulebot.bench.noop import NOOP_TASK
from schedulebot.bench.stack import Stack, insert_once_triggers, private_stack
from schedulebot.bench.stats import p50_p99
from storage.models import RunState

Progress = Callable[[str], None]
POLL_SECONDS = 0.02
# The no-op queue counts as drained once it stays empty this many polls in a row.
DRAINED_POLLS = 3
DEFAULT_WAIT_SECONDS = 300.0
# 100 runs per minute: one every 0.6 s, rounded down to whole seconds (schedules keep whole seconds).
LATENESS_SPACING_S = 0.6
# Leave beat time for its first tick before anything falls due.
FIRST_DUE_AFTER_S = 12
DONE = (RunState.SUCCEEDED, RunState.FAILED)
# Runs per second a burst is assumed to drain at, at worst, when deciding how long to wait for it.
MIN_DRAIN_PER_S = 10


def run_firing(fire_runs: int, lateness_seconds: int, burst_runs: int, progress: Progress) -> dict[str, Any]:
    """fire_per_s and celery_noop_per_s (same workers), then lateness at 100/min and optionally a burst."""
    with private_stack() as stack, procs.group() as (started, folder):
        env = stack.env()
        started.append(
            procs.start_ready(
                "worker", "worker", procs.schedulebot(["worker", "--include", "schedulebot.bench.noop"]), env, folder
            )
        )
        app = _celery_app(stack)
        fire = measure_fire(stack, app, fire_runs)
        noop = measure_noop(stack, app, fire_runs)
        results: dict[str, Any] = {"fire_per_s": round(fire, 1), "celery_noop_per_s": round(noop, 1),
                                   "fire_ratio": round(fire / noop, 3), "fire_runs": fire_runs}  # fmt: skip
        progress(
            f"firing: {fire:.1f} runs/s vs no-op {noop:.1f} tasks/s; lateness at 100 runs/min for {lateness_seconds}s"
        )
        started.append(procs.start_ready("beat", "beat", procs.schedulebot(["beat"]), env, folder))
        results.update(_prefixed("lateness", measure_lateness(stack, _paced(lateness_seconds), "late")))
        results["lateness_runs"] = int(lateness_seconds / LATENESS_SPACING_S)
        if burst_runs:
            progress(f"lateness with {burst_runs:,} runs due at once")
            results.update(_prefixed("lateness_burst", measure_lateness(stack, _burst(burst_runs), "burst")))
            results["lateness_burst_runs"] = burst_runs
        return results


def _celery_app(stack: Stack) -> Any:
    from tasks.app import create_app

    return create_app(stack.settings())  # type: ignore[arg-type]


def measure_fire(stack: Stack, app: Any, count: int) -> float:
    """Runs per second from one tick's claim of `count` due triggers to the last run recorded as posted."""
    from tasks.app import runtime_for, send_claimed
    from tasks.tick import run_tick

    due = datetime.now(UTC).replace(microsecond=0)
    insert_once_triggers(stack.engine, [due] * count, "fire")
    rt = runtime_for(app)
    started = time.perf_counter()
    run_tick(rt, now=rt.now(), send=lambda claimed: send_claimed(app, claimed))
    _wait(lambda: stack.runs_in(*DONE) >= count, f"{count} runs recorded")
    elapsed = time.perf_counter() - started
    rt.close()
    posted = len(stack.standin.posts())
    if posted < count or stack.runs_in(RunState.SUCCEEDED) < count:
        raise RuntimeError(f"only {posted} of {count} runs reached the stand-in Slack")
    return count / elapsed


def measure_noop(stack: Stack, app: Any, count: int) -> float:
    """Tasks per second from sending `count` no-op tasks to the queue being drained and every task acked."""
    client = redis.Redis.from_url(stack.redis_url)
    started = time.perf_counter()
    for index in range(count):
        app.send_task(NOOP_TASK, args=[index])
    quiet = 0
    while quiet < DRAINED_POLLS:
        empty = client.llen("celery") == 0 and client.hlen("unacked") == 0
        quiet = quiet + 1 if empty else 0
        time.sleep(POLL_SECONDS)
    elapsed = time.perf_counter() - started - (DRAINED_POLLS - 1) * POLL_SECONDS
    client.close()
    return count / elapsed


def _paced(seconds: int) -> list[datetime]:
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=FIRST_DUE_AFTER_S)
    return [first + timedelta(seconds=int(i * LATENESS_SPACING_S)) for i in range(int(seconds / LATENESS_SPACING_S))]


def _burst(count: int) -> list[datetime]:
    return [datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=FIRST_DUE_AFTER_S + 8)] * count


def measure_lateness(stack: Stack, dues: list[datetime], label: str) -> tuple[float, float]:
    """(p50, p99) seconds from each run's due instant to the stand-in Slack receiving its post."""
    stack.standin.clear()
    due_by_text = insert_once_triggers(stack.engine, dues, label)
    # After the last due instant, allow for draining the lot at a pessimistic rate, not just a minute.
    drain = len(dues) / MIN_DRAIN_PER_S
    wait = (dues[-1] - datetime.now(UTC)).total_seconds() + 60 + drain
    posts = stack.standin.wait_for_posts(len(dues), timeout=max(wait, 60))
    late = [p.received_wall - due_by_text[p.text].timestamp() for p in posts if p.text in due_by_text]
    return p50_p99(late)


def _prefixed(prefix: str, pair: tuple[float, float]) -> dict[str, float]:
    return {f"{prefix}_p50_s": round(pair[0], 3), f"{prefix}_p99_s": round(pair[1], 3)}


def _wait(condition: Callable[[], bool], what: str, timeout: float = DEFAULT_WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"firing benchmark: {what} not reached within {timeout:.0f}s")
        time.sleep(POLL_SECONDS)
