"""A save that falls due before the next tick is claimed and lands in the real Redis queue at once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.claims import FIRE_RUN_TASK
from storage.db import transaction
from storage.models import Run
from tests.bot.conftest import Served, Slack, make_settings, serve, text_of

# Celery's default queue is a Redis list of this name.
QUEUE = "celery"


@pytest.fixture
def served_with_redis(standin: SlackStandIn, engine: Engine, database_url: str, redis_url: str) -> Iterator[Served]:
    # Run now twice in a row is what these tests press: no rate limit (SCHEDULEBOT_RUN_NOW_SECONDS=0).
    settings = make_settings(
        database_url, standin.api_url, redis_url, SCHEDULEBOT_TICK_SECONDS=300, SCHEDULEBOT_RUN_NOW_SECONDS=0
    )
    yield from serve(settings, engine)


@pytest.fixture
def queued(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def _tasks(client: redis.Redis) -> list[dict]:
    return [json.loads(raw) for raw in client.lrange(QUEUE, 0, -1)]


def _runs(db: sessionmaker[Session]) -> list[Run]:
    with transaction(db) as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def test_a_trigger_due_before_the_next_tick_is_enqueued_at_once(
    standin: SlackStandIn, served_with_redis: Served, queued: redis.Redis, sessions: sessionmaker[Session]
) -> None:
    slack = Slack(standin, served_with_redis.url)
    assert "Scheduled *#1*" in text_of(slack.command("to stand up in 2 minutes"))
    assert "Scheduled *#2*" in text_of(slack.command("to retro tomorrow at 9am"))
    (task,) = _tasks(queued)
    (run,) = _runs(sessions)
    assert task["headers"]["task"] == FIRE_RUN_TASK and task["headers"]["id"] == f"run-{run.id}"
    assert task["headers"]["eta"] is not None
    assert run.state == "queued" and run.kind == "scheduled"


def test_run_now_is_claimed_and_enqueued(
    standin: SlackStandIn, served_with_redis: Served, queued: redis.Redis, sessions: sessionmaker[Session]
) -> None:
    slack = Slack(standin, served_with_redis.url)
    slack.command("to retro tomorrow at 9am")
    assert queued.llen(QUEUE) == 0
    assert "Running *#1* now" in text_of(slack.command("run 1"))
    assert "Running *#1* now" in text_of(slack.press("schedulebot.run", "1"))  # type: ignore[arg-type]
    assert queued.llen(QUEUE) == 2
    assert [r.kind for r in _runs(sessions)] == ["manual", "manual"]


def test_with_the_broker_down_the_run_stays_claimed_for_the_tick(slack: Slack, sessions: sessionmaker[Session]) -> None:
    assert "Running *#1* now" not in text_of(slack.command("run 1"))
    slack.command("to retro tomorrow at 9am")
    assert "Running *#1* now" in text_of(slack.command("run 1"))
    (run,) = _runs(sessions)
    assert run.state == "queued"
