"""What the reconciliation sweep looks at, across every workspace (the sweep serves them all)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.events.models import LIVE_STATES, Event, EventSeries, EventState
from storage.events.series import SERIES_HORIZON

# The most rows one sweep handles; the next sweep takes the rest.
SWEEP_BATCH = 500


def events_out_of_step(session: Session, *, now: datetime, limit: int = SWEEP_BATCH) -> list[tuple[str, int]]:
    """(team_id, event_id) of live events whose state disagrees with the clock."""
    query = (
        select(Event.team_id, Event.id)
        .where(Event.state.in_(list(LIVE_STATES)), Event.starts_at <= now)
        .where(or_(Event.state == EventState.SCHEDULED.value, Event.ends_at <= now))
        .order_by(Event.starts_at)
        .limit(limit)
    )
    return [(team_id, event_id) for team_id, event_id in session.execute(query).all()]


def series_to_extend(session: Session, *, now: datetime, limit: int = SWEEP_BATCH) -> list[tuple[str, int]]:
    """(team_id, series_id) of active series whose materialized window ends within the horizon."""
    query = (
        select(EventSeries.team_id, EventSeries.id)
        .where(EventSeries.state == "active", EventSeries.materialized_until < now + SERIES_HORIZON)
        .order_by(EventSeries.materialized_until)
        .limit(limit)
    )
    return [(team_id, series_id) for team_id, series_id in session.execute(query).all()]
