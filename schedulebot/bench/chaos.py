"""`schedulebot chaos`: the whole Procfile stack under faults, then a reconciliation of Slack against the runs.

Faults, at fixed offsets into the window: kill -9 a worker (and start it again), empty the broker
(FLUSHDB of this run's private Redis db: the machine's Redis server is shared, so it is not restarted),
a second beat, beat stopped for a while, and Slack answering 429, 500 or timing out on 10% of posts.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select

from schedulebot.bench import machine, procs
from schedulebot.bench import report as report_md
from schedulebot.bench.ack import free_port
from schedulebot.bench.reconcile import Reconciled, reconcile
from schedulebot.bench.report import REPO_ROOT
from schedulebot.bench.stack import Stack, insert_once_triggers, private_stack
from storage.models import Run, RunState, Trigger

DEFAULT_RUNS = 1_000
DEFAULT_WINDOW_S = 180
# Beat stays down 2 minutes, from 80 s into the window until 20 s after the last run falls due.
DEFAULT_BEAT_OUTAGE_S = 120
CHANNELS = 50
FIRST_DUE_AFTER_S = 15
# Slack faults on 10% of posts, split evenly; a timed-out post may still have been delivered.
FAULT_RATES = {"rate_429": 0.034, "rate_500": 0.033, "rate_timeout": 0.033}
STANDIN_TIMEOUT_S = 12.0
# After the window: a run lost with the broker waits out the queued lease (2 min) before a tick re-sends it.
DEFAULT_DRAIN_S = 420
LABEL = "chaos"
CHAOS_START = "<!-- chaos:results:start -->"
CHAOS_END = "<!-- chaos:results:end -->"


@dataclass
class Chaos:
    stack: Stack
    folder: Path
    env: dict[str, str]
    started: list[procs.Proc]
    procfile: dict[str, list[str]]
    t0: float = field(default_factory=time.monotonic)
    faults: list[dict[str, Any]] = field(default_factory=list)

    def note(self, what: str) -> None:
        at = round(time.monotonic() - self.t0, 1)
        self.faults.append({"at_s": at, "what": what})
        print(f"chaos: t+{at:>5.1f}s {what}", file=sys.stderr, flush=True)

    def launch(self, name: str, kind: str, extra: list[str] | None = None) -> procs.Proc:
        command = self.procfile[kind] + (extra or [])
        proc = procs.start(name, command, self.env, self.folder)
        self.started.append(proc)
        return proc

    def find(self, name: str) -> procs.Proc:
        return next(p for p in reversed(self.started) if p.name == name)


def read_procfile(path: Path = REPO_ROOT / "Procfile") -> dict[str, list[str]]:
    """Procfile lines as argv lists; `schedulebot` runs through this interpreter so the venv is used."""
    found = {}
    for line in path.read_text().splitlines():
        if ":" in line and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            argv = shlex.split(command)
            found[name.strip()] = procs.schedulebot(argv[1:]) if argv and argv[0] == "schedulebot" else argv
    return found


def timeline(window: int, outage: int) -> list[tuple[float, str]]:
    """(seconds into the window, fault) pairs, scaled to the window's length."""
    share = window / DEFAULT_WINDOW_S
    return [
        (20 * share, "kill -9 worker1"),
        (28 * share, "restart worker1"),
        (45 * share, "flush redis"),
        (55 * share, "start beat2"),
        (80 * share, "stop beats"),
        (80 * share + outage, "restart beat"),
    ]


def apply(chaos: Chaos, fault: str) -> None:
    actions: dict[str, Callable[[], object]] = {
        "kill -9 worker1": lambda: chaos.find("worker1").kill(),
        "restart worker1": lambda: chaos.launch("worker1", "worker", ["-n", "worker1-again@%h"]),
        "flush redis": lambda: _flush(chaos.stack.redis_url),
        "start beat2": lambda: chaos.launch("beat2", "beat"),
        "stop beats": lambda: [p.stop() for p in chaos.started if p.name.startswith("beat")],
        "restart beat": lambda: chaos.launch("beat3", "beat"),
    }
    actions[fault]()
    chaos.note(fault + (" (FLUSHDB of this run's private Redis db; the shared server is not restarted)"
                        if fault == "flush redis" else ""))  # fmt: skip


def _flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def start_stack(chaos: Chaos) -> None:
    subprocess.run(
        chaos.procfile["release"], cwd=REPO_ROOT, env={**os.environ, **chaos.env}, check=True, capture_output=True
    )
    chaos.note("release done; starting web, worker1, worker2, beat1 from the Procfile")
    chaos.launch("web", "web")
    for name in ("worker1", "worker2"):
        chaos.launch(name, "worker", ["-n", f"{name}@%h"]).wait_for(procs.READY_LINES["worker"])
    chaos.launch("beat1", "beat").wait_for(procs.READY_LINES["beat"])


def schedule_runs(stack: Stack, runs: int, window: int) -> dict[str, datetime]:
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=FIRST_DUE_AFTER_S)
    dues = [first + timedelta(seconds=int(i * window / runs)) for i in range(runs)]
    return insert_once_triggers(stack.engine, dues, LABEL, channels=CHANNELS)


def drain(stack: Stack, runs: int, limit: float) -> bool:
    """Wait until every run is finished (succeeded or failed), or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        finished = stack.runs_in(RunState.SUCCEEDED, RunState.FAILED)
        if finished >= runs and stack.runs_in(RunState.QUEUED, RunState.RUNNING) == 0:
            return True
        time.sleep(1)
    return False


def failed_texts(stack: Stack) -> list[str]:
    query = select(Trigger.payload).join(Run, Run.trigger_id == Trigger.id).where(Run.state == RunState.FAILED.value)
    with stack.engine.connect() as conn:
        return [str(payload.get("text")) for payload in conn.execute(query).scalars()]


def run_chaos(runs: int, window: int, outage: int, drain_s: float) -> dict[str, Any]:
    with private_stack() as stack, procs.group("sbchaos-") as (started, folder):
        env = stack.env(PORT=str(free_port()))
        chaos = Chaos(stack, folder, env, started, read_procfile())
        start_stack(chaos)
        stack.standin.faults(**FAULT_RATES, retry_after=1, timeout_seconds=STANDIN_TIMEOUT_S, seed=8)
        chaos.note("Slack stand-in: 429 on 3.4%, 500 on 3.3%, timeout on 3.3% of posts")
        expected = schedule_runs(stack, runs, window)
        scheduled = time.monotonic()
        chaos.note(f"{runs} runs scheduled, the first due in {FIRST_DUE_AFTER_S}s, the last about {window}s later")
        _run_timeline(chaos, timeline(window, outage), scheduled + FIRST_DUE_AFTER_S)
        finished = drain(stack, runs, window + drain_s - (time.monotonic() - scheduled) + FIRST_DUE_AFTER_S)
        chaos.note("all runs finished" if finished else "gave up waiting for unfinished runs")
        delivered = [call.text for call in stack.standin.posts()]
        result = reconcile(expected, delivered, failed_texts(stack))
        return _report(result, chaos, stack)


def _run_timeline(chaos: Chaos, steps: list[tuple[float, str]], first_due: float) -> None:
    """Apply each fault `at` seconds after the first run falls due (`first_due`, a monotonic time)."""
    for at, fault in steps:
        time.sleep(max(0.0, first_due + at - time.monotonic()))
        apply(chaos, fault)


def _report(result: Reconciled, chaos: Chaos, stack: Stack) -> dict[str, Any]:
    calls = stack.standin.calls("chat.postMessage")
    injected: dict[str, int] = {}
    for call in calls:
        if call.fault:
            injected[call.fault] = injected.get(call.fault, 0) + 1
    return {
        **result.summary(),
        "faults": chaos.faults,
        "slack_faults_injected": injected,
        "post_calls": len(calls),
        "extra_posts": result.extra_posts,
        "lost_examples": list(result.lost_texts[:10]),
        "duplicate_examples": list(result.duplicate_texts[:10]),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schedulebot chaos", description=__doc__)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW_S, help="seconds over which runs fall due")
    parser.add_argument("--beat-outage", type=int, default=DEFAULT_BEAT_OUTAGE_S, help="seconds beat stays down")
    parser.add_argument("--drain", type=float, default=DEFAULT_DRAIN_S, help="seconds to wait for stragglers")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--docs", action="store_true", help="record the result in docs/benchmarks.md")
    return parser


def cli(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    before = machine.describe()
    report = run_chaos(args.runs, args.window, args.beat_outage, args.drain)
    text = json.dumps(report, sort_keys=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    if args.docs:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        section = report_md.chaos_section(report, before, at)
        report_md.replace_section(report_md.DOCS_PAGE, CHAOS_START, CHAOS_END, section)
    print(text)
    return 1 if report["duplicates"] or report["lost"] else 0
