"""The Procfile's flower: on this machine only, unless FLOWER_BASIC_AUTH puts Flower's own password in front."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from honcho.environ import parse_procfile

from tasks.flower import FlowerConfigError, flower_args
from tests.conftest import REPO_ROOT
from tests.run.ports import free_port

READY_TIMEOUT = 30.0
LISTEN = "0A"  # the TCP state /proc/net/tcp gives a listening socket


@pytest.mark.parametrize(
    ("environ", "address", "port"),
    [
        ({}, "127.0.0.1", "5555"),
        ({"FLOWER_PORT": "6000"}, "127.0.0.1", "6000"),
        ({"FLOWER_ADDRESS": "0.0.0.0"}, "127.0.0.1", "5555"),  # no password: still this machine only
        ({"FLOWER_BASIC_AUTH": "admin:pw"}, "0.0.0.0", "5555"),
        ({"FLOWER_BASIC_AUTH": "a:1,b:2", "FLOWER_ADDRESS": "10.0.0.4"}, "10.0.0.4", "5555"),
    ],
)
def test_flower_listens_beyond_this_machine_only_behind_a_password(
    environ: dict[str, str], address: str, port: str
) -> None:
    assert flower_args(environ)[-2:] == [f"--address={address}", f"--port={port}"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"FLOWER_BASIC_AUTH": "admin"}, "FLOWER_BASIC_AUTH"),
        ({"FLOWER_BASIC_AUTH": "admin:"}, "FLOWER_BASIC_AUTH"),
        ({"FLOWER_PORT": "http"}, "FLOWER_PORT"),
        ({"FLOWER_PORT": "70000"}, "FLOWER_PORT"),
    ],
)
def test_a_setting_flower_cannot_use_is_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(FlowerConfigError, match=f"^{named} must be .*{named}="):
        flower_args(environ)


def test_the_procfile_runs_flower_through_the_guard() -> None:
    assert parse_procfile((REPO_ROOT / "Procfile").read_text()).processes["flower"] == "schedulebot flower"


def _listening_addresses(port: int) -> set[str]:
    """The local addresses, as /proc/net/tcp writes them (hex), on which something listens on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(local.rsplit(":", 1)[0])
    return found


@pytest.fixture
def start_flower(redis_url: str, tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(**environ: str) -> int:
        port = free_port()
        env = {**os.environ, "REDIS_URL": redis_url, "FLOWER_PORT": str(port), "PYTHONPATH": str(REPO_ROOT)}
        env.pop("FLOWER_BASIC_AUTH", None)
        env.update(environ)
        command = [str(Path(sys.executable).with_name("schedulebot")), "flower"]
        with (tmp_path / f"flower-{port}.log").open("wb") as log:
            started.append(subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + READY_TIMEOUT
        while not _listening_addresses(port):
            assert started[-1].poll() is None, (tmp_path / f"flower-{port}.log").read_text()
            assert time.monotonic() < deadline, "flower did not listen in time"
            time.sleep(0.1)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the listening address from Linux's /proc")
def test_without_a_password_flower_listens_on_loopback_only(start_flower) -> None:  # type: ignore[no-untyped-def]
    port = start_flower()
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the listening address from Linux's /proc")
def test_with_a_password_flower_listens_everywhere_and_asks_for_it(start_flower) -> None:  # type: ignore[no-untyped-def]
    port = start_flower(FLOWER_BASIC_AUTH="admin:s3cret-flower")
    assert _listening_addresses(port) == {"00000000"}  # 0.0.0.0
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 401
    answer = requests.get(f"http://127.0.0.1:{port}/", auth=("admin", "s3cret-flower"), timeout=10)
    assert answer.status_code == 200
