"""Members' secret links to a channel's calendar feed (kept hashed), and the events a feed shows."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.events.models import Event, EventFeed

# How far back a feed reaches; calendars keep what they already fetched.
FEED_HISTORY = timedelta(days=90)
# Bytes of randomness in a feed token (URL-safe, so about 1.3 characters a byte).
TOKEN_BYTES = 24
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def hash_token(token: str) -> str:
    """What is stored for a token: its SHA-256, hex. Tokens are 192 random bits, so no salt or stretching."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_link(session: Session, *, team_id: str, channel_id: str, user_id: str, now: datetime) -> tuple[str, bool]:
    """A new secret token for this person's link to the channel's feed, and whether it replaced one they had.

    Only the token's hash is kept, so the token is shown once; asking again makes a new one.
    """
    row = session.get(EventFeed, (team_id, channel_id, user_id))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    replaced = row is not None
    if row is None:
        row = EventFeed(team_id=team_id, channel_id=channel_id, user_id=user_id)
        session.add(row)
    row.token_hash, row.created_at = hash_token(token), now
    session.flush()
    return token, replaced


def revoke_feed_links(session: Session, *, team_id: str, channel_id: str, user_id: str | None = None) -> int:
    """Stop the channel's links working: one person's, or (user_id None) everyone's. How many stopped."""
    query = delete(EventFeed).where(EventFeed.team_id == team_id, EventFeed.channel_id == channel_id)
    if user_id is not None:
        query = query.where(EventFeed.user_id == user_id)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]


def feed_events(
    session: Session, *, team_id: str, channel_id: str, now: datetime, creator_id: str | None = None
) -> Sequence[Event]:
    """The channel's events from `FEED_HISTORY` ago onwards, cancelled ones included (calendars drop them).

    `creator_id`: only that person's (a DM's calendar shows its holder their own events alone).
    """
    query = select(Event).where(
        Event.team_id == team_id, Event.channel_id == channel_id, Event.ends_at >= now - FEED_HISTORY
    )
    if creator_id is not None:
        query = query.where(Event.creator_id == creator_id)
    return session.scalars(query.order_by(Event.starts_at, Event.id)).all()


def resolve_feed_token(session: Session, *, token: str) -> tuple[str, str, str] | None:
    """(team_id, channel_id, user_id) a token opens, or None. Deliberately unscoped: the token is the credential.

    user_id is the member the link was made for ("" for a shared link made before links were per member).
    """
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    row = session.scalar(select(EventFeed).where(EventFeed.token_hash == hash_token(token)))
    return None if row is None else (row.team_id, row.channel_id, row.user_id)
