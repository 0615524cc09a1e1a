"""runs: drop ix_runs_trigger_due, which repeated the unique constraint's own index

Revision ID: 0011_runs_one_index
Revises: 0010_events
Create Date: 2026-12-01

uq_runs_trigger_due already keeps an index on (trigger_id, due_at); the second one only cost every
claimed run one more index write.
"""

from __future__ import annotations

from alembic import op


revision = '0011_runs_one_index'
down_revision = '0010_events'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_trigger_due')


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_trigger_due', ['trigger_id', 'due_at'], unique=False)
