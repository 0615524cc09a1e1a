"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.slack_stores import slack_metadata


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # slack_sdk's installation and OAuth state tables, exactly as slack_sdk defines them.
    slack_metadata().create_all(op.get_bind())
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target_kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('command', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_team_target', ['team_id', 'target_kind', 'target_id'], unique=False)

    op.create_table('triggers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('creator_id', sa.String(length=32), nullable=False),
    sa.Column('action_kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('schedule', sa.Text(), nullable=False),
    sa.Column('schedule_text', sa.Text(), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('next_run_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('misfire_policy', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'number', name='uq_triggers_team_number')
    )
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.create_index('ix_triggers_due', ['next_run_at'], unique=False, postgresql_where=sa.text("state = 'active'"), sqlite_where=sa.text("state = 'active'"))
        batch_op.create_index('ix_triggers_team_channel', ['team_id', 'channel_id'], unique=False)
        batch_op.create_index('ix_triggers_team_creator', ['team_id', 'creator_id'], unique=False)

    op.create_table('user_zones',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('overridden', sa.Boolean(), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'user_id')
    )
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('slack_ts', sa.String(length=32), nullable=True),
    sa.Column('missed_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trigger_id'], ['triggers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trigger_id', 'due_at', name='uq_runs_trigger_due')
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_trigger_due', ['trigger_id', 'due_at'], unique=False)
        batch_op.create_index('ix_runs_unfinished', ['enqueued_at'], unique=False, postgresql_where=sa.text("state IN ('queued', 'running')"), sqlite_where=sa.text("state IN ('queued', 'running')"))



def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_unfinished', postgresql_where=sa.text("state IN ('queued', 'running')"), sqlite_where=sa.text("state IN ('queued', 'running')"))
        batch_op.drop_index('ix_runs_trigger_due')

    op.drop_table('runs')
    op.drop_table('user_zones')
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_triggers_team_creator')
        batch_op.drop_index('ix_triggers_team_channel')
        batch_op.drop_index('ix_triggers_due', postgresql_where=sa.text("state = 'active'"), sqlite_where=sa.text("state = 'active'"))

    op.drop_table('triggers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_team_target')

    op.drop_table('audit_log')
    slack_metadata().drop_all(op.get_bind())
