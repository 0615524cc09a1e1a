"""`make run`'s launch, end to end: real processes from the Procfile, the console over a pipe, a clean stop.

The machine has Redis, so REDIS_URL points at a closed port: this is the fresh-machine path, with
the embedded broker. SCHEDULEBOT_TICK_SECONDS is small so beat ticks often, as it would in a minute.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO_ROOT
from tests.run.ports import closed_port_url, free_port

SCHEDULEBOT = REPO_ROOT / ".venv" / "bin" / "schedulebot"
MARKER = "SCHEDULEBOT_SMOKE_MARKER"
# Variables of the developer's own setup that would change what the launcher chooses.
CLEARED = ("SLACK_", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "PROMETHEUS_MULTIPROC_DIR", "PORT")


@dataclass
class Launch:
    process: subprocess.Popen[str]
    port: int
    marker: str
    lines: list[str] = field(default_factory=list)
    _new: queue.Queue[str] = field(default_factory=queue.Queue)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (found := next((line for line in self.lines if text in line), None)) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                pytest.fail(f"no line with {text!r} within {timeout}s; output:\n" + "\n".join(self.lines))
            with contextlib.suppress(queue.Empty):
                self._new.get(timeout=min(remaining, 0.5))
        return found

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()


def wait_for_metric(launch: Launch, sample: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while sample not in (text := requests.get(f"http://127.0.0.1:{launch.port}/metrics", timeout=10).text):
        if time.monotonic() > deadline:
            pytest.fail(f"no {sample!r} in /metrics within {timeout}s:\n{text}")
        time.sleep(0.5)
    return text


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose environment carries the marker: the launcher and all it started."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    port = free_port()
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'schedulebot.db'}",
        REDIS_URL=closed_port_url(),
        SCHEDULEBOT_TICK_SECONDS="2",
        PORT=str(port),
        TZ="UTC",
        **{MARKER: marker},
    )
    command = [str(SCHEDULEBOT), "run", "--procfile", str(REPO_ROOT / "Procfile")]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, text=True, **pipes)
    running = Launch(process, port, marker)
    reader = threading.Thread(target=running.read, daemon=True)
    reader.start()
    try:
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        reader.join(timeout=10)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.mark.slow
def test_make_run_serves_the_console_posts_when_due_and_stops_cleanly(launch: Launch) -> None:
    launch.wait_for("database: sqlite:///", timeout=30)
    launch.wait_for("broker: sqla+sqlite:///", timeout=30)
    launch.wait_for("slack: local console (no SLACK_BOT_TOKEN)", timeout=30)
    launch.wait_for("console: you are", timeout=60)

    launch.type("/schedule to hello there in 1 minute")
    assert launch.process.stdin is not None
    launch.process.stdin.close()  # scripted use: end of input, and it keeps running
    launch.wait_for("(only you) ", timeout=20)
    launch.wait_for("console: end of input", timeout=20)

    health = requests.get(f"http://127.0.0.1:{launch.port}/healthz", timeout=10)
    assert health.status_code == 200, health.text
    assert health.json()["database"] == "ok" and health.json()["broker"] == "ok"

    posted = launch.wait_for("[#general] hello there", timeout=100)
    assert posted.startswith("[#general] hello there")
    # The worker records the run just after Slack has the post; web gathers every process's samples.
    metrics = wait_for_metric(launch, 'schedulebot_runs_total{outcome="succeeded"} 1.0')
    assert "schedulebot_run_lateness_seconds_count 1.0" in metrics
    assert "schedulebot_tick_duration_seconds_count" in metrics

    launch.process.send_signal(signal.SIGINT)
    assert launch.process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while processes_with(launch.marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(launch.marker) == [], "every process of the group stopped"
