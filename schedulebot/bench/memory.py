"""Peak memory (RSS of each process and its children) of web, worker and beat with many stored triggers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schedulebot.bench import procs
from schedulebot.bench.ack import _wait_healthy, free_port
from schedulebot.bench.seed import hourly_schedule, seed
from schedulebot.bench.stack import private_stack

# Long enough for several ticks (the private stack ticks every 5 s) to claim and fire.
DEFAULT_SAMPLE_SECONDS = 30.0
SAMPLE_EVERY = 0.2
DUE = 1_000


def rss_tree_mb(pid: int) -> float:
    """Resident memory of `pid` and every descendant, in MB (from /proc)."""
    return sum(_rss_kb(p) for p in _tree(pid)) / 1024


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(status.parent.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_memory(stored: int, seconds: float = DEFAULT_SAMPLE_SECONDS) -> dict[str, Any]:
    """Seed `stored` triggers (1,000 due), start web, worker and beat, and sample their memory."""
    now = datetime.now(UTC).replace(microsecond=0)
    with private_stack() as stack, procs.group() as (started, folder):
        seed(stack.engine, stored, DUE, now, hourly_schedule(now))
        env = stack.env()
        port = free_port()
        web = procs.start("web", procs.schedulebot(["web", "--port", str(port)]), env, folder)
        started.append(web)
        started.append(procs.start_ready("worker", "worker", procs.schedulebot(["worker"]), env, folder))
        started.append(procs.start_ready("beat", "beat", procs.schedulebot(["beat"]), env, folder))
        _wait_healthy(f"http://127.0.0.1:{port}", web)
        peaks = _sample(started, seconds)
    return {"memory_peak_mb": {name: round(mb, 1) for name, mb in peaks.items()}, "memory_stored": stored}


def _sample(started: list[procs.Proc], seconds: float) -> dict[str, float]:
    peaks = {proc.name: 0.0 for proc in started}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in started:
            peaks[proc.name] = max(peaks[proc.name], rss_tree_mb(proc.pid))
        time.sleep(SAMPLE_EVERY)
    return peaks
