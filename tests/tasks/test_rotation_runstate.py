"""A rotation's turn moves only with the guarded run moves: pinned at the first start, passed at the finish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.claims import claim_due
from storage.db import transaction
from storage.models import Run, RunState
from storage.rotations import Turns, create_rotation, hand_on, read_turns, replace_turns
from tasks import runstate
from tasks.messages import HAND_ON_ACTION, run_message
from tests.tasks.factories import add_trigger, every

LEASE = timedelta(minutes=5)
MEMBERS = ("UANA", "UBO", "UCY")


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    with runstate.connect(engine) as connection:
        yield connection


def _rotating(sessions: sessionmaker[Session], *, every_run: bool = False) -> tuple[int, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    trigger = add_trigger(sessions, every(60, anchor=now), text="run the standup")
    with transaction(sessions) as session:
        create_rotation(session, trigger_id=trigger.id, members=MEMBERS, every_run=every_run)
    return trigger.id, now


def _claim(sessions: sessionmaker[Session], at: datetime) -> int:
    (claimed,) = claim_due(sessions, now=at, horizon=at + timedelta(seconds=1))
    return claimed.run_id


def _turn(sessions: sessionmaker[Session], trigger_id: int) -> int:
    with sessions() as session:
        turns = read_turns(session, trigger_id=trigger_id)
        assert turns is not None
        return turns.turn


def _post_and_finish(db: Connection, run_id: int, now: datetime, text: str = "run the standup") -> str:
    view = runstate.load(db, run_id)
    assert view is not None
    started = runstate.start(db, view, now=now, running_lease=LEASE)
    assert started is not None
    posted = run_message(started, text).text
    assert runstate.finish(db, started, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    return posted


def test_three_runs_name_three_people_in_order_and_the_turn_moves_once_each(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger_id, now = _rotating(sessions)
    texts = [_post_and_finish(db, _claim(sessions, now + timedelta(minutes=n)), now) for n in range(4)]
    assert texts == [
        "<@UANA>: run the standup",
        "<@UBO>: run the standup",
        "<@UCY>: run the standup",
        "<@UANA>: run the standup",
    ]
    assert _turn(sessions, trigger_id) == 4


def test_a_retried_attempt_names_the_same_person_and_a_duplicate_finish_moves_nothing(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger_id, now = _rotating(sessions)
    run_id = _claim(sessions, now)
    first = runstate.start(db, runstate.load(db, run_id), now=now, running_lease=LEASE)  # type: ignore[arg-type]
    assert first is not None and first.on_turn == "UANA"
    # The worker died mid-attempt; another takes the run over once the running lease has passed.
    later = now + LEASE + timedelta(seconds=1)
    taken = runstate.start(db, runstate.load(db, run_id), now=later, running_lease=LEASE)  # type: ignore[arg-type]
    assert taken is not None and taken.on_turn == "UANA" and taken.attempts == 2
    assert not runstate.finish(db, first, now=later, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    assert runstate.finish(db, taken, now=later, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    assert not runstate.finish(db, taken, now=later, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    assert _turn(sessions, trigger_id) == 1


def test_a_deferred_attempt_keeps_its_person_though_the_turn_moved_meanwhile(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger_id, now = _rotating(sessions)
    run_id = _claim(sessions, now)
    first = runstate.start(db, runstate.load(db, run_id), now=now, running_lease=LEASE)  # type: ignore[arg-type]
    assert first is not None
    assert runstate.defer(db, first, now=now, until=now, outcome="unavailable", error="503")
    with transaction(sessions) as session:  # `/schedule rotation N next @cy` between the attempts
        read = read_turns(session, trigger_id=trigger_id)
        assert read is not None
        assert replace_turns(session, trigger_id=trigger_id, read=read, new=Turns(MEMBERS, 2))
    retry = runstate.start(db, runstate.load(db, run_id), now=now, running_lease=LEASE)  # type: ignore[arg-type]
    assert retry is not None and retry.on_turn == "UANA"
    assert runstate.finish(db, retry, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    assert _turn(sessions, trigger_id) == 2, "the team's choice stands; the run does not move the turn past it"


@pytest.mark.parametrize(("every_run", "turn"), [(False, 0), (True, 1)])
def test_a_skipped_run_passes_the_turn_only_when_the_team_rotates_on_every_run(
    sessions: sessionmaker[Session], db: Connection, every_run: bool, turn: int
) -> None:
    trigger_id, now = _rotating(sessions, every_run=every_run)
    run_id = _claim(sessions, now)
    started = runstate.start(db, runstate.load(db, run_id), now=now, running_lease=LEASE)  # type: ignore[arg-type]
    assert started is not None
    assert runstate.finish(db, started, now=now, state=RunState.SKIPPED, attempt="skipped", error="trigger is paused")
    assert _turn(sessions, trigger_id) == turn


def test_not_me_hands_the_run_to_the_next_person_once(sessions: sessionmaker[Session], db: Connection) -> None:
    trigger_id, now = _rotating(sessions)
    run_id = _claim(sessions, now)
    view = runstate.load(db, run_id)
    assert view is not None
    started = runstate.start(db, view, now=now, running_lease=LEASE)
    assert started is not None
    [button] = [b for b in run_message(started, "x").blocks[1]["elements"] if b["action_id"] == HAND_ON_ACTION]
    assert button["value"] == f"{view.number} {run_id} 0"
    assert runstate.finish(db, started, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    with transaction(sessions) as session:
        assert hand_on(session, team_id="T1", run_id=run_id, trigger_id=trigger_id, turn=0)
    with transaction(sessions) as session:
        assert not hand_on(session, team_id="T1", run_id=run_id, trigger_id=trigger_id, turn=0)
    assert _turn(sessions, trigger_id) == 2, "Bo took this run; Cy is next"
    with sessions() as session:
        assert session.get_one(Run, run_id).rotation_turn == 1


def test_a_schedule_without_a_rotation_names_nobody(sessions: sessionmaker[Session], db: Connection) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    add_trigger(sessions, every(60, anchor=now), text="plain")
    run_id = _claim(sessions, now)
    assert _post_and_finish(db, run_id, now, text="plain") == "plain"


def test_a_run_fired_while_an_earlier_one_is_stuck_names_the_next_person_whichever_finishes_first(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger_id, now = _rotating(sessions)
    stuck_id = _claim(sessions, now)
    stuck = runstate.start(db, runstate.load(db, stuck_id), now=now, running_lease=LEASE)  # type: ignore[arg-type]
    assert stuck is not None and stuck.on_turn == "UANA"  # its worker dies before it finishes
    later = now + timedelta(minutes=1)
    texts = [_post_and_finish(db, _claim(sessions, later), later)]
    assert _turn(sessions, trigger_id) == 2
    assert runstate.finish(db, stuck, now=later, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    assert _turn(sessions, trigger_id) == 2, "the earlier run finishing late moves nothing back"
    texts.append(_post_and_finish(db, _claim(sessions, later + timedelta(minutes=1)), later))
    assert texts == ["<@UBO>: run the standup", "<@UCY>: run the standup"]
