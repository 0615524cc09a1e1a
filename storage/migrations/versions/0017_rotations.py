"""rotations and repeats until done: whose turn it is, the turn each run names, and who marked a reminder done

Revision ID: 0017_rotations
Revises: 0016_business_calendars
Create Date: 2026-12-01

A rotation is its own row beside its trigger (members, turn, whether every run or only posted runs pass
the turn); a run pins the turn it names at its first start, so a retried attempt names the same person.
A reminder that repeats until done keeps its repeats as runs naming the run that first posted it, which
records who pressed Done and when.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017_rotations'
down_revision = '0016_business_calendars'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rotations',
        sa.Column('trigger_id', sa.Integer(), nullable=False),
        sa.Column('members', sa.JSON(), nullable=False),
        sa.Column('turn', sa.Integer(), nullable=False),
        sa.Column('every_run', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['trigger_id'], ['triggers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('trigger_id'),
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rotation_turn', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('repeat_of', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('done_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('done_at', sa.DateTime(), nullable=True))
    op.create_index(
        'ix_runs_repeat_of',
        'runs',
        ['repeat_of'],
        unique=False,
        postgresql_where=sa.text('repeat_of IS NOT NULL'),
        sqlite_where=sa.text('repeat_of IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_runs_repeat_of', table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('done_at')
        batch_op.drop_column('done_by')
        batch_op.drop_column('repeat_of')
        batch_op.drop_column('rotation_turn')
    op.drop_table('rotations')
