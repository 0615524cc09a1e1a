"""The workspace's numbering lock is asked for once per transaction (the quota check, then the insert), and is
held all the same: another transaction cannot take it until the first ends; a rolled-back savepoint asks again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from storage import policy
from storage.db import make_engine, session_factory, transaction
from storage.events import repository as events
from storage.migrate import upgrade
from storage.repository import NUMBERS_LOCK_SPACE, create_trigger
from tests.services import postgres_database

AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
LOCK = "pg_advisory_xact_lock"
EVENTS_AT_ONCE = 12


@pytest.fixture
def pg() -> Iterator[Engine]:
    with postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


def _asked(engine: Engine) -> list[str]:
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    return statements


def _add(session: object, number_text: str) -> None:
    create_trigger(session, team_id="T1", channel_id="C1", creator_id="U1", schedule="{}",  # type: ignore[arg-type]
                   zone="UTC", next_run_at=AT, payload={"text": number_text})  # fmt: skip


def _taken_elsewhere(engine: Engine) -> bool:
    with engine.connect() as other:
        query = text("SELECT pg_try_advisory_xact_lock(:space, hashtext('T1'))")
        return not other.execute(query, {"space": NUMBERS_LOCK_SPACE}).scalar_one()


def test_a_save_asks_for_the_lock_once_and_holds_it_until_commit(pg: Engine) -> None:
    statements = _asked(pg)
    with transaction(session_factory(pg)) as session:
        policy.lock_for_quota(session, team_id="T1")
        _add(session, "one")
        _add(session, "two")
        assert _taken_elsewhere(pg)
    assert sum(LOCK in s for s in statements) == 1
    assert not _taken_elsewhere(pg)
    with transaction(session_factory(pg)) as session:  # a new transaction asks again
        _add(session, "three")
    assert sum(LOCK in s for s in statements) == 2


def test_a_lock_taken_in_a_rolled_back_savepoint_is_asked_for_again(pg: Engine) -> None:
    statements = _asked(pg)
    with transaction(session_factory(pg)) as session:
        savepoint = session.begin_nested()
        policy.lock_for_quota(session, team_id="T1")
        savepoint.rollback()  # releases what the savepoint took
        _add(session, "one")
        assert _taken_elsewhere(pg)
    assert sum(LOCK in s for s in statements) == 2


def test_events_saved_at_the_same_moment_each_take_the_next_number(pg: Engine) -> None:
    """Events took max + 1 and tried again on a clash, five times: of twelve saved at once, some lost every try."""
    sessions = session_factory(pg)
    start = threading.Barrier(EVENTS_AT_ONCE)

    def save(n: int) -> int:
        with transaction(sessions) as session:
            start.wait()
            made = events.create_event(session, team_id="T1", channel_id="C1", creator_id="U1", title=f"Review {n}",
                                       starts_at=AT, ends_at=AT + timedelta(hours=1), zone="UTC", remind_seconds=[],
                                       now=AT - timedelta(days=1))  # fmt: skip
            time.sleep(0.05)  # hold the transaction open, as a save that goes on to write its triggers does
            return made.number

    with ThreadPoolExecutor(EVENTS_AT_ONCE) as pool:
        numbers = sorted(pool.map(save, range(EVENTS_AT_ONCE)))
    assert numbers == list(range(1, EVENTS_AT_ONCE + 1))
