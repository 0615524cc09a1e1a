"""A bounded backlog behind the acks: past SCHEDULEBOT_WEB_QUEUE a slash command is refused busy at once, in its
ack, and nothing of it is saved; the commands taken are all confirmed; other work is never refused."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bot.backlog import BUSY, ListenerPool
from schedulebot.config import ConfigError, load_settings
from schedulebot.standin import SignedSender, SlackStandIn
from schedulebot.standin.records import RESPONSE_URL_METHOD
from storage.models import AuditEntry, Run, Trigger
from storage.repository import NUMBERS_LOCK_SPACE
from tests.bot.conftest import REPLY_TIMEOUT, SIGNING_SECRET, Served, make_settings, serve
from tests.bot.fuzz_judge import judge_reply

BOUND = 2
ADD = "to check the deploy every weekday at 9:30am"


@pytest.fixture
def bounded(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    yield from serve(make_settings(database_url, standin.api_url, SCHEDULEBOT_WEB_QUEUE=str(BOUND)), engine)


@contextmanager
def saves_held(engine: Engine, team_id: str) -> Iterator[None]:
    """Every save in the workspace waits until the block ends: SQLite's write lock, PostgreSQL's numbering lock."""
    with engine.begin() as conn:  # on SQLite, BEGIN IMMEDIATE: the write lock
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:team))"),
                         {"space": NUMBERS_LOCK_SPACE, "team": team_id})  # fmt: skip
        yield


def command(sender: SignedSender, standin: SlackStandIn, words: str) -> tuple[str, requests.Response]:
    key = uuid.uuid4().hex
    url = standin.response_url(key, channel="C1", user="U1", team_id="T1")
    return key, sender.command(text=words, user_id="U1", channel_id="C1", team_id="T1", response_url=url)


def ack_text(response: requests.Response) -> str | None:
    return json.loads(response.content).get("text") if response.content else None


def replies(standin: SlackStandIn, keys: list[str]) -> dict[str, str]:
    calls = standin.wait_for(lambda calls: {c.key for c in calls} >= set(keys), timeout=REPLY_TIMEOUT)
    return {c.key: c.text for c in calls if c.method == RESPONSE_URL_METHOD and c.key in keys}


def wait_until(condition: Callable[[], bool], timeout: float = REPLY_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_past_the_bound_commands_are_refused_at_once_and_nothing_of_them_is_saved(
    standin: SlackStandIn, bounded: Served, engine: Engine
) -> None:
    sender = SignedSender(f"{bounded.url}/slack/events", SIGNING_SECRET, standin=standin)
    first, _ = command(sender, standin, ADD)  # warms the person's profile and channels
    assert replies(standin, [first])[first].startswith("Scheduled #1")
    with saves_held(engine, "T1"):
        sent = [command(sender, standin, ADD) for _ in range(BOUND + 4)]
        event_command = sender.command(command="/event", text="list", user_id="U1", channel_id="C1", team_id="T1")
        mention = sender.app_mention("list", user="U1", channel="C1", team_id="T1")
        # Answered while the first BOUND still wait for the lock: the refusal does not wait for the work.
        assert [r.status_code for _, r in sent] == [200] * len(sent) and mention.status_code == 200
        assert [ack_text(r) for _, r in sent] == [None] * BOUND + [BUSY] * 4
        assert all(json.loads(r.content)["response_type"] == "ephemeral" for _, r in sent[BOUND:])
        assert ack_text(event_command) == BUSY  # every slash command, /event too
    taken = [key for key, _ in sent[:BOUND]]
    confirmed = replies(standin, taken)
    assert sorted(reply.split(":")[0] for reply in confirmed.values()) == ["Scheduled #2", "Scheduled #3"]
    standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls), timeout=REPLY_TIMEOUT)
    refused = {key for key, _ in sent[BOUND:]}
    assert not [c for c in standin.calls(RESPONSE_URL_METHOD) if c.key in refused]  # never run
    assert count(engine, Trigger) == 1 + BOUND and count(engine, AuditEntry) == 1 + BOUND
    assert count(engine, Run) == 0
    pool = bounded.bot.app.listener_runner.listener_executor
    assert isinstance(pool, ListenerPool) and pool.bound == BOUND
    assert wait_until(lambda: pool.backlog == 0), f"{pool.backlog} places still taken after the work ended"
    again, response = command(sender, standin, ADD)  # the places came back
    assert ack_text(response) is None and replies(standin, [again])[again].startswith(f"Scheduled #{2 + BOUND}")
    sender.close()


def test_the_busy_reply_is_a_clear_refusal_to_the_fuzz_judge() -> None:
    assert judge_reply(BUSY) is None
    assert "nothing was saved" in BUSY and "again in a moment" in BUSY


def test_places_are_never_given_past_the_bound_and_come_back_when_the_work_ends() -> None:
    pool = ListenerPool(bound=3, threads=2)
    gate = threading.Event()
    try:
        admitted = [pool.admit() for _ in range(5)]
        assert admitted == [True, True, True, False, False] and pool.backlog == 3
        futures = [pool.submit(gate.wait) for _ in range(3)]
        exempt = pool.submit(gate.wait)  # a button press or an event: never refused, but counted
        assert pool.backlog == 4 and not pool.admit()
        gate.set()
        for future in [*futures, exempt]:
            future.result(timeout=5)
        assert pool.backlog == 0 and pool.admit()
    finally:
        gate.set()
        pool.shutdown(wait=True)


def test_concurrent_requests_never_take_more_places_than_the_bound() -> None:
    pool = ListenerPool(bound=7)
    start = threading.Barrier(20)
    taken: list[bool] = []
    lock = threading.Lock()

    def ask() -> None:
        start.wait()
        for _ in range(50):
            answer = pool.admit()
            with lock:
                taken.append(answer)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 7 and pool.backlog == 7
    pool.shutdown()


@pytest.mark.parametrize("value", ["0", "-3", "lots"])
def test_a_bad_bound_names_the_setting(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SCHEDULEBOT_WEB_QUEUE", value)
    with pytest.raises(ConfigError, match=r"^SCHEDULEBOT_WEB_QUEUE: "):
        load_settings()
