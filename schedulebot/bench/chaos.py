"""`schedulebot chaos`: the whole Procfile stack under faults, then a reconciliation of what Slack saw.

Faults, at fixed offsets into the window (scaled with it): Slack unreachable for 30 s; kill -9 a
worker that holds work (and start it again); the broker's own redis-server killed and started again
empty; a second beat; this run's PostgreSQL connections terminated over and over for 10 s; every beat
stopped for longer than the misfire grace with a worker killed at the same time; and Slack answering
429, 500 or timing out on 10% of posts throughout. Each fault records whether it took effect.

The reconciliation trusts only the stand-in Slack's record (bench/reconcile.py): each due instant
must have had exactly one post, or one failure notice, naming it in its metadata.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from schedulebot.bench import chaos_faults as faults
from schedulebot.bench import machine, procs
from schedulebot.bench import report as report_md
from schedulebot.bench.ack import free_port
from schedulebot.bench.reconcile import Due, Reconciled, Seen, reconcile
from schedulebot.bench.redis_server import RedisServer, private_redis
from schedulebot.bench.report import REPO_ROOT
from schedulebot.bench.stack import Stack, insert_triggers, next_number, private_stack, trigger_row
from scheduling.schedule import Schedule
from storage.claims import DEFAULT_MISFIRE_GRACE
from storage.models import RunState

DEFAULT_RUNS = 1_000
DEFAULT_WINDOW_S = 180
# Beat stays down from 80 s into the window for 150 s: longer than the 2-minute misfire grace, so the
# runs due first in the outage are caught up past the grace (with the note) and the later ones late.
DEFAULT_BEAT_OUTAGE_S = 150
DEFAULT_SLACK_OUTAGE_S = 30
DEFAULT_PG_KILL_S = 10
CHANNELS = 50
FIRST_DUE_AFTER_S = 15
# A few series beside the one-offs, so a long beat outage meets each catch-up policy.
SERIES_EVERY_S = 15
SERIES_POLICIES = ("once", "once", "once", "all", "all", "all")
# Slack faults on 10% of posts, split evenly; a timed-out post may still have been delivered.
FAULT_RATES = {"rate_429": 0.034, "rate_500": 0.033, "rate_timeout": 0.033}
STANDIN_TIMEOUT_S = 12.0
# A second beat on a loaded machine may take a while to start; the outage waits this long for its first tick.
BEAT2_TICK_TIMEOUT_S = 45.0
# After the window: a run lost with the broker waits out the queued lease (2 min), one held by a killed
# worker the running lease (3 min), before a tick re-sends it.
DEFAULT_DRAIN_S = 420
LABEL = "chaos"
CHAOS_START = "<!-- chaos:results:start -->"
CHAOS_END = "<!-- chaos:results:end -->"


@dataclass(frozen=True)
class Options:
    runs: int = DEFAULT_RUNS
    window: int = DEFAULT_WINDOW_S
    beat_outage: int = DEFAULT_BEAT_OUTAGE_S
    slack_outage: int = DEFAULT_SLACK_OUTAGE_S
    pg_kill: int = DEFAULT_PG_KILL_S
    drain: float = DEFAULT_DRAIN_S


@dataclass
class Chaos:
    stack: Stack
    redis: RedisServer
    folder: Path
    env: dict[str, str]
    started: list[procs.Proc]
    procfile: dict[str, list[str]]
    t0: float = field(default_factory=time.monotonic)
    faults: list[faults.Fault] = field(default_factory=list)

    def log(self, what: str) -> None:
        print(f"chaos: t+{time.monotonic() - self.t0:>6.1f}s {what}", file=sys.stderr, flush=True)

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


def timeline(opts: Options) -> list[tuple[float, str]]:
    """(seconds after the first run falls due, fault) pairs, scaled to the window's length."""
    share = opts.window / DEFAULT_WINDOW_S
    steps = [
        (10 * share, "Slack unreachable"),
        (10 * share + opts.slack_outage, "Slack back"),
        (20 * share, "kill -9 worker1"),
        (28 * share, "restart worker1"),
        (50 * share, "restart redis-server empty"),
        (55 * share, "start beat2"),
        (60 * share, "kill PostgreSQL connections"),
        (80 * share, "stop beats, kill -9 worker2"),
        (80 * share + opts.beat_outage, "restart beat and worker2"),
    ]
    return sorted(steps)


def apply(chaos: Chaos, what: str, opts: Options) -> faults.Fault:
    fault = faults.Fault(what, round(time.monotonic() - chaos.t0, 1))
    result = _actions(chaos, opts)[what]()
    if callable(result):
        fault.check = result
    elif result is not None:
        fault.took_effect, fault.detail = result
    chaos.log(f"{what}{': ' + fault.detail if fault.detail else ''}")
    return fault


def _actions(chaos: Chaos, opts: Options) -> dict[str, Callable[[], Any]]:
    def restart_worker1() -> Callable[[], tuple[bool, str]]:
        worker = chaos.launch("worker1", "worker", ["-n", "worker1-again@%h"])
        return lambda: faults.came_up(worker, procs.READY_LINES["worker"])

    def second_beat() -> Callable[[], tuple[bool, str]]:
        beat = chaos.launch("beat2", "beat")
        return lambda: faults.beat_ticked(beat)

    def stop_beats() -> tuple[bool, str]:
        faults.wait_for_tick(chaos.find("beat2"), BEAT2_TICK_TIMEOUT_S)
        beats = [p for p in chaos.started if p.name.startswith("beat")]
        for beat in beats:
            beat.stop()
        chaos.find("worker2").kill()
        return faults.exited(*beats, chaos.find("worker2"))

    def restart_both() -> Callable[[], tuple[bool, str]]:
        beat = chaos.launch("beat3", "beat")
        worker = chaos.launch("worker2", "worker", ["-n", "worker2-again@%h"])
        return lambda: _both(faults.beat_ticked(beat), faults.came_up(worker, procs.READY_LINES["worker"]))

    return {
        "Slack unreachable": lambda: faults.slack_unreachable(chaos.stack),
        "Slack back": lambda: faults.slack_back(chaos.stack),
        "kill -9 worker1": lambda: _kill_holding(chaos.find("worker1")),
        "restart worker1": restart_worker1,
        "restart redis-server empty": lambda: faults.restart_redis(chaos.redis),
        "start beat2": second_beat,
        "kill PostgreSQL connections": lambda: faults.kill_connections(chaos.stack, opts.pg_kill),
        "stop beats, kill -9 worker2": stop_beats,
        "restart beat and worker2": restart_both,
    }


def _kill_holding(worker: procs.Proc) -> tuple[bool, str]:
    held = faults.held_work(worker)
    worker.kill()
    return held


def _both(first: tuple[bool, str], second: tuple[bool, str]) -> tuple[bool, str]:
    return first[0] and second[0], f"{first[1]}; {second[1]}"


def start_stack(chaos: Chaos) -> None:
    subprocess.run(
        chaos.procfile["release"], cwd=REPO_ROOT, env={**os.environ, **chaos.env}, check=True, capture_output=True
    )
    chaos.log("release done; starting web, worker1, worker2, beat1 from the Procfile")
    chaos.launch("web", "web")
    for name in ("worker1", "worker2"):
        chaos.launch(name, "worker", ["-n", f"{name}@%h"]).wait_for(procs.READY_LINES["worker"])
    chaos.launch("beat1", "beat").wait_for(procs.READY_LINES["beat"])


def schedule_runs(stack: Stack, opts: Options) -> list[Due]:
    """The one-off runs spread over the window, and a few series across it; what is due, as the harness knows it."""
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=FIRST_DUE_AFTER_S)
    number = next_number(stack.engine)
    dues = [first + timedelta(seconds=int(i * opts.window / opts.runs)) for i in range(opts.runs)]
    rows = [
        trigger_row(number + i, f"CCHA{i % CHANNELS:06d}", f"{LABEL} {number + i}", due,
                    Schedule(kind="once", zone="UTC", at=due))
        for i, due in enumerate(dues)
    ]  # fmt: skip
    count = opts.window // SERIES_EVERY_S
    series = Schedule(kind="recurring", zone="UTC", every=SERIES_EVERY_S, anchor=first, count=count)
    base = number + len(rows)
    rows += [
        trigger_row(base + i, f"CSER{i:06d}", f"{LABEL} series {base + i} ({policy})", first, series, policy)
        for i, policy in enumerate(SERIES_POLICIES)
    ]
    ids = insert_triggers(stack.engine, rows)
    step = timedelta(seconds=SERIES_EVERY_S)
    instants = [(due,) for due in dues] + [tuple(first + k * step for k in range(count))] * len(SERIES_POLICIES)
    return [
        Due(tid, when, row["payload"]["text"], row["misfire_policy"])
        for tid, when, row in zip(ids, instants, rows, strict=True)
    ]


def drain(stack: Stack, limit: float) -> bool:
    """Wait (up to `limit` s) until every trigger is done and no run is queued or running.

    Only a signal to stop waiting: the verdict is the reconciliation of what Slack saw.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if stack.active_triggers() == 0 and stack.runs_in(RunState.QUEUED, RunState.RUNNING) == 0:
            return True
        time.sleep(1)
    return False


def web_healthy(env: dict[str, str]) -> bool:
    """The web process answers /healthz (it checks the database and the broker) after every fault."""
    try:
        return requests.get(f"http://127.0.0.1:{env['PORT']}/healthz", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def run_chaos(opts: Options) -> dict[str, Any]:
    with (
        private_redis() as broker,
        private_stack(redis_url=broker.url) as stack,
        procs.group("sbchaos-") as (started, folder),
    ):
        env = stack.env(PORT=str(free_port()))
        chaos = Chaos(stack, broker, folder, env, started, read_procfile())
        start_stack(chaos)
        stack.standin.faults(**FAULT_RATES, retry_after=1, timeout_seconds=STANDIN_TIMEOUT_S, seed=8)
        expected = schedule_runs(stack, opts)
        scheduled = time.monotonic()
        chaos.log(f"{opts.runs} one-off runs and {len(SERIES_POLICIES)} series scheduled")
        _run_timeline(chaos, opts, scheduled + FIRST_DUE_AFTER_S)
        limit = opts.window + opts.drain - (time.monotonic() - scheduled) + FIRST_DUE_AFTER_S
        finished = drain(stack, max(limit, 60.0))
        chaos.log("no run left queued or running" if finished else "gave up waiting for unfinished runs")
        for fault in chaos.faults:
            fault.settle()
        result = reconcile(expected, [Seen.from_metadata(call.metadata) for call in stack.standin.posts()])
        report = _report(result, chaos, opts, finished=finished, web_ok=web_healthy(env))
        if not result.clean:
            report["evidence"] = _evidence(chaos, result)
            report["logs_kept"] = _keep_logs(folder)
        return report


def _evidence(chaos: Chaos, result: Reconciled) -> list[dict[str, Any]]:
    """Every Slack call on the channels of the runs named in the duplicate examples, for the post-mortem."""
    runs = {int(n) for text in result.duplicate_examples for n in re.findall(r"run (\d+) ", text)}
    calls = chaos.stack.standin.calls()
    channels = {c.channel for c in calls if (Seen.from_metadata(c.metadata).run_id in runs)}
    first = chaos.t0
    return [
        {"method": c.method, "at_s": round(c.received_at - first, 2), "channel": c.channel, "fault": c.fault,
         "status": c.status, "delivered": c.delivered, "run_id": Seen.from_metadata(c.metadata).run_id}
        for c in calls if c.channel in channels and c.method in ("chat.postMessage", "conversations.history")
    ][:200]  # fmt: skip


def _keep_logs(folder: Path) -> str:
    """The processes' logs, copied out of the run's temporary folder when the run found something."""
    kept = Path(tempfile.mkdtemp(prefix="sbchaos-logs-"))
    for log in folder.glob("*.log"):
        shutil.copy(log, kept / log.name)
    return str(kept)


def _run_timeline(chaos: Chaos, opts: Options, first_due: float) -> None:
    """Apply each fault `at` seconds after the first run falls due (`first_due`, a monotonic time)."""
    chaos.t0 = first_due
    for at, what in timeline(opts):
        time.sleep(max(0.0, first_due + at - time.monotonic()))
        chaos.faults.append(apply(chaos, what, opts))


def _report(result: Reconciled, chaos: Chaos, opts: Options, *, finished: bool, web_ok: bool) -> dict[str, Any]:
    calls = chaos.stack.standin.calls("chat.postMessage")
    injected: dict[str, int] = {}
    for call in calls:
        if call.fault:
            injected[call.fault] = injected.get(call.fault, 0) + 1
    return {
        **result.summary(),
        "faults": [fault.to_dict() for fault in chaos.faults],
        "slack_faults_injected": injected,
        "post_calls": len(calls),
        "all_runs_finished": finished,
        "web_healthy_after": web_ok,
        "options": {**opts.__dict__, "tick_seconds": chaos.stack.tick_seconds,
                    "misfire_grace_s": DEFAULT_MISFIRE_GRACE.total_seconds(), "series": len(SERIES_POLICIES)},
    }  # fmt: skip


def failures(report: dict[str, Any]) -> list[str]:
    """Why this run proves nothing or shows a fault: empty when clean."""
    found = [f"{report[key]} {key}" for key in ("lost", "duplicates", "unidentified", "unexpected") if report[key]]
    found += [f"fault did not take effect: {f['what']}" for f in report["faults"] if f["took_effect"] is False]
    if not report["web_healthy_after"]:
        found.append("web /healthz did not answer 200 after the faults")
    return found


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schedulebot chaos", description=__doc__)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="one-off runs (10000 for the long run)")
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW_S, help="seconds over which runs fall due")
    parser.add_argument("--beat-outage", type=int, default=DEFAULT_BEAT_OUTAGE_S, help="seconds beat stays down")
    parser.add_argument("--slack-outage", type=int, default=DEFAULT_SLACK_OUTAGE_S, help="seconds Slack refuses")
    parser.add_argument("--pg-kill", type=int, default=DEFAULT_PG_KILL_S, help="seconds of terminated connections")
    parser.add_argument("--drain", type=float, default=DEFAULT_DRAIN_S, help="seconds to wait for stragglers")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--docs", action="store_true", help="record the result in docs/benchmarks.md")
    return parser


def cli(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    opts = Options(args.runs, args.window, args.beat_outage, args.slack_outage, args.pg_kill, args.drain)
    state, before = git_state(), machine.describe()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    report = {**state, "started_at": started, "machine": before, **run_chaos(opts)}
    report["failures"] = failures(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    if args.docs:
        section = report_md.chaos_section(report, before, started)
        report_md.replace_section(report_md.DOCS_PAGE, CHAOS_START, CHAOS_END, section)
    print(json.dumps(report, sort_keys=True))
    return 1 if report["failures"] else 0
