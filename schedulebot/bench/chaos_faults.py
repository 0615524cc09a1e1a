"""The faults `schedulebot chaos` injects, each with the evidence that it took effect.

A fault that did not happen proves nothing (a killed worker that held no work, a second beat that
never ticked), so each one says whether it took effect, and the chaos run fails if one did not.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from schedulebot.bench import procs
from schedulebot.bench.redis_server import RedisServer
from schedulebot.bench.stack import Stack

# Celery's log lines for a task taken and a task done, by task id.
RECEIVED = re.compile(r"Task [\w.]+\[([\w-]+)\] received")
FINISHED = re.compile(r"Task [\w.]+\[([\w-]+)\] (?:succeeded|failed|retry|raised)")
# Beat's log line for each task it sends.
BEAT_SENT = "Scheduler: Sending due task"
# This run's database only: never another run's or test's backends.
TERMINATE = text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")  # fmt: skip
TERMINATE_EVERY_S = 0.5
# A killed process is reaped within this.
EXIT_TIMEOUT_S = 10.0


@dataclass
class Fault:
    """One injected fault: what, when (seconds after the first run fell due), whether it took effect."""

    what: str
    at_s: float
    took_effect: bool | None = None
    detail: str = ""
    # Checked after the window, for effects that show only later (a beat that ticked, a worker that came up).
    check: Callable[[], tuple[bool, str]] | None = field(default=None, repr=False)

    def settle(self) -> None:
        if self.check is not None:
            self.took_effect, self.detail = self.check()
            self.check = None

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "at_s": self.at_s, "took_effect": self.took_effect, "detail": self.detail}


def held_work(proc: procs.Proc) -> tuple[bool, str]:
    """Whether a worker had taken tasks it had not finished (so killing it loses work in flight)."""
    log = proc.output()
    open_tasks = Counter(RECEIVED.findall(log))
    open_tasks.subtract(Counter(FINISHED.findall(log)))
    held = sum(n for n in open_tasks.values() if n > 0)
    return held > 0, f"{held} task(s) taken and not finished"


def beat_ticked(proc: procs.Proc) -> tuple[bool, str]:
    sent = proc.output().count(BEAT_SENT)
    return sent > 0, f"{proc.name} sent {sent} tick(s)"


def came_up(proc: procs.Proc, line: str) -> tuple[bool, str]:
    up = line in proc.output()
    return up, f"{proc.name} {'is up' if up else 'never came up'}"


def exited(*stopped: procs.Proc, timeout: float = EXIT_TIMEOUT_S) -> tuple[bool, str]:
    """Whether every one of them is gone, given `timeout` seconds to be reaped after its signal."""
    for proc in stopped:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout)
    gone = [p.name for p in stopped if p.popen.poll() is not None]
    return len(gone) == len(stopped), f"stopped: {', '.join(gone) or 'none'}"


def restart_redis(server: RedisServer) -> tuple[bool, str]:
    """Took effect when a new server (another run id, started with no persistence, so empty) replaced one that
    held work. Its key count is not read afterwards: the workers and beat reconnect and write within moments."""
    before, after, keys = server.restart_empty()
    took = before != after and keys > 0
    return took, f"redis-server on :{server.port} restarted (run id {before[:8]} → {after[:8]}), {keys} key(s) lost"


def kill_connections(stack: Stack, seconds: float) -> tuple[bool, str]:
    """pg_terminate_backend on this run's database, every half second for `seconds`."""
    killer = create_engine(stack.database_url, poolclass=NullPool)
    killed = rounds = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with killer.connect() as conn:
                killed += int(conn.execute(TERMINATE).scalar_one())
            rounds += 1
            time.sleep(TERMINATE_EVERY_S)
    finally:
        killer.dispose()
    return killed > 0, f"{killed} backend(s) terminated in {rounds} round(s) over {seconds:g}s"


def slack_unreachable(stack: Stack) -> Callable[[], tuple[bool, str]]:
    """Slack refuses connections from now on; the check (after the window) counts what it turned away."""
    stack.standin.unreachable(True)
    before = stack.standin.refused
    return lambda: (stack.standin.refused > before, f"{stack.standin.refused - before} connection(s) refused")


def slack_back(stack: Stack) -> Callable[[], tuple[bool, str]]:
    """Slack answers again; the check says whether posts reached it afterwards."""
    stack.standin.unreachable(False)
    since = time.monotonic()

    def check() -> tuple[bool, str]:
        after = sum(1 for call in stack.standin.posts() if call.received_at >= since)
        return after > 0, f"{after} post(s) delivered after Slack came back"

    return check


def wait_for_tick(beat: procs.Proc, timeout: float) -> None:
    """Give a just-started beat time to tick before it is stopped; its log is the evidence either way."""
    with contextlib.suppress(TimeoutError, RuntimeError):  # beat_ticked reports a beat that never ticked
        beat.wait_for(BEAT_SENT, timeout)
