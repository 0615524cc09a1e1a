"""The claim's two writes, each one statement per batch: Runs inserted past claimed instants, triggers moved on.

PostgreSQL gets each batch as one JSON array of rows, read back as rows of the table itself by
`json_populate_recordset`: the statement text stays the same whatever the batch size, and the rows
cost one `json.dumps` to send rather than a bound parameter (or an array element) each. SQLite,
which has no such function, gets the same writes as one executemany each. `storage.claims`
decides what to write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Integer, bindparam, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import Run, Trigger, utcnow
from storage.types import UTCDateTime


@dataclass
class RunRow:
    """A Run to insert as queued, or as already skipped when `outcome` is given; the fields are its columns."""

    trigger_id: int
    team_id: str
    due_at: datetime
    kind: str
    state: str
    missed_count: int = 0
    finished_at: datetime | None = None
    outcome: str | None = None


@dataclass
class TriggerMove:
    """Where a claim leaves a trigger: its next run instant (None when it has no more) and its state."""

    id: int
    next_run_at: datetime | None
    state: str


_POSTGRESQL_INSERT_RUNS = text(
    """
    INSERT INTO runs (trigger_id, team_id, due_at, kind, state, missed_count, finished_at, outcome,
                      enqueued_at, attempts, attempt_log)
    SELECT trigger_id, team_id, due_at, kind, state, missed_count, finished_at, outcome,
           CAST(:enqueued_at AS timestamp), 0, CAST('[]' AS json)
    FROM json_populate_recordset(NULL::runs, CAST(:rows AS json))
    ON CONFLICT (trigger_id, due_at) DO NOTHING
    RETURNING id, trigger_id, due_at
    """
).columns(id=Integer, trigger_id=Integer, due_at=UTCDateTime())

_POSTGRESQL_MOVE_TRIGGERS = text(
    """
    UPDATE triggers SET next_run_at = moved.next_run_at, state = moved.state,
                        updated_at = CAST(:updated_at AS timestamp)
    FROM json_populate_recordset(NULL::triggers, CAST(:moves AS json)) AS moved
    WHERE triggers.id = moved.id
    """
)


def insert_runs(
    connection: Connection, rows: Sequence[RunRow], *, enqueued_at: datetime
) -> list[tuple[int, int, datetime]]:
    """Insert the rows but those whose (trigger_id, due_at) is already claimed; (run id, trigger id, due) of each."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        params = {"enqueued_at": _utc_text(enqueued_at), "rows": _json(rows)}
        returned = connection.execute(_POSTGRESQL_INSERT_RUNS, params)
    else:
        statement = sqlite_insert(Run).on_conflict_do_nothing(index_elements=["trigger_id", "due_at"])
        values = [{**vars(row), "enqueued_at": enqueued_at, "attempts": 0, "attempt_log": []} for row in rows]
        returned = connection.execute(statement.returning(Run.id, Run.trigger_id, Run.due_at), values)
    return [(run_id, trigger_id, due_at) for run_id, trigger_id, due_at in returned.all()]


def move_triggers(connection: Connection, moves: Sequence[TriggerMove]) -> None:
    if not moves:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_POSTGRESQL_MOVE_TRIGGERS, {"updated_at": _utc_text(utcnow()), "moves": _json(moves)})
        return
    statement = (
        update(Trigger)
        .where(Trigger.id == bindparam("move_id"))
        .values(next_run_at=bindparam("move_next"), state=bindparam("move_state"), updated_at=utcnow())
    )
    connection.execute(statement, [{"move_id": m.id, "move_next": m.next_run_at, "move_state": m.state} for m in moves])


def _json(rows: Sequence[RunRow] | Sequence[TriggerMove]) -> str:
    return json.dumps([vars(row) for row in rows], default=_utc_text)  # vars: the fields, and cheaper than asdict


def _utc_text(moment: datetime) -> str:
    """An aware instant as the naive UTC text PostgreSQL reads into `timestamp` (what UTCDateTime stores)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise TypeError(f"an aware datetime is required here: {moment!r}")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()
