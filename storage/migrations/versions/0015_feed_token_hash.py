"""calendar feeds: tokens stored hashed

Revision ID: 0015_feed_token_hash
Revises: 0014_workspace_policy
Create Date: 2026-12-01

Placeholder reserved so parallel work can chain its schema changes; filled in by the change that needs it.
"""

from __future__ import annotations

revision = '0015_feed_token_hash'
down_revision = '0014_workspace_policy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
