"""triggers: the due index holds only triggers with a next run (active and next_run_at not null)

Revision ID: 0018_due_index_without_nulls
Revises: 0017_rotations
Create Date: 2026-12-02

The tick asks for next_run_at <= T, which no null matches. With nulls in the index, PostgreSQL could serve
"this trigger, active, with no next run" (the check that completes a one-off after its run) by walking every
active trigger whose run is under way instead of taking the one row by id: 9,998 index entries per finished
run in the 10,000-run herd, once the planner's statistics predated the claim. Without them it cannot.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018_due_index_without_nulls'
down_revision = '0017_rotations'
branch_labels = None
depends_on = None

OLD = "state = 'active'"
NEW = "state = 'active' AND next_run_at IS NOT NULL"


def upgrade() -> None:
    _replace(OLD, NEW)


def downgrade() -> None:
    _replace(NEW, OLD)


def _replace(old: str, new: str) -> None:
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_triggers_due', postgresql_where=sa.text(old), sqlite_where=sa.text(old))
        batch_op.create_index(
            'ix_triggers_due', ['next_run_at'], unique=False, postgresql_where=sa.text(new), sqlite_where=sa.text(new)
        )
