"""holiday calendars, rotations and repeats until done

Revision ID: 0016_business_calendars
Revises: 0015_feed_token_hash
Create Date: 2026-12-01

workspace_calendars: the holiday region (`/schedule holidays US`) that a workspace's business-day
schedules follow, who set it and when. One row per workspace; none means no calendar.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_business_calendars'
down_revision = '0015_feed_token_hash'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workspace_calendars',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=False),
    sa.Column('set_by', sa.String(length=32), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id')
    )


def downgrade() -> None:
    op.drop_table('workspace_calendars')
