"""triggers: schedules numbered in their own sequence per workspace

Revision ID: 0013_schedule_numbers
Revises: 0012_tokens_at_rest
Create Date: 2026-12-01

Placeholder reserved so parallel work can chain its schema changes; filled in by the change that needs it.
"""

from __future__ import annotations

revision = '0013_schedule_numbers'
down_revision = '0012_tokens_at_rest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
