"""A batch reads its runs in one statement; a run that cannot be read spoils nothing for the others.

fire_runs runs in this process (the task called directly) on the test's own database, Redis db and stand-in.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import load_settings
from schedulebot.standin import SlackStandIn
from storage.claims import claim_due
from storage.models import Trigger
from tasks.app import FIRE_RUNS_TASK, create_app
from tests.tasks.conftest import BOT_TOKEN, QUICK_RETRIES, run_ids, runs
from tests.tasks.factories import add_trigger, once


def _claimed(sessions: sessionmaker[Session], channels: list[str]) -> list[int]:
    now = datetime.now(UTC).replace(microsecond=0)
    for channel in channels:
        add_trigger(sessions, once(now), channel=channel, text=f"hello {channel}")
    return sorted(c.run_id for c in claim_due(sessions, now=now, horizon=now + timedelta(seconds=1)))


def _fire_batch(engine: Engine, redis_url: str, standin: SlackStandIn, ids: list[int], **env: str) -> None:
    """Run fire_runs here on `ids`, with the test's database, Redis db and stand-in, and any other `env` settings."""
    settings = load_settings(
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        REDIS_URL=redis_url,
        SLACK_API_URL=standin.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        **env,
    )
    app = create_app(settings, QUICK_RETRIES)
    try:
        app.tasks[FIRE_RUNS_TASK](ids)
    finally:
        app._schedulebot_runtime.close()  # type: ignore[attr-defined]


def test_a_batch_posts_each_of_its_runs_once(
    engine: Engine, sessions: sessionmaker[Session], redis_url: str, standin: SlackStandIn
) -> None:
    ids = _claimed(sessions, ["C1", "C2", "C3", "C4"])
    _fire_batch(engine, redis_url, standin, ids)
    assert sorted(run_ids(standin.posts())) == ids
    assert [r.state for r in runs(sessions)] == ["succeeded"] * 4


def test_a_run_that_cannot_be_read_fails_alone_and_the_rest_of_its_batch_posts(
    engine: Engine,
    sessions: sessionmaker[Session],
    redis_url: str,
    standin: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = _claimed(sessions, ["C1", "C2", "C3"])
    poisoned = runs(sessions)[1]
    with engine.begin() as conn:  # a payload no run can be built from: a list, not an object
        conn.execute(update(Trigger).where(Trigger.id == poisoned.trigger_id).values(payload=text("'[1]'")))
    with caplog.at_level(logging.INFO):
        _fire_batch(engine, redis_url, standin, ids)
    assert sorted(run_ids(standin.posts())) == [i for i in ids if i != poisoned.id]
    assert "could not read them together" in caplog.text
    assert f"run {poisoned.id}: firing failed" in caplog.text
