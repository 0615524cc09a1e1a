"""installations: enterprise ids on triggers, tokens encrypted at rest

Revision ID: 0012_tokens_at_rest
Revises: 0011_runs_one_index
Create Date: 2026-12-01

Placeholder reserved so parallel work can chain its schema changes; filled in by the change that needs it.
"""

from __future__ import annotations

revision = '0012_tokens_at_rest'
down_revision = '0011_runs_one_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
