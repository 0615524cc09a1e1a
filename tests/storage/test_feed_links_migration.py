"""Migration 0015: calendar links already handed out keep working, but only their SHA-256 stays stored."""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from storage.db import make_engine, session_factory, transaction
from storage.events.feeds import resolve_feed_token
from storage.migrate import upgrade

TOKEN = "an-old-shared-token_0123456789abcdefABCDEF"


def test_existing_tokens_are_hashed_and_still_open_their_feed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0014_workspace_policy")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO event_feeds (team_id, channel_id, token, created_at) VALUES (:t, :c, :k, :at)"),
                {"t": "T1", "c": "C7", "k": TOKEN, "at": "2026-03-01 10:00:00.000000"},
            )
        upgrade(engine, "0015_feed_token_hash")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT team_id, channel_id, user_id, token_hash FROM event_feeds")).all()
        assert [tuple(row) for row in rows] == [("T1", "C7", "", hashlib.sha256(TOKEN.encode()).hexdigest())]
        with transaction(session_factory(engine)) as session:
            assert resolve_feed_token(session, token=TOKEN) == ("T1", "C7", "")
            assert resolve_feed_token(session, token=rows[0].token_hash) is None
    finally:
        engine.dispose()
