"""A workspace's holiday calendar: read it, set or clear it, and re-plan the schedules that follow it.

A business-day schedule that follows the workspace calendar keeps the region in its stored form (so
the claim computes its runs without a look-up here); changing the calendar rewrites those schedules,
moves their next run and gives back what was claimed for the old plan, as an edit does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduling.recurrence import first_run
from scheduling.schedule import Schedule
from storage.claims import pass_holidays_moved, release_claimed
from storage.models import Trigger, TriggerState, WorkspaceCalendar
from storage.repository import LIVE_STATES

# Stored schedules that follow the workspace calendar contain this (Schedule.to_canonical, compact JSON).
_FOLLOWS_WORKSPACE = '"calendar":"workspace"'


def workspace_calendar(session: Session, *, team_id: str) -> WorkspaceCalendar | None:
    return session.get(WorkspaceCalendar, team_id)


def workspace_region(session: Session, *, team_id: str) -> str | None:
    calendar = workspace_calendar(session, team_id=team_id)
    return None if calendar is None else calendar.region


def set_workspace_region(
    session: Session, *, team_id: str, region: str | None, set_by: str, now: datetime
) -> list[int]:
    """Set the workspace's region (None clears it) and re-plan what follows it; the numbers re-planned."""
    calendar = workspace_calendar(session, team_id=team_id)
    if region is None and calendar is not None:
        session.delete(calendar)
    elif region is not None and calendar is None:
        session.add(WorkspaceCalendar(team_id=team_id, region=region, set_by=set_by, set_at=now))
    elif region is not None and calendar is not None:
        calendar.region, calendar.set_by, calendar.set_at = region, set_by, now
    session.flush()
    return [trigger.number for trigger in _following(session, team_id) if _replan(session, trigger, region, now)]


def _following(session: Session, team_id: str) -> list[Trigger]:
    query = (
        select(Trigger)
        .where(Trigger.team_id == team_id, Trigger.state.in_(LIVE_STATES))
        .where(Trigger.schedule.contains(_FOLLOWS_WORKSPACE, autoescape=True))
        .order_by(Trigger.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def _replan(session: Session, trigger: Trigger, region: str | None, now: datetime) -> bool:
    schedule = Schedule.from_canonical(trigger.schedule)
    if schedule.business is None or not schedule.business.follows_workspace or schedule.business.region == region:
        return False
    moved = replace(schedule, business=replace(schedule.business, region=region))
    why = "the workspace holiday calendar changed"
    release_claimed(session, team_id=trigger.team_id, trigger_id=trigger.id, now=now, why=why)
    trigger.schedule, trigger.next_run_at = moved.to_canonical(), first_run(moved, now)
    session.flush()
    # An every-run rotation passes the turns of the holidays the new calendar skips before the next run.
    if trigger.state == TriggerState.ACTIVE.value:
        pass_holidays_moved(session, trigger_id=trigger.id, team_id=trigger.team_id, schedule=moved, after=now,
                            following=trigger.next_run_at, now=now)  # fmt: skip
    return True
