"""Business-day schedules through the one claim path, and a workspace calendar change re-planning them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduling import parse
from scheduling.schedule import Schedule
from storage.claims import RELEASED_PREFIX, claim_due, claim_trigger
from storage.db import transaction
from storage.models import Run, RunState, Trigger
from storage.workspace_calendars import set_workspace_region, workspace_region
from tests.tasks.factories import TEAM, add_trigger

NY = ZoneInfo("America/New_York")
TICK = timedelta(seconds=60)
CHRISTMAS_EVE_9AM = datetime(2026, 12, 24, 9, 0, tzinfo=NY)
CHRISTMAS_9AM = datetime(2026, 12, 25, 9, 0, tzinfo=NY)
MONDAY_9AM = datetime(2026, 12, 28, 9, 0, tzinfo=NY)


def _business_day(holidays: str | None) -> Schedule:
    said = datetime(2026, 12, 23, 10, 0, tzinfo=NY)
    return parse("every business day at 9am", now=said, tz="America/New_York", holidays=holidays)


def _trigger(sessions: sessionmaker[Session], trigger_id: int) -> Trigger:
    with sessions() as session:
        trigger = session.get(Trigger, trigger_id)
        assert trigger is not None
        return trigger


def test_a_fired_business_day_run_moves_the_trigger_past_the_holiday(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, _business_day("US"), next_run_at=CHRISTMAS_EVE_9AM)
    claimed = claim_due(sessions, now=CHRISTMAS_EVE_9AM, horizon=CHRISTMAS_EVE_9AM + TICK)
    assert [c.due_at for c in claimed] == [CHRISTMAS_EVE_9AM]
    assert _trigger(sessions, trigger.id).next_run_at == MONDAY_9AM  # Christmas Day (Fri) skipped
    assert claim_due(sessions, now=CHRISTMAS_9AM, horizon=CHRISTMAS_9AM + TICK) == []
    claimed = claim_due(sessions, now=MONDAY_9AM, horizon=MONDAY_9AM + TICK)
    assert [c.due_at for c in claimed] == [MONDAY_9AM]


def test_without_a_calendar_business_days_are_monday_to_friday(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, _business_day(None), next_run_at=CHRISTMAS_EVE_9AM)
    claim_due(sessions, now=CHRISTMAS_EVE_9AM, horizon=CHRISTMAS_EVE_9AM + TICK)
    assert _trigger(sessions, trigger.id).next_run_at == CHRISTMAS_9AM


def test_setting_the_workspace_calendar_replans_and_releases_the_claimed_holiday(
    sessions: sessionmaker[Session],
) -> None:
    trigger = add_trigger(sessions, _business_day(None), next_run_at=CHRISTMAS_9AM)
    gb_holidays = parse("every weekday except holidays in GB-ENG", now=CHRISTMAS_EVE_9AM, tz="UTC")
    own = add_trigger(sessions, gb_holidays, next_run_at=MONDAY_9AM)
    now = CHRISTMAS_9AM - timedelta(seconds=30)
    with transaction(sessions) as session:
        claimed = claim_trigger(session, team_id=TEAM, number=trigger.number, now=now, horizon=now + TICK)
    assert [c.due_at for c in claimed] == [CHRISTMAS_9AM]
    with transaction(sessions) as session:
        replanned = set_workspace_region(session, team_id=TEAM, region="US", set_by="U3", now=now)
    assert replanned == [trigger.number]  # the one that names its own calendar is left alone
    moved = _trigger(sessions, trigger.id)
    assert moved.next_run_at == MONDAY_9AM
    business = Schedule.from_canonical(moved.schedule).business
    assert business is not None and (business.region, business.follows_workspace) == ("US", True)
    assert _trigger(sessions, own.id).schedule == own.schedule
    with sessions() as session:
        (run,) = session.scalars(select(Run).where(Run.trigger_id == trigger.id))
        assert (run.due_at, run.state) == (CHRISTMAS_9AM, RunState.SKIPPED)
        assert run.outcome == RELEASED_PREFIX + "the workspace holiday calendar changed"
        assert workspace_region(session, team_id=TEAM) == "US"
    assert claim_due(sessions, now=CHRISTMAS_9AM, horizon=CHRISTMAS_9AM + TICK) == []


def test_clearing_the_calendar_brings_holidays_back(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)  # 10am in New York
    with transaction(sessions) as session:
        set_workspace_region(session, team_id=TEAM, region="US", set_by="U3", now=now)
    trigger = add_trigger(sessions, _business_day("US"), next_run_at=MONDAY_9AM)
    with transaction(sessions) as session:
        assert set_workspace_region(session, team_id=TEAM, region=None, set_by="U3", now=now) == [trigger.number]
        assert workspace_region(session, team_id=TEAM) is None
    assert _trigger(sessions, trigger.id).next_run_at == CHRISTMAS_9AM
