"""Reminders that repeat until done, as the run moves see them (tasks/runstate.py builds on these statements).

The finishing statement of a run that posted also inserts the next repeat (a queued run naming the first
run, due one interval later, at most once by the claim's unique key), unless the reminder was marked done,
and returns it (`Finished.repeat`) so the worker sends it for its due second once the statement has
committed; `start` refuses a repeat whose reminder is done, and `release_done` skips it (both in
tasks/runstate.py, with these statements).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Select, bindparam, exists, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.selectable import CTE

from storage.claims import Claimed
from storage.models import Run, RunState, state_in
from storage.types import UTCDateTime

if TYPE_CHECKING:
    from tasks.runstate import RunView

# The kind of a run that posts a reminder again because nobody has marked it done.
KIND_REPEAT = "repeat"

runs = Run.__table__

# The first run of a reminder that repeats until done, as its repeats see it.
FIRST = runs.alias("first")
FIRST_COLUMNS = (
    FIRST.c.slack_ts.label("first_ts"),
    FIRST.c.due_at.label("first_due_at"),
    FIRST.c.done_at.label("first_done_at"),
)
_DONE_FIRST = runs.alias("done_first")
# This run repeats a reminder someone has marked done.
REPEATS_DONE = exists().where(_DONE_FIRST.c.id == runs.c.repeat_of, _DONE_FIRST.c.done_at.is_not(None))
# A queued repeat of a reminder marked done is skipped, never started.
RELEASE_DONE = (
    runs.update()
    .where(runs.c.id == bindparam("p_run"), state_in(runs.c.state, RunState.QUEUED.value), REPEATS_DONE)
    .values(state=RunState.SKIPPED.value, finished_at=bindparam("p_now"), error="marked done")
)
_REPEAT_COLUMNS = ("trigger_id", "team_id", "due_at", "kind", "state", "attempts", "enqueued_at")
_REPEAT_COLUMNS += ("missed_count", "attempt_log", "repeat_of")
_NOT_DONE = ~exists().where(_DONE_FIRST.c.id == bindparam("p_repeat_of"), _DONE_FIRST.c.done_at.is_not(None))


def _repeat_values() -> tuple[Any, ...]:
    due = bindparam("p_repeat_due", type_=UTCDateTime())
    return (
        bindparam("p_trigger"),
        bindparam("p_team"),
        due,
        literal(KIND_REPEAT),
        literal(RunState.QUEUED.value),
        literal(0),
        due,
        literal(0),
        bindparam("p_empty_log", type_=JSON()),
        bindparam("p_repeat_of"),
    )


# SQLite: the next repeat, in the finishing transaction.
INSERT_REPEAT = (
    sqlite_insert(runs)
    .from_select(_REPEAT_COLUMNS, select(*_repeat_values()).where(_NOT_DONE))
    .on_conflict_do_nothing(index_elements=["trigger_id", "due_at"])
    .returning(runs.c.id)
)


def with_repeat(finish: Select[Any], moved: CTE) -> Select[Any]:
    """PostgreSQL: the finishing statement `finish` (whose run move is `moved`) also queues the next repeat if the
    run moved; its second column is the repeat's id (None when none was queued), so the worker can send it."""
    repeated = (
        pg_insert(runs)
        .from_select(_REPEAT_COLUMNS, select(*_repeat_values()).select_from(moved).where(_NOT_DONE))
        .on_conflict_do_nothing(index_elements=["trigger_id", "due_at"])
        .returning(runs.c.id)
        .cte("repeated")
    )
    return finish.add_columns(select(repeated.c.id).scalar_subquery())


def next_repeat_due(view: RunView) -> datetime | None:
    """When the reminder is posted again if nobody marks it done: one interval after this post's due instant."""
    nag = view.until_done
    if nag is None or view.done or view.repeat_number >= int(nag["max"]):
        return None
    first_due = view.first_due_at if view.repeat_of is not None and view.first_due_at else view.due_at
    return first_due + timedelta(seconds=int(nag["every"]) * (view.repeat_number + 1))


def repeat_params(view: RunView, due: datetime) -> dict[str, Any]:
    """The finishing statement's parameters for the repeat it queues."""
    return {"p_repeat_due": due, "p_repeat_of": view.repeat_of or view.run_id, "p_team": view.team_id,
            "p_empty_log": []}  # fmt: skip


def queued(view: RunView, repeat_id: int | None, due: datetime) -> Claimed | None:
    """The queued repeat, to send with its due second as ETA; None when none was inserted (done, or already there)."""
    return None if repeat_id is None else Claimed(repeat_id, view.trigger_id, due, due, view.team_id)
