"""Fixtures for firing tests: a stand-in Slack, real worker/beat processes, and ways to wait on state."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import Call, SlackStandIn
from storage.models import Run
from tests.tasks.processes import Processes

BOT_TOKEN = "xoxb-firing-tests"
T = TypeVar("T")


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def firing_env(engine: Engine, redis_url: str, standin: SlackStandIn) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": redis_url,
        "SLACK_API_URL": standin.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SCHEDULEBOT_TICK_SECONDS": "1",
        "SCHEDULEBOT_WEBHOOK_ALLOWLIST": "127.0.0.2",
    }


@pytest.fixture
def procs(firing_env: dict[str, str], tmp_path: Path) -> Iterator[Processes]:
    processes = Processes(firing_env, tmp_path)
    try:
        yield processes
    finally:
        processes.kill_all()


def wait_until(probe: Callable[[], T], *, timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s (last: {value!r})")
        time.sleep(interval)


def runs(sessions: sessionmaker[Session]) -> list[Run]:
    with sessions() as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def all_finished(sessions: sessionmaker[Session], expected: int) -> Callable[[], bool]:
    def probe() -> bool:
        found = runs(sessions)
        return len(found) >= expected and all(r.state in ("succeeded", "failed", "skipped") for r in found)

    return probe


def run_ids(posts: list[Call]) -> list[int]:
    """The run id each post carries in its metadata (failure notices included)."""
    return [int(p.metadata["event_payload"]["run_id"]) for p in posts if p.metadata]
