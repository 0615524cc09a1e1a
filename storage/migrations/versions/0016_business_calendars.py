"""holiday calendars, rotations and repeats until done

Revision ID: 0016_business_calendars
Revises: 0015_feed_token_hash
Create Date: 2026-12-01

Placeholder reserved so parallel work can chain its schema changes; filled in by the change that needs it.
"""

from __future__ import annotations

revision = '0016_business_calendars'
down_revision = '0015_feed_token_hash'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
