"""Each channel's secret calendar feed token, and the events a feed shows."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.events.models import Event, EventFeed

# How far back a feed reaches; calendars keep what they already fetched.
FEED_HISTORY = timedelta(days=90)
# Bytes of randomness in a feed token (URL-safe, so about 1.3 characters a byte).
TOKEN_BYTES = 24
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def feed_token(session: Session, *, team_id: str, channel_id: str, now: datetime, rotate: bool = False) -> str:
    """The channel's feed token, made on first use; `rotate` replaces it so the old URL stops working."""
    row = session.get(EventFeed, (team_id, channel_id))
    if row is None:
        row = EventFeed(team_id=team_id, channel_id=channel_id, token=secrets.token_urlsafe(TOKEN_BYTES))
        row.created_at = now
        session.add(row)
    elif rotate:
        row.token, row.created_at = secrets.token_urlsafe(TOKEN_BYTES), now
    session.flush()
    return row.token


def feed_events(session: Session, *, team_id: str, channel_id: str, now: datetime) -> Sequence[Event]:
    """The channel's events from `FEED_HISTORY` ago onwards, cancelled ones included (calendars drop them)."""
    query = select(Event).where(
        Event.team_id == team_id, Event.channel_id == channel_id, Event.ends_at >= now - FEED_HISTORY
    )
    return session.scalars(query.order_by(Event.starts_at, Event.id)).all()


def resolve_feed_token(session: Session, *, token: str) -> tuple[str, str] | None:
    """(team_id, channel_id) a token opens, or None. Deliberately unscoped: the token is the credential."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    row = session.scalar(select(EventFeed).where(EventFeed.token == token))
    return None if row is None else (row.team_id, row.channel_id)
