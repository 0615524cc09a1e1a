"""The edges of a holiday passing the turn on an every-run rotation: a new time of day, a change made while a run
is claimed, a skip just before the holiday, "Not me" on the run before it. Each holiday passes one turn, in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from scheduling import parse
from storage import claims, rotations
from storage.db import transaction
from storage.models import Run, Trigger
from storage.workspace_calendars import set_workspace_region
from tasks import runstate
from tests.tasks.factories import TEAM, add_trigger
from tests.tasks.test_rotation_holidays import (
    CHRISTMAS_9AM,
    CHRISTMAS_EVE_9AM,
    MEMBERS,
    MONDAY_9AM,
    NY,
    TICK,
    _claim,
    _holiday_runs,
    _post,
    _standup,
    _turn,
)

FIVE_PM = timedelta(hours=8)
CHRISTMAS_EVE_NOON = datetime(2026, 12, 24, 12, 0, tzinfo=NY)


@pytest.fixture
def db(engine: Engine) -> Iterator[Connection]:
    with runstate.connect(engine) as connection:
        yield connection


def _new_time(sessions: sessionmaker[Session], trigger: Trigger, *, at: str, now: datetime, first: datetime) -> None:
    """What `/schedule edit` does to the trigger in its transaction (bot/commands/create.py)."""
    schedule = parse(f"every business day at {at}", now=now, tz="America/New_York", holidays="US")
    with transaction(sessions) as session:
        claims.release_claimed(session, team_id=TEAM, trigger_id=trigger.id, now=now, why="given a new time")
        session.execute(
            update(Trigger).where(Trigger.id == trigger.id).values(schedule=schedule.to_canonical(), next_run_at=first)
        )
        claims.pass_holidays_moved(session, trigger_id=trigger.id, team_id=TEAM, schedule=schedule, after=now,
                                   following=first, now=now)  # fmt: skip


def test_a_new_time_of_day_seen_only_by_the_claim_does_not_pass_christmas_twice(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"  # Christmas 9am took Bo's turn
    five = parse("every business day at 5pm", now=CHRISTMAS_EVE_NOON, tz="America/New_York", holidays="US")
    with transaction(sessions) as session:  # the trigger moved to 5pm with no release (as a direct re-plan does)
        session.execute(
            update(Trigger)
            .where(Trigger.id == trigger.id)
            .values(schedule=five.to_canonical(), next_run_at=CHRISTMAS_EVE_9AM + FIVE_PM)
        )
    (eve_five,) = _claim(sessions, CHRISTMAS_EVE_9AM + FIVE_PM)
    assert _post(db, eve_five, CHRISTMAS_EVE_9AM + FIVE_PM) == "<@UCY>: run the standup"
    (monday,) = _claim(sessions, MONDAY_9AM + FIVE_PM)
    assert _post(db, monday, MONDAY_9AM + FIVE_PM) == "<@UANA>: run the standup", "Christmas passed one turn"
    assert [(at, name) for at, name, _ in _holiday_runs(sessions, trigger.id)] == [(CHRISTMAS_9AM, "Christmas Day")]


def test_an_edit_at_noon_gives_christmas_back_and_the_claim_passes_it_after_the_new_run(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"
    _new_time(sessions, trigger, at="5pm", now=CHRISTMAS_EVE_NOON, first=CHRISTMAS_EVE_9AM + FIVE_PM)
    (eve_five,) = _claim(sessions, CHRISTMAS_EVE_9AM + FIVE_PM)
    assert _post(db, eve_five, CHRISTMAS_EVE_9AM + FIVE_PM) == "<@UBO>: run the standup"
    (monday,) = _claim(sessions, MONDAY_9AM + FIVE_PM)
    assert _post(db, monday, MONDAY_9AM + FIVE_PM) == "<@UANA>: run the standup", "Christmas took Cy's turn, once"
    assert _turn(sessions, trigger.id) == 4


def test_a_new_time_while_the_run_is_claimed_gives_its_pinned_turn_back(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    """The claim pinned Ana on the 9am run and gave Christmas Bo's turn; the edit releases the 9am run."""
    trigger = _standup(sessions, every_run=True)
    _claim(sessions, CHRISTMAS_EVE_9AM)
    edited_at = CHRISTMAS_EVE_9AM - TICK / 4
    _new_time(sessions, trigger, at="5pm", now=edited_at, first=CHRISTMAS_EVE_9AM + FIVE_PM)
    (eve_five,) = _claim(sessions, CHRISTMAS_EVE_9AM + FIVE_PM)
    assert _post(db, eve_five, CHRISTMAS_EVE_9AM + FIVE_PM) == "<@UANA>: run the standup", "Ana's turn came back"
    (monday,) = _claim(sessions, MONDAY_9AM + FIVE_PM)
    assert _post(db, monday, MONDAY_9AM + FIVE_PM) == "<@UCY>: run the standup"


def test_a_skip_just_before_christmas_passes_christmas_too(sessions: sessionmaker[Session], db: Connection) -> None:
    """What `/schedule skip` does on Dec 23 (bot/commands/changes.py): Dec 24 and Christmas both take a turn."""
    trigger = _standup(sessions, every_run=True)
    now = CHRISTMAS_EVE_9AM - timedelta(hours=21)
    with transaction(sessions) as session:
        schedule = claims._schedule(session.get_one(Trigger, trigger.id).schedule)
        claims.release_claimed(session, team_id=TEAM, trigger_id=trigger.id, now=now, keep_turns=True)
        session.execute(update(Trigger).where(Trigger.id == trigger.id).values(next_run_at=MONDAY_9AM))
        assert rotations.pass_skipped(session, trigger_id=trigger.id, skipped_at=CHRISTMAS_EVE_9AM, now=now)
        passed = claims.pass_holidays_moved(session, trigger_id=trigger.id, team_id=TEAM, schedule=schedule,
                                            after=CHRISTMAS_EVE_9AM, following=MONDAY_9AM, now=now)  # fmt: skip
    assert passed == 1
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UCY>: run the standup"
    assert _holiday_runs(sessions, trigger.id) == [(CHRISTMAS_9AM, "Christmas Day", 1)]


def test_not_me_on_the_run_before_christmas_moves_christmas_and_the_rotation_on(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    (eve,) = _claim(sessions, CHRISTMAS_EVE_9AM)
    assert _post(db, eve, CHRISTMAS_EVE_9AM) == "<@UANA>: run the standup"
    with transaction(sessions) as session:  # Ana presses "Not me": Bo runs it
        assert rotations.hand_on(session, team_id=TEAM, run_id=eve, trigger_id=trigger.id, turn=0)
    assert _holiday_runs(sessions, trigger.id) == [(CHRISTMAS_9AM, "Christmas Day", 2)]
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UANA>: run the standup", "Bo ran Dec 24, Christmas took Cy's turn"


def test_a_holiday_row_taken_back_as_a_run_keeps_no_holiday_name(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    trigger = _standup(sessions, every_run=True)
    _claim(sessions, CHRISTMAS_EVE_9AM)
    weekdays = parse("every weekday at 9am", now=CHRISTMAS_EVE_9AM, tz="America/New_York")
    with transaction(sessions) as session:
        session.execute(
            update(Trigger)
            .where(Trigger.id == trigger.id)
            .values(schedule=weekdays.to_canonical(), next_run_at=CHRISTMAS_9AM)
        )
    (christmas,) = _claim(sessions, CHRISTMAS_9AM)
    with sessions() as session:
        run = session.scalars(select(Run).where(Run.id == christmas)).one()
        assert (run.kind, run.error, run.outcome) == ("scheduled", None, None)


def test_a_calendar_that_makes_the_claimed_run_a_holiday_passes_its_turn(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    """No calendar: Christmas 9am is claimed as a run. The workspace then sets US: the run is released, the
    schedule jumps to Monday in the calendar change, and Christmas takes Ana's turn there."""
    said = datetime(2026, 12, 23, 10, 0, tzinfo=NY)
    schedule = parse("every business day at 9am", now=said, tz="America/New_York", holidays=None)
    trigger = add_trigger(sessions, schedule, next_run_at=CHRISTMAS_9AM, text="run the standup")
    with transaction(sessions) as session:
        rotations.create_rotation(session, trigger_id=trigger.id, members=MEMBERS, every_run=True)
    assert len(_claim(sessions, CHRISTMAS_9AM)) == 1
    with transaction(sessions) as session:
        set_workspace_region(session, team_id=TEAM, region="US", set_by="U3", now=CHRISTMAS_9AM - TICK / 4)
    assert _holiday_runs(sessions, trigger.id) == [(CHRISTMAS_9AM, "Christmas Day", 0)]
    (monday,) = _claim(sessions, MONDAY_9AM)
    assert _post(db, monday, MONDAY_9AM) == "<@UBO>: run the standup"


def test_a_run_that_started_after_the_free_turn_was_read_still_keeps_the_holiday_off_its_turn(
    sessions: sessionmaker[Session], db: Connection
) -> None:
    """The race `_pin_waiting` closes: the Dec 24 run starts (pinning turn 0) after the claim read turn 0 as free.
    The holiday must then take turn 1, not 0 again."""
    trigger = _standup(sessions, every_run=True)
    with transaction(sessions) as session:
        session.add(Run(trigger_id=trigger.id, team_id=TEAM, due_at=CHRISTMAS_EVE_9AM, kind="scheduled"))
    with sessions() as session:
        eve = session.scalars(select(Run.id).where(Run.trigger_id == trigger.id)).one()
    view = runstate.load(db, eve)
    assert view is not None
    started = runstate.start(db, view, now=CHRISTMAS_EVE_9AM, running_lease=timedelta(minutes=5))
    assert started is not None and started.on_turn == "UANA"
    with transaction(sessions) as session:  # the turn the claim read before the start: 0
        after = rotations._pin_waiting(session, trigger_id=trigger.id, before=CHRISTMAS_9AM, turn=0)
    assert after == 1
