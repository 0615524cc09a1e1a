"""Fixtures for firing tests: a stand-in Slack, in-process runtimes, real worker/beat processes, and ways to wait
on state."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar

import pytest
import sqlalchemy
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import load_settings
from schedulebot.standin import Call, SlackStandIn
from storage.models import Run
from tasks.options import FiringOptions
from tasks.runtime import Runtime, build_runtime
from tasks.slack import SlackPoster
from tests.tasks.processes import Processes

BOT_TOKEN = "xoxb-firing-tests"
T = TypeVar("T")

# A Slack answer slower than http_timeout is a lost answer; retries come quickly and are not capped by time.
QUICK_RETRIES = FiringOptions(
    running_lease=timedelta(seconds=8),
    soft_time_limit=5,
    time_limit=6,
    http_timeout=0.5,
    channel_interval=0.0,
    backoff_base=0.2,
    backoff_cap=1.0,
    max_attempts=3,
    retry_window=timedelta(0),
)


class MakeRuntime(Protocol):
    def __call__(self, options: FiringOptions, **settings: object) -> Runtime: ...


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def make_runtime(engine: Engine, redis_url: str, standin: SlackStandIn) -> Iterator[MakeRuntime]:
    """In-process runtimes on this test's own database, Redis db and stand-in; each is closed after the test."""
    built: list[Runtime] = []

    def make(options: FiringOptions, **settings: object) -> Runtime:
        loaded = load_settings(
            DATABASE_URL=engine.url.render_as_string(hide_password=False),
            REDIS_URL=redis_url,
            SLACK_API_URL=standin.api_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            **settings,
        )
        built.append(build_runtime(loaded, options))
        return built[-1]

    yield make
    for runtime in built:
        runtime.close()


@pytest.fixture
def poster(standin: SlackStandIn) -> SlackPoster:
    """Slack's side of firing alone, on the stand-in, with no database of runs behind it."""
    settings = load_settings(SLACK_API_URL=standin.api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_CLIENT_ID=None)
    return SlackPoster(settings, sqlalchemy.create_engine("sqlite://"), timeout=5.0)


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


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL of every statement any engine in this process sends (the batch's runtime has its own engine)."""
    sent: list[str] = []

    def seen(conn: object, cursor: object, sql: str, *args: object) -> None:
        sent.append(" ".join(sql.split()))

    event.listen(Engine, "before_cursor_execute", seen)
    yield sent
    event.remove(Engine, "before_cursor_execute", seen)
