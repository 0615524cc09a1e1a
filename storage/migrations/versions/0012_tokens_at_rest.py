"""installations: enterprise ids on triggers, tokens encrypted at rest

Revision ID: 0012_tokens_at_rest
Revises: 0011_runs_one_index
Create Date: 2026-12-01

Triggers, events and event series record the Enterprise Grid org they were made in (so a worker finds an
org-wide install's token), and triggers whether an uninstall paused them (so a reinstall resumes those and
no others). slack_sdk's token columns are VARCHAR(200), too narrow for an encrypted rotating token: on
PostgreSQL they become TEXT (SQLite keeps no lengths). Rows saved before encryption stay readable and are
encrypted on their next save, or at once by `schedulebot rotate-key`; this migration never needs the key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012_tokens_at_rest'
down_revision = '0011_runs_one_index'
branch_labels = None
depends_on = None

WIDENED = {
    'slack_installations': ('bot_token', 'bot_refresh_token', 'user_token', 'user_refresh_token', 'incoming_webhook_url'),
    'slack_bots': ('bot_token', 'bot_refresh_token'),
}


def upgrade() -> None:
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enterprise_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('paused_by_uninstall', sa.Boolean(), server_default=sa.false(), nullable=False))
    for table in ('events', 'event_series'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('enterprise_id', sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        for table, columns in WIDENED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length=200))


def downgrade() -> None:
    # Encrypted tokens may be longer than 200 characters; narrowing would fail on them, so the width stays.
    for table in ('event_series', 'events'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('enterprise_id')
    with op.batch_alter_table('triggers', schema=None) as batch_op:
        batch_op.drop_column('paused_by_uninstall')
        batch_op.drop_column('enterprise_id')
