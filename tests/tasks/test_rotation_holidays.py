"""A rotation that passes the turn on every run passes it for an instant a holiday skipped: once, in the claim
that moves the schedule past the holiday, whatever number of beats or re-plans; a posted-runs rotation does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from scheduling import parse
from storage.claims import claim_due, claim_trigger
from storage.db import transaction
from storage.models import Run, RunState, Trigger
from storage.rotations import KIND_HOLIDAY, create_rotation, read_turns
from tasks import runstate
from tasks.messages import run_message
from tests.tasks.factories import TEAM, add_trigger

NY = ZoneInfo("America/New_York")
TICK = timedelta(seconds=60)
LEASE = timedelta(minutes=5)
MEMBERS = ("UANA", "UBO", "UCY")
CHRISTMAS_EVE_9AM = datetime(2026, 12, 24, 9, 0, tzinfo=NY)
CHRISTMAS_9AM = datetime(2026, 12, 25, 9, 0, tzinfo=NY)
MONDAY_9AM = datetime(2026, 12, 28, 9, 0, tzinfo=NY)


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    with runstate.connect(engine) as connection:
        yield connection


def _standup(sessions: sessionmaker[Session], *, every_run: bool) -> Trigger:
    said = datetime(2026, 12, 23, 10, 0, tzinfo=NY)
    schedule = parse("every business day at 9am", now=said, tz="America/New_York", holidays="US")
    trigger = add_trigger(sessions, schedule, next_run_at=CHRISTMAS_EVE_9AM, text="run the standup")
    with transaction(sessions) as session:
        create_rotation(session, trigger_id=trigger.id, members=MEMBERS, every_run=every_run)
    return trigger


def _claim(sessions: sessionmaker[Session], at: datetime) -> list[int]:
    return [c.run_id for c in claim_due(sessions, now=at - TICK / 2, horizon=at + TICK / 2)]


def _post(db: Connection, run_id: int, now: datetime) -> str:
    view = runstate.load(db, run_id)
    assert view is not None
    started = runstate.start(db, view, now=now, running_lease=LEASE)
    assert started is not None
    assert runstate.finish(db, started, now=now, state=RunState.SUCCEEDED, attempt="posted", slack_ts="1.1")
    return run_message(started, "run the standup").text


def _turn(sessions: sessionmaker[Session], trigger_id: int) -> int:
    with sessions() as session:
        turns = read_turns(session, trigger_id=trigger_id)
        assert turns is not None
        return turns.turn


def _holiday_runs(sessions: sessionmaker[Session], trigger_id: int) -> list[tuple[datetime, str | None, int | None]]:
    with sessions() as session:
        found = session.scalars(select(Run).where(Run.trigger_id == trigger_id, Run.kind == KIND_HOLIDAY))
        return [(run.due_at, run.error, run.rotation_turn) for run in found]


def test_on_every_run_christmas_takes_bos_turn_once_however_many_beats_claim(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _claim(sessions, CHRISTMAS_EVE_9AM) == []  # a second beat: nothing left to claim or to pass
    with transaction(sessions) as session:  # a save-time claim of the same trigger, too
        assert claim_trigger(session, team_id=TEAM, number=trigger.number, now=CHRISTMAS_EVE_9AM,
                             horizon=CHRISTMAS_EVE_9AM + TICK) == []  # fmt: skip
    assert _turn(sessions, trigger.id) == 2, "the claimed Christmas Eve run holds turn 0; Christmas took turn 1"
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"
    assert _claim(sessions, CHRISTMAS_9AM) == []
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UCY>: run the standup"
    assert _turn(sessions, trigger.id) == 3
    assert _holiday_runs(sessions, trigger.id) == [(CHRISTMAS_9AM, "Christmas Day", 1)]


def test_a_replan_back_over_the_holiday_does_not_pass_the_turn_again(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"
    with transaction(sessions) as session:  # an edit puts the next run back before Christmas
        session.execute(update(Trigger).where(Trigger.id == trigger.id).values(next_run_at=CHRISTMAS_EVE_9AM + TICK))
    assert len(_claim(sessions, CHRISTMAS_EVE_9AM + TICK)) == 1
    assert _turn(sessions, trigger.id) == 2
    assert len(_holiday_runs(sessions, trigger.id)) == 1


def test_on_posted_runs_a_holiday_passes_no_turn(sessions: sessionmaker[Session], db: Connection) -> None:
    """A guard, not the feature: it fails if holidays pass turns on rotations that move only when a run posts
    (checked by making `storage.rotations._every_run` and the claim ignore the rotation's mode)."""
    trigger = _standup(sessions, every_run=False)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UBO>: run the standup"
    assert _holiday_runs(sessions, trigger.id) == []


def test_a_run_still_going_when_the_claim_passes_the_holiday_keeps_its_turn(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    """The Christmas Eve run is running (turn 0 pinned, the rotation not yet moved) when Christmas is passed."""
    trigger = _standup(sessions, every_run=True)
    with transaction(sessions) as session:  # claimed on its own, before the claim that sees the holiday
        session.add(Run(trigger_id=trigger.id, team_id=TEAM, due_at=CHRISTMAS_EVE_9AM - TICK, kind="manual"))
    with sessions() as session:
        manual = session.scalars(select(Run.id).where(Run.kind == "manual")).one()
    view = runstate.load(db, manual)
    assert view is not None
    started = runstate.start(db, view, now=CHRISTMAS_EVE_9AM - TICK, running_lease=LEASE)
    assert started is not None and started.on_turn == "UANA"
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert runstate.finish(db, started, now=CHRISTMAS_EVE_9AM, state=RunState.SUCCEEDED, attempt="posted",
                           slack_ts="1.0")  # fmt: skip
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UBO>: run the standup"
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UANA>: run the standup", "Christmas took Cy's turn"


def test_an_instant_a_new_time_makes_a_run_again_is_claimed_and_names_the_turn_the_holiday_held(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"
    weekdays = parse("every weekday at 9am", now=CHRISTMAS_EVE_9AM, tz="America/New_York")
    with transaction(sessions) as session:  # edited to plain weekdays: Christmas is a run again
        session.execute(
            update(Trigger)
            .where(Trigger.id == trigger.id)
            .values(schedule=weekdays.to_canonical(), next_run_at=CHRISTMAS_9AM)
        )
    (christmas,) = _claim(sessions, CHRISTMAS_9AM)
    assert _post(db, christmas, CHRISTMAS_9AM) == "<@UBO>: run the standup"
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UCY>: run the standup"
