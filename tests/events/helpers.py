"""Shared builders for the events tests: a fixed clock and one-line event creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from storage.events import repository as events
from storage.events.models import Event

NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def add_event(
    session: Session,
    *,
    team_id: str = "TA",
    channel_id: str = "C1",
    creator_id: str = "U1",
    title: str = "Sprint review",
    starts_at: datetime = NOW + HOUR,
    length: timedelta = HOUR,
    remind: tuple[int, ...] = (900,),
    now: datetime = NOW,
) -> Event:
    return events.create_event(
        session,
        team_id=team_id,
        channel_id=channel_id,
        creator_id=creator_id,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + length,
        zone="America/New_York",
        remind_seconds=list(remind),
        now=now,
    )
