"""Peak memory of web, worker and beat with N stored triggers; the worker per process (main and each pool child).

RSS counts every page a process has mapped, so the pages a pool child still shares with the worker's main
process (copy-on-write since the fork) are counted once per process in a sum of RSS. PSS divides each shared
page among the processes sharing it, so the sum of PSS is what the worker really costs the machine; USS is
what a process holds alone (its private pages). All three come from /proc/PID/smaps_rollup.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from schedulebot.bench import procs
from schedulebot.bench.ack import _wait_healthy, free_port
from schedulebot.bench.seed import hourly_schedule, seed
from schedulebot.bench.stack import private_stack

# Long enough for several ticks (the private stack ticks every 5 s) to claim and fire.
DEFAULT_SAMPLE_SECONDS = 30.0
SAMPLE_EVERY = 0.2
DUE = 1_000
# How long the count of rows read waits for the stopped processes' database connections to end.
BACKENDS_GONE_SECONDS = 10.0
# What smaps_rollup calls each figure (kB), by the name the results use.
FIGURES = {"rss_mb": ("Rss",), "pss_mb": ("Pss",), "uss_mb": ("Private_Clean", "Private_Dirty")}
# Celery's banner: " .> concurrency: 4 (prefork)".
CONCURRENCY_LINE = re.compile(r"concurrency: (\d+)")
MEASURE_NOTE = (
    "worker_rss_mb: the peak, over the sample, of the sum of VmRSS over the worker's main process and its pool "
    "processes (pages shared since the fork are counted in each process). Per process: peak RSS, PSS (shared "
    "pages divided among the sharers) and USS (private pages) from /proc/PID/smaps_rollup; total_pss_mb is what "
    "the worker costs the machine."
)


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


def process_memory_mb(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of one process in MB; empty if it is gone."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    except OSError:
        return {}
    kb = {name: int(value.split()[0]) for name, value in (line.split(":", 1) for line in lines)}
    return {figure: sum(kb.get(name, 0) for name in names) / 1024 for figure, names in FIGURES.items()}


@dataclass
class WorkerPeaks:
    """The worker's peaks over a sample: each process's own, and the peak of each sum over the processes."""

    main_pid: int
    each: dict[int, dict[str, float]] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)

    def sample(self) -> None:
        now = {pid: process_memory_mb(pid) for pid in _tree(self.main_pid)}
        for pid, figures in now.items():
            peaks = self.each.setdefault(pid, {})
            for name, value in figures.items():
                peaks[name] = max(peaks.get(name, 0.0), value)
        for name in FIGURES:
            total = sum(figures.get(name, 0.0) for figures in now.values())
            self.totals[name] = max(self.totals.get(name, 0.0), total)

    def detail(self) -> dict[str, Any]:
        pool = [self._rounded(pid) for pid in sorted(self.each) if pid != self.main_pid]
        return {
            "main": self._rounded(self.main_pid),
            "pool": pool,
            **{f"total_{name}": round(value, 1) for name, value in self.totals.items()},
        }

    def _rounded(self, pid: int) -> dict[str, float]:
        return {name: round(value, 1) for name, value in self.each.get(pid, {}).items()}


def run_memory(stored: int, seconds: float = DEFAULT_SAMPLE_SECONDS, due: int = DUE) -> dict[str, Any]:
    """Seed `stored` triggers (`due` of them due), start web, worker and beat, and sample their memory.

    Also counts the rows of the triggers table read while they ran (PostgreSQL's own counters): the tick and
    the firing read the due triggers, never every stored one.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    with private_stack() as stack, procs.group() as (started, folder):
        seed(stack.engine, stored, min(due, stored), now, hourly_schedule(now))
        read_before = triggers_rows_read(stack.engine)
        env = stack.env()
        port = free_port()
        for name in ("web", "worker", "beat"):
            args = ["web", "--port", str(port)] if name == "web" else [name]
            started.append(procs.start(name, procs.schedulebot(args), env, folder))  # stopped even if not ready
        for proc in started:
            proc.wait_for(procs.READY_LINES[proc.name])
        _wait_healthy(f"http://127.0.0.1:{port}", started[0])
        peaks, worker = _sample(started, seconds)
        for proc in reversed(started):
            proc.stop()  # a backend that exits reports its counters
        rows_read = triggers_rows_read(stack.engine, settle=BACKENDS_GONE_SECONDS) - read_before
    detail = {**worker.detail(), "triggers_rows_read": rows_read, "due": min(due, stored)}
    return {
        "memory_peak_mb": {name: round(mb, 1) for name, mb in peaks.items()},
        "memory_stored": stored,
        "worker": detail,
        "concurrency": _concurrency(started[1].output(), len(detail["pool"])),
    }


def run_worker_memory(
    sizes: tuple[int, ...], seconds: float = DEFAULT_SAMPLE_SECONDS, due: int = DUE
) -> dict[str, Any]:
    """`worker_rss_mb` and `worker_rss_detail` at each stored count; web, worker and beat at the largest."""
    found: dict[str, Any] = {"worker_rss_mb": {}, "worker_rss_detail": {"measure": MEASURE_NOTE, "sizes": {}}}
    for stored in sizes:
        run = run_memory(stored, seconds, due)
        found["worker_rss_mb"][str(stored)] = run["worker"]["total_rss_mb"]
        found["worker_rss_detail"]["sizes"][str(stored)] = run["worker"]
        found["worker_rss_detail"]["concurrency"] = run["concurrency"]
        found["worker_rss_detail"]["sample_seconds"] = seconds
        found["memory_peak_mb"], found["memory_stored"] = run["memory_peak_mb"], run["memory_stored"]
    return found


def triggers_rows_read(engine: Engine, settle: float = 0.0) -> int:
    """Rows of the triggers table read so far: by sequential scans, and index entries read (PostgreSQL's statistics).

    A backend reports its counts when it ends, so with `settle` this first waits (up to that many seconds)
    for every other connection to this database to end.
    """
    others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    query = (
        "SELECT coalesce(t.seq_tup_read, 0) + (SELECT coalesce(sum(i.idx_tup_read), 0) FROM pg_stat_user_indexes i "
        "WHERE i.relid = t.relid) FROM pg_stat_user_tables t WHERE t.relname = 'triggers'"
    )
    deadline = time.monotonic() + settle
    engine.dispose()  # our own idle pooled connections would count as others
    with engine.connect() as conn:
        while conn.execute(text(others)).scalar_one() and time.monotonic() < deadline:
            time.sleep(SAMPLE_EVERY)
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        return int(conn.execute(text(query)).scalar_one())


def _concurrency(log: str, pool: int) -> int:
    found = CONCURRENCY_LINE.search(log)
    return int(found.group(1)) if found else pool


def _sample(started: list[procs.Proc], seconds: float) -> tuple[dict[str, float], WorkerPeaks]:
    peaks = {proc.name: 0.0 for proc in started}
    worker = WorkerPeaks(next(proc.pid for proc in started if proc.name == "worker"))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in started:
            peaks[proc.name] = max(peaks[proc.name], rss_tree_mb(proc.pid))
        worker.sample()
        time.sleep(SAMPLE_EVERY)
    return peaks, worker
