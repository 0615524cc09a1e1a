"""The claim's two writes, each one statement per batch: Runs inserted past claimed instants, triggers moved on.

PostgreSQL gets each batch as a few arrays through `unnest`, so the statement text stays the same
whatever the batch size (parsed and planned once, no per-row parameters to bind). SQLite, which has
no arrays, gets the same writes as one executemany each. `storage.claims` decides what to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, String, bindparam, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import Run, Trigger, utcnow
from storage.types import UTCDateTime


@dataclass(frozen=True)
class RunRow:
    """A Run to insert as queued, or as already skipped when `outcome` is given."""

    trigger_id: int
    team_id: str
    due_at: datetime
    kind: str
    state: str
    missed_count: int = 0
    finished_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class TriggerMove:
    """Where a claim leaves a trigger: its next run instant (None when it has no more) and its state."""

    trigger_id: int
    next_run_at: datetime | None
    state: str


_POSTGRESQL_INSERT_RUNS = (
    text(
        """
        INSERT INTO runs (trigger_id, team_id, due_at, kind, state, missed_count, finished_at, outcome,
                          enqueued_at, attempts, attempt_log)
        SELECT r.*, CAST(:enqueued_at AS timestamp), 0, CAST('[]' AS json)
        FROM unnest(
            CAST(:trigger_ids AS integer[]), CAST(:team_ids AS text[]), CAST(:due_ats AS timestamp[]),
            CAST(:kinds AS text[]), CAST(:states AS text[]), CAST(:missed_counts AS integer[]),
            CAST(:finished_ats AS timestamp[]), CAST(:outcomes AS text[])
        )
            AS r(trigger_id, team_id, due_at, kind, state, missed_count, finished_at, outcome)
        ON CONFLICT (trigger_id, due_at) DO NOTHING
        RETURNING id, trigger_id, due_at
        """
    )
    .bindparams(
        bindparam("enqueued_at", type_=UTCDateTime()),
        bindparam("trigger_ids", type_=ARRAY(Integer)),
        bindparam("team_ids", type_=ARRAY(String)),
        bindparam("due_ats", type_=ARRAY(UTCDateTime())),
        bindparam("kinds", type_=ARRAY(String)),
        bindparam("states", type_=ARRAY(String)),
        bindparam("missed_counts", type_=ARRAY(Integer)),
        bindparam("finished_ats", type_=ARRAY(UTCDateTime())),
        bindparam("outcomes", type_=ARRAY(String)),
    )
    .columns(id=Integer, trigger_id=Integer, due_at=UTCDateTime())
)

_POSTGRESQL_MOVE_TRIGGERS = text(
    """
    UPDATE triggers SET next_run_at = m.next_run_at, state = m.state, updated_at = CAST(:updated_at AS timestamp)
    FROM unnest(CAST(:trigger_ids AS integer[]), CAST(:next_run_ats AS timestamp[]), CAST(:states AS text[]))
        AS m(id, next_run_at, state)
    WHERE triggers.id = m.id
    """
).bindparams(
    bindparam("updated_at", type_=UTCDateTime()),
    bindparam("trigger_ids", type_=ARRAY(Integer)),
    bindparam("next_run_ats", type_=ARRAY(UTCDateTime())),
    bindparam("states", type_=ARRAY(String)),
)


def insert_runs(
    connection: Connection, rows: Sequence[RunRow], *, enqueued_at: datetime
) -> list[tuple[int, int, datetime]]:
    """Insert the rows but those whose (trigger_id, due_at) is already claimed; (run id, trigger id, due) of each."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        columns = _columns(
            rows, "trigger_id", "team_id", "due_at", "kind", "state", "missed_count", "finished_at", "outcome"
        )
        returned = connection.execute(_POSTGRESQL_INSERT_RUNS, {"enqueued_at": enqueued_at, **columns})
    else:
        statement = sqlite_insert(Run).on_conflict_do_nothing(index_elements=["trigger_id", "due_at"])
        values = [_run_values(row, enqueued_at) for row in rows]
        returned = connection.execute(statement.returning(Run.id, Run.trigger_id, Run.due_at), values)
    return [(run_id, trigger_id, due_at) for run_id, trigger_id, due_at in returned]


def move_triggers(connection: Connection, moves: Sequence[TriggerMove]) -> None:
    if not moves:
        return
    updated_at = utcnow()
    if connection.dialect.name == "postgresql":
        columns = _columns(moves, "trigger_id", "next_run_at", "state")
        connection.execute(_POSTGRESQL_MOVE_TRIGGERS, {"updated_at": updated_at, **columns})
        return
    statement = (
        update(Trigger)
        .where(Trigger.id == bindparam("move_id"))
        .values(next_run_at=bindparam("move_next"), state=bindparam("move_state"), updated_at=updated_at)
    )
    values = [{"move_id": m.trigger_id, "move_next": m.next_run_at, "move_state": m.state} for m in moves]
    connection.execute(statement, values)


def _columns(items: Sequence[Any], *names: str) -> dict[str, list[Any]]:
    """One list per attribute, keyed by the plural the statements bind (`due_at` → `due_ats`)."""
    return {f"{name}s": [getattr(item, name) for item in items] for name in names}


def _run_values(row: RunRow, enqueued_at: datetime) -> dict[str, Any]:
    return {
        "trigger_id": row.trigger_id,
        "team_id": row.team_id,
        "due_at": row.due_at,
        "kind": row.kind,
        "state": row.state,
        "missed_count": row.missed_count,
        "finished_at": row.finished_at,
        "outcome": row.outcome,
        "enqueued_at": enqueued_at,
        "attempts": 0,
        "attempt_log": [],
    }
