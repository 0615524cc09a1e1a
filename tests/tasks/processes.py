"""Real worker and beat processes for firing tests; every one is SIGKILLed at teardown, pass or fail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO_ROOT

APP = "tests.tasks.fastapp"
CELERY = str(Path(sys.executable).with_name("celery"))
READY_TIMEOUT = 30.0


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**env, "PYTHONPATH": str(REPO_ROOT)}
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def worker(self, name: str, *, concurrency: int = 2, wait: bool = True) -> subprocess.Popen[bytes]:
        args = ["worker", "-n", f"{name}@%h", "--pool=prefork", f"--concurrency={concurrency}", "--loglevel=INFO"]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        process = self._start(name, args)
        if wait:
            self.wait_for_line(name, "ready.")
        return process

    def beat(self, name: str = "beat") -> subprocess.Popen[bytes]:
        process = self._start(name, self._beat_args(name))
        self.wait_for_line(name, "beat: Starting")
        return process

    def start(self, *, workers: list[str], beat: bool = False, beats: int = 0) -> None:
        """Start workers and beats side by side, then wait until all are up."""
        names = [(name, "ready.") for name in workers]
        for name in workers:
            self.worker(name, wait=False)
        for n in range(beats or int(beat)):
            self._start(f"beat{n}", self._beat_args(f"beat{n}"))
            names.append((f"beat{n}", "beat: Starting"))
        for name, needle in names:
            self.wait_for_line(name, needle)

    def _beat_args(self, name: str) -> list[str]:
        return ["beat", "--loglevel=INFO", "--schedule", str(self.logs / f"{name}-schedule")]

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and its pool children at once, as an OOM killer or a lost machine would."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self) -> None:
        for process in self.running:
            self.kill(process)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [CELERY, "-A", APP, *args],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        self.running.append(process)
        return process

    def wait_for_line(self, name: str, needle: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while needle not in self.log(name):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not start within {READY_TIMEOUT}s:\n{self.log(name)[-3000:]}")
            time.sleep(0.05)
