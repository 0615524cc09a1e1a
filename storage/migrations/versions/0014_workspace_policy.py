"""workspace policy: quotas and who may broadcast

Revision ID: 0014_workspace_policy
Revises: 0013_schedule_numbers
Create Date: 2026-12-01

Placeholder reserved so parallel work can chain its schema changes; filled in by the change that needs it.
"""

from __future__ import annotations

revision = '0014_workspace_policy'
down_revision = '0013_schedule_numbers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
