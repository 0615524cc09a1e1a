"""triggers: schedules numbered in their own sequence per workspace

Revision ID: 0013_schedule_numbers
Revises: 0012_tokens_at_rest
Create Date: 2026-12-01

The number is the handle people type (`/schedule show 10`), but events' reminder, start, end and notice
triggers took numbers from the same sequence, so schedules jumped (#9 → #20). From now on events'
triggers count down from -1 in each workspace (nobody types them: events have their own numbers) and
schedules count up from the highest schedule number. This moves existing events' triggers below zero;
every schedule keeps the number it has, so nothing anyone has typed or written down changes meaning
(a gap made before this stays: the next schedule after #20 is #21).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


revision = '0013_schedule_numbers'
down_revision = '0012_tokens_at_rest'
branch_labels = None
depends_on = None

_triggers = sa.table(
    'triggers', sa.column('id', sa.Integer), sa.column('team_id', sa.String), sa.column('number', sa.Integer),
    sa.column('action_kind', sa.String),
)
_EVENT = _triggers.c.action_kind.startswith('event_', autoescape=True)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_triggers.c.id, _triggers.c.team_id)
        .where(_EVENT, _triggers.c.number > 0)
        .order_by(_triggers.c.team_id, _triggers.c.number)
    ).all()
    _renumber(bind, rows, start=lambda team: -1, step=-1)


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_triggers.c.id, _triggers.c.team_id)
        .where(_triggers.c.number < 0)
        .order_by(_triggers.c.team_id, _triggers.c.number.desc())
    ).all()
    highest = dict(
        bind.execute(sa.select(_triggers.c.team_id, sa.func.max(_triggers.c.number)).group_by(_triggers.c.team_id)).all()
    )
    _renumber(bind, rows, start=lambda team: max(highest.get(team) or 0, 0) + 1, step=1)


def _renumber(
    bind: sa.engine.Connection, rows: Sequence[sa.Row[Any, Any]], *, start: Callable[[str], int], step: int
) -> None:
    """Give each workspace's rows consecutive numbers from start(team), in the order given."""
    following: dict[str, int] = {}
    for trigger_id, team_id in rows:
        number = following.get(team_id, start(team_id))
        bind.execute(sa.update(_triggers).where(_triggers.c.id == trigger_id).values(number=number))
        following[team_id] = number + step
