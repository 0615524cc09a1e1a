"""calendar feeds: one link per member, tokens stored hashed

Revision ID: 0015_feed_token_hash
Revises: 0014_workspace_policy
Create Date: 2026-12-01

Each row was a channel's one shared token in clear; now each row is one person's link, kept as the
SHA-256 of its token. Existing shared links keep working (hashed here, user_id ""), until an admin
rotates the channel's links. The table is rebuilt rather than altered, the same way on SQLite and
PostgreSQL, since its primary key changes. A downgrade cannot un-hash: it leaves an empty table of
the old shape, and channels get new links on first use.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0015_feed_token_hash"
down_revision = "0014_workspace_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT team_id, channel_id, token, created_at FROM event_feeds")).all()
    op.drop_table("event_feeds")
    op.create_table(
        "event_feeds",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", "user_id"),
        sa.UniqueConstraint("token_hash"),
    )
    insert = sa.text(
        "INSERT INTO event_feeds (team_id, channel_id, user_id, token_hash, created_at) "
        "VALUES (:team_id, :channel_id, '', :token_hash, :created_at)"
    )
    for row in rows:
        token_hash = hashlib.sha256(row.token.encode()).hexdigest()
        bind.execute(
            insert,
            {
                "team_id": row.team_id,
                "channel_id": row.channel_id,
                "token_hash": token_hash,
                "created_at": row.created_at,
            },
        )


def downgrade() -> None:
    op.drop_table("event_feeds")
    op.create_table(
        "event_feeds",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
        sa.UniqueConstraint("token"),
    )
