"""A private `redis-server` on its own free port, owned by the run that started it, so it can be really restarted.

The machine's Redis is shared with other runs and tests; this one is not, so killing it and starting it
again empty (no RDB, no AOF) is what a broker restarted without persistence does to a deployment.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from schedulebot.bench.ack import free_port

# Long enough for a loaded machine to start redis-server.
DEFAULT_START_TIMEOUT = 20.0


class NoRedisServer(Exception):
    """redis-server is not installed or did not start; the message says which."""


@dataclass
class RedisServer:
    folder: Path
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise NoRedisServer("redis-server is not installed (apt-get install redis-server)")
        self.starts += 1
        log = (self.folder / f"redis-{self.starts}.log").open("ab")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.popen = subprocess.Popen([*args, "--dir", str(self.folder)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()

    def kill(self) -> None:
        """SIGKILL: whatever the server held in memory is gone, as in a crash or a container replaced."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait()

    def restart_empty(self) -> tuple[str, str, int]:
        """Kill and start again on the same port; (run id before, run id after, keys held before)."""
        before, keys = self.run_id(), self.keys()
        self.kill()
        self.start()
        return before, self.run_id(), keys

    def run_id(self) -> str:
        with self._client() as client:
            return str(client.info("server")["run_id"])

    def keys(self) -> int:
        with self._client() as client:
            return int(client.dbsize())

    def _client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + DEFAULT_START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with self._client() as client:
                    client.ping()
                    return
            except redis.ConnectionError:
                if self.popen is not None and self.popen.poll() is not None:
                    break
                time.sleep(0.05)
        raise NoRedisServer(f"redis-server on port {self.port} did not answer within {DEFAULT_START_TIMEOUT}s")


@contextmanager
def private_redis() -> Iterator[RedisServer]:
    """A redis-server of this run's own, killed (and its folder removed) afterwards."""
    with tempfile.TemporaryDirectory(prefix="sbredis-") as folder:
        server = RedisServer(Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.kill()
