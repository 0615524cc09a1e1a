"""Repeats until done are ordinary runs: the finishing statement queues the next, Done stops them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.claims import claim_due
from storage.db import transaction
from storage.models import Run, RunState
from storage.untildone import mark_done
from tasks import runstate
from tasks.messages import DONE_ACTION, run_message
from tasks.runstate import RunView
from tests.tasks.factories import add_trigger, once

LEASE = timedelta(minutes=5)
HOUR = 3600


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    with runstate.connect(engine) as connection:
        yield connection


def _reminder(sessions: sessionmaker[Session], **nag: object) -> tuple[int, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    until_done = {"every": HOUR, "max": 20, "escalate_to": None, "escalate_after": None, **nag}
    trigger = add_trigger(sessions, once(now), payload={"text": "file the expense report", "until_done": until_done})
    return trigger.id, now


def _started(db: Connection, run_id: int, now: datetime) -> RunView:
    view = runstate.load(db, run_id)
    assert view is not None
    started = runstate.start(db, view, now=now, running_lease=LEASE)
    assert started is not None
    return started


def _post(db: Connection, run_id: int, now: datetime, ts: str) -> RunView:
    started = _started(db, run_id, now)
    assert runstate.finish(db, started, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts=ts)
    return started


def _runs(sessions: sessionmaker[Session]) -> list[Run]:
    with sessions() as session:
        return list(session.scalars(select(Run).order_by(Run.due_at)))


def test_each_post_queues_the_next_repeat_in_its_thread_once(sessions: sessionmaker[Session], db: Connection) -> None:
    _, now = _reminder(sessions)
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    first = _post(db, claimed.run_id, now, "100.1")
    assert [b["action_id"] for b in run_message(first, "x").blocks[1]["elements"]][-1] == DONE_ACTION
    [_, repeat] = _runs(sessions)
    assert (repeat.repeat_of, repeat.kind, repeat.state) == (first.run_id, "repeat", "queued")
    assert repeat.due_at == now + timedelta(hours=1) and repeat.enqueued_at == repeat.due_at
    view = _started(db, repeat.id, now + timedelta(hours=1))
    message = run_message(view, "file the expense report")
    assert message.thread_ts == "100.1"
    assert message.text == "Still not done (reminder 2 of 21): file the expense report"
    assert runstate.finish(db, view, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="100.2")
    assert not runstate.finish(db, view, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="100.2")
    dues = [r.due_at - now for r in _runs(sessions)]
    assert dues == [timedelta(0), timedelta(hours=1), timedelta(hours=2)], "one next repeat, not two"


def test_repeats_stop_after_the_most_allowed(sessions: sessionmaker[Session], db: Connection) -> None:
    _, now = _reminder(sessions, max=2)
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    _post(db, claimed.run_id, now, "1.1")
    for n in (1, 2):
        _post(db, _runs(sessions)[n].id, now, f"1.{n + 1}")
    assert len(_runs(sessions)) == 3


def test_done_releases_queued_repeats_and_a_repeat_loaded_before_it_is_refused(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger_id, now = _reminder(sessions)
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    _post(db, claimed.run_id, now, "1.1")
    repeat_id = _runs(sessions)[1].id
    loaded = runstate.load(db, repeat_id)  # a worker read the repeat, then Done was pressed
    with transaction(sessions) as session:
        won = mark_done(
            session, team_id="T1", trigger_id=trigger_id, first_run_id=claimed.run_id, user_id="UBO", now=now
        )
    assert won.won and won.released == 1
    assert loaded is not None and runstate.start(db, loaded, now=now, running_lease=LEASE) is None
    with transaction(sessions) as session:
        late = mark_done(
            session, team_id="T1", trigger_id=trigger_id, first_run_id=claimed.run_id, user_id="UCY", now=now
        )
    assert (late.won, late.done_by) == (False, "UBO")
    assert [(r.state, r.error) for r in _runs(sessions)] == [("succeeded", None), ("skipped", "marked done")]


def test_a_repeat_queued_after_done_is_released_not_started(sessions: sessionmaker[Session], db: Connection) -> None:
    trigger_id, now = _reminder(sessions)
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    first = _started(db, claimed.run_id, now)
    with transaction(sessions) as session:  # Done pressed while the first post is finishing
        mark_done(session, team_id="T1", trigger_id=trigger_id, first_run_id=claimed.run_id, user_id="UBO", now=now)
    assert runstate.finish(db, first, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    assert len(_runs(sessions)) == 1, "no repeat of a reminder already done"


def test_the_first_repeat_past_the_escalation_time_mentions_the_lead_once(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    _, now = _reminder(sessions, escalate_to="ULEAD", escalate_after=2 * HOUR, max=4)
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    texts = [run_message(_post(db, claimed.run_id, now, "1.1"), "file it").text]
    for n in range(1, 5):
        texts.append(run_message(_post(db, _runs(sessions)[n].id, now, f"1.{n + 1}"), "file it").text)
    escalations = [t for t in texts if "<@ULEAD>" in t]
    assert escalations == ["<@ULEAD>, this is still not done after 2 hours: file it"]
    assert texts.index(escalations[0]) == 2
