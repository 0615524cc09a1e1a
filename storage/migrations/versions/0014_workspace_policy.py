"""workspace policy: quotas and who may broadcast

Revision ID: 0014_workspace_policy
Revises: 0013_schedule_numbers
Create Date: 2026-12-01

One row per workspace that changed a setting with `/schedule settings`; no row means the defaults.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_workspace_policy'
down_revision = '0013_schedule_numbers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workspace_policy',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('broadcasts', sa.String(length=16), nullable=False),
    sa.Column('updated_by', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id')
    )


def downgrade() -> None:
    op.drop_table('workspace_policy')
