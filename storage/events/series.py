"""Recurring events: one Event row per instance, materialized ahead for a window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduling.schedule import Schedule
from storage.errors import NotFound
from storage.events.lifecycle import check_duration, check_title
from storage.events.models import LIVE_STATES, Event, EventSeries
from storage.events.repository import create_event

# How far ahead occurrences exist as rows (and so have announcements, reminders and feed entries).
SERIES_HORIZON = timedelta(days=8)
# The most occurrences one materialization adds, so `every 5 minutes` cannot flood a channel.
SERIES_BATCH = 8


def create_series(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    creator_id: str,
    title: str,
    schedule: Schedule,
    schedule_text: str,
    duration: timedelta,
    remind_seconds: list[int],
    now: datetime,
    enterprise_id: str | None = None,
) -> tuple[EventSeries, list[Event]]:
    """Save a series and materialize its first occurrences."""
    series = EventSeries(
        team_id=team_id,
        channel_id=channel_id,
        creator_id=creator_id,
        title=check_title(title),
        schedule=schedule.to_canonical(),
        schedule_text=schedule_text,
        zone=schedule.zone,
        duration_seconds=int(check_duration(duration).total_seconds()),
        remind_seconds=remind_seconds,
        enterprise_id=enterprise_id,
    )
    session.add(series)
    session.flush()
    return series, materialize(session, team_id=team_id, series_id=series.id, now=now)


def materialize(session: Session, *, team_id: str, series_id: int, now: datetime) -> list[Event]:
    """Add the occurrences due within the horizon (at least the next one); mark the series ended if none remain."""
    from scheduling import next_runs

    series = _locked(session, team_id=team_id, series_id=series_id)
    if series.state != "active":
        return []
    after = max(series.materialized_until or now, now)
    upcoming = next_runs(Schedule.from_canonical(series.schedule), after, SERIES_BATCH)
    if not upcoming:
        series.state = "ended"
        return []
    keep = [at for at in upcoming if at <= now + SERIES_HORIZON] or upcoming[:1]
    events = [_occurrence(session, series, at, now) for at in keep]
    series.materialized_until = keep[-1]
    return events


def _occurrence(session: Session, series: EventSeries, at: datetime, now: datetime) -> Event:
    return create_event(
        session,
        team_id=series.team_id,
        channel_id=series.channel_id,
        creator_id=series.creator_id,
        title=series.title,
        starts_at=at,
        ends_at=at + timedelta(seconds=series.duration_seconds),
        zone=series.zone,
        remind_seconds=list(series.remind_seconds),
        now=now,
        series_id=series.id,
        enterprise_id=series.enterprise_id,
    )


def _locked(session: Session, *, team_id: str, series_id: int) -> EventSeries:
    """The series row, locked on PostgreSQL so two sweeps never materialize the same instant."""
    query = select(EventSeries).where(EventSeries.team_id == team_id, EventSeries.id == series_id).with_for_update()
    series = session.scalar(query)
    if series is None:
        raise NotFound("That recurring event is gone. Try `/event list`.")
    return series


def end_series(session: Session, *, team_id: str, series_id: int) -> Sequence[Event]:
    """Stop making occurrences; returns the live occurrences still to come, for the caller to cancel."""
    series = _locked(session, team_id=team_id, series_id=series_id)
    series.state = "cancelled"
    query = select(Event).where(
        Event.team_id == team_id, Event.series_id == series_id, Event.state.in_(list(LIVE_STATES))
    )
    return session.scalars(query.order_by(Event.starts_at)).all()


def get_series(session: Session, *, team_id: str, series_id: int) -> EventSeries | None:
    return session.scalar(select(EventSeries).where(EventSeries.team_id == team_id, EventSeries.id == series_id))
