"""runs: unfinished runs indexed by trigger; the recovery index answers only questions about waiting times

Revision ID: 0019_unfinished_runs_by_trigger
Revises: 0018_due_index_without_nulls
Create Date: 2026-12-02

Finishing a run completes its one-off trigger only if the trigger has no other unfinished run. The unfinished
runs were indexed only by when they were queued, and with statistics taken between herds (when nearly every
run is history) PostgreSQL took that index for empty and answered by reading all of it: 11,136 entries for each
finished run in the 10,000-run herd, half of PostgreSQL's time there. Now the unfinished runs are also indexed
by trigger, and each index of unfinished runs names its key in its condition (recovery's "queued before" implies
enqueued_at IS NOT NULL; "this trigger's" trigger_id IS NOT NULL), so that only a question asked by that key can
be answered from it, not, say, a run's own move by its id.

Both indexes hold only unfinished runs; building them reads the runs table once (seconds at millions of runs),
during which the release's transaction holds writes to runs back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations


revision = '0019_unfinished_runs_by_trigger'
down_revision = '0018_due_index_without_nulls'
branch_labels = None
depends_on = None

UNFINISHED = "state IN ('queued', 'running')"
UNFINISHED_WITH_TIME = f"{UNFINISHED} AND enqueued_at IS NOT NULL"
UNFINISHED_BY_TRIGGER = f"{UNFINISHED} AND trigger_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        _recovery_index(batch_op, drop=UNFINISHED, create=UNFINISHED_WITH_TIME)
        batch_op.create_index(
            'ix_runs_unfinished_trigger',
            ['trigger_id'],
            unique=False,
            postgresql_where=sa.text(UNFINISHED_BY_TRIGGER),
            sqlite_where=sa.text(UNFINISHED_BY_TRIGGER),
        )


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_runs_unfinished_trigger',
            postgresql_where=sa.text(UNFINISHED_BY_TRIGGER),
            sqlite_where=sa.text(UNFINISHED_BY_TRIGGER),
        )
        _recovery_index(batch_op, drop=UNFINISHED_WITH_TIME, create=UNFINISHED)


def _recovery_index(batch_op: BatchOperations, *, drop: str, create: str) -> None:
    batch_op.drop_index('ix_runs_unfinished', postgresql_where=sa.text(drop), sqlite_where=sa.text(drop))
    batch_op.create_index(
        'ix_runs_unfinished', ['enqueued_at'], unique=False, postgresql_where=sa.text(create), sqlite_where=sa.text(create)
    )
