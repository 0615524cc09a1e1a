"""Start the project's own processes (`schedulebot web|worker|beat|migrate`) as a benchmark needs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from schedulebot.bench.report import REPO_ROOT

# Long enough for a loaded 2-core machine to import Celery and Bolt.
DEFAULT_READY_TIMEOUT = 60.0
# A worker says this when it takes tasks; beat when its scheduler runs; gunicorn when it listens.
READY_LINES = {"worker": " ready.", "beat": "beat: Starting", "web": "Listening at"}
STOP_GRACE_SECONDS = 10.0


@dataclass
class Proc:
    """One started process with its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, text: str, timeout: float = DEFAULT_READY_TIMEOUT, *, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output()[after:]:
                return
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.output()[-2000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not print {text!r} within {timeout}s:\n{self.output()[-2000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process group, so a Celery worker's pool children go too (kill -9 a worker)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        self.kill(signal.SIGTERM)
        try:
            self.popen.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill(signal.SIGKILL)
            self.popen.wait()


def schedulebot(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "schedulebot.cli", *args]


def start(name: str, command: list[str], env: dict[str, str], folder: Path) -> Proc:
    """Start `command` in its own process group with `env` added to ours; output goes to folder/name.log."""
    log = folder / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Proc(name, popen, log)


def start_ready(name: str, kind: str, command: list[str], env: dict[str, str], folder: Path) -> Proc:
    proc = start(name, command, env, folder)
    proc.wait_for(READY_LINES[kind])
    return proc


@contextmanager
def group(prefix: str = "sbbench-") -> Iterator[tuple[list[Proc], Path]]:
    """A list to add processes to and a folder for their logs; every process is stopped on the way out."""
    procs: list[Proc] = []
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        try:
            yield procs, Path(folder)
        finally:
            for proc in reversed(procs):
                proc.stop()
