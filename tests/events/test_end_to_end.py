"""End to end: `/event add` over signed HTTP, a real beat and worker on Redis, the stand-in Slack.

An event starting two minutes out, lasting one minute, reminding one minute before, posts its
reminder, its start and its end, each once and within a second or so of its due second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import Call, SlackStandIn
from storage.db import transaction
from storage.events import repository as events
from storage.models import Run
from tests.bot.conftest import BOT_TOKEN, Served, Slack, make_settings, serve, text_of
from tests.tasks.conftest import wait_until
from tests.tasks.processes import Processes

# How late a post may land after its due second: the tick's look-ahead puts it on an ETA.
ON_TIME = 1.5


@pytest.fixture
def served_with_redis(standin: SlackStandIn, engine: Engine, database_url: str, redis_url: str) -> Iterator[Served]:
    settings = make_settings(database_url, standin.api_url, redis_url, SCHEDULEBOT_TICK_SECONDS="1")
    yield from serve(settings, engine)


@pytest.fixture
def workers(engine: Engine, redis_url: str, standin: SlackStandIn, tmp_path: Path) -> Iterator[Processes]:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": redis_url,
        "SLACK_API_URL": standin.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SCHEDULEBOT_TICK_SECONDS": "1",
    }
    processes = Processes(env, tmp_path)
    try:
        processes.worker("events-worker")
        processes.beat()
        yield processes
    finally:
        processes.kill_all()


def _event_posts(standin: SlackStandIn) -> dict[str, list[Call]]:
    posts = standin.posts(channel="C1")
    return {
        word: [p for p in posts if word in text_of(p)]
        for word in ("Reminder:", "has started", "has ended", "event #1 ·")
    }


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_reminder_start_and_end_each_post_once_on_time(
    standin: SlackStandIn, served_with_redis: Served, workers: Processes, sessions: sessionmaker[Session]
) -> None:
    slack = Slack(standin, served_with_redis.url)
    key = "e2e"
    url = standin.response_url(key, channel="C1", user="U1", team_id="T1")
    text = 'add "Deploy window" in 2 minutes for 1m remind 1m before'
    slack.sender.command(command="/event", text=text, user_id="U1", channel_id="C1", team_id="T1", response_url=url)
    assert "Event added" in text_of(slack.reply_to(key))
    with transaction(sessions) as session:
        event = events.get_event(session, team_id="T1", number=1)
    due = {
        "Reminder:": event.starts_at - timedelta(minutes=1),
        "has started": event.starts_at,
        "has ended": event.ends_at,
    }
    standin.wait_for(lambda calls: bool(_event_posts(standin)["has ended"]), timeout=240)
    # Every run recorded as finished: nothing is left that could still post a duplicate.
    wait_until(lambda: not _unfinished_runs(sessions), timeout=30, what="every event run finished")
    found = _event_posts(standin)
    assert len(found["event #1 ·"]) == 1, "one announcement"
    for word, at in due.items():
        assert len(found[word]) == 1, f"{word} posted {len(found[word])} times"
        late = found[word][0].received_wall - at.timestamp()
        assert -0.5 <= late <= ON_TIME, f"{word} posted {late:.2f}s after its due second"
    updates = [c for c in standin.calls("chat.update") if c.params.get("ts") == event.announcement_ts]
    assert "completed" in text_of(updates[-1])
    with transaction(sessions) as session:
        states = [t.to_state for t in events.list_transitions(session, team_id="T1", event_id=event.id)]
    assert states == ["scheduled", "ongoing", "completed"]
    slack.sender.close()


def _unfinished_runs(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        query = select(func.count()).select_from(Run).where(Run.state.in_(("queued", "running")))
        return int(session.scalar(query) or 0)
