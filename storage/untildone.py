"""Reminders that repeat until done: marking one done, once, and what was marked.

The first run of a reminder records who pressed Done and when; its repeats name it (`repeat_of`). Marking
done is one guarded update (the first press wins) and, in the same transaction, every repeat still
queued is skipped; a repeat a worker is about to start is refused by the start itself (tasks/runstate.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.errors import NotFound
from storage.models import Run, RunState


@dataclass(frozen=True)
class Marked:
    """The outcome of a Done press: whether this press marked it, and who did and when."""

    won: bool
    done_by: str
    done_at: datetime
    slack_ts: str | None
    released: int = 0


def mark_done(
    session: Session, *, team_id: str, trigger_id: int, first_run_id: int, user_id: str, now: datetime
) -> Marked:
    moved = session.execute(
        update(Run)
        .where(Run.id == first_run_id, Run.team_id == team_id, Run.trigger_id == trigger_id, Run.done_by.is_(None))
        .values(done_by=user_id, done_at=now)
        .execution_options(synchronize_session=False)
    )
    first = session.get(Run, first_run_id, populate_existing=True)
    if first is None or first.team_id != team_id or first.trigger_id != trigger_id:
        raise NotFound("That reminder is no longer there")
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        assert first.done_by is not None and first.done_at is not None
        return Marked(False, first.done_by, first.done_at, first.slack_ts)
    released = session.execute(
        update(Run)
        .where(Run.repeat_of == first_run_id, Run.state == RunState.QUEUED.value)
        .values(state=RunState.SKIPPED.value, finished_at=now, error="marked done")
        .execution_options(synchronize_session=False)
    )
    return Marked(True, user_id, now, first.slack_ts, int(released.rowcount))  # type: ignore[attr-defined]


def marked_done(session: Session, *, team_id: str, trigger_id: int, limit: int) -> Sequence[Run]:
    """The trigger's reminders someone marked done, newest first."""
    query = (
        select(Run)
        .where(Run.team_id == team_id, Run.trigger_id == trigger_id, Run.done_at.is_not(None))
        .order_by(Run.done_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
