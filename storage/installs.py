"""What an install's lifecycle does to triggers: an uninstall pauses them, a reinstall resumes those same ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from scheduling import Schedule, next_runs
from storage.models import Trigger, TriggerState, utcnow


def _scope(*, enterprise_id: str | None, team_id: str | None) -> Any:
    """A workspace's triggers, or (team_id None: an org-wide install) every trigger made in its Grid org."""
    if team_id is None:
        return Trigger.enterprise_id == enterprise_id
    return Trigger.team_id == team_id


def pause_for_uninstall(session: Session, *, enterprise_id: str | None, team_id: str | None) -> int:
    """Pause the install's active triggers, marked so a reinstall resumes them; return how many."""
    paused = session.scalars(
        update(Trigger)
        .where(_scope(enterprise_id=enterprise_id, team_id=team_id), Trigger.state == TriggerState.ACTIVE.value)
        .values(state=TriggerState.PAUSED.value, paused_by_uninstall=True, updated_at=utcnow())
        .returning(Trigger.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(paused)


def resume_after_reinstall(session: Session, *, enterprise_id: str | None, team_id: str | None, now: datetime) -> int:
    """Resume the triggers an uninstall paused (not those people paused), from their next run after `now`."""
    marked = session.scalars(
        select(Trigger).where(
            and_(
                _scope(enterprise_id=enterprise_id, team_id=team_id),
                Trigger.state == TriggerState.PAUSED.value,
                Trigger.paused_by_uninstall.is_(True),
            )
        )
    ).all()
    for trigger in marked:
        upcoming = next_runs(Schedule.from_canonical(trigger.schedule), now, 1)
        trigger.state = (TriggerState.ACTIVE if upcoming else TriggerState.COMPLETED).value
        trigger.next_run_at = upcoming[0] if upcoming else None
        trigger.paused_by_uninstall = False
        trigger.updated_at = utcnow()
    return len(marked)
