"""Bulk-load stored triggers fast: COPY on PostgreSQL, executemany on SQLite. Most are not due."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, bindparam, delete, text, update

from storage.models import Run, Trigger

TEAM_ID = "TBENCH"
ZONE = "UTC"
# The stored triggers that are not due fall due over the next month, far past any tick's horizon.
NOT_DUE_SPREAD = timedelta(days=30)
# Due triggers fell due within the last half minute, as they would between two ticks.
DUE_SPREAD_SECONDS = 30
COLUMNS = (
    "team_id", "number", "channel_id", "creator_id", "action_kind", "payload", "schedule",
    "schedule_text", "zone", "next_run_at", "state", "misfire_policy", "created_at", "updated_at",
)  # fmt: skip
SQLITE_CHUNK = 20_000


@dataclass(frozen=True)
class Seeded:
    """What was stored: `due_at` holds the due instants of triggers 1..due (ids are 1-based, dense)."""

    stored: int
    due: int
    now: datetime
    due_at: tuple[datetime, ...]


def hourly_schedule(now: datetime) -> tuple[str, str]:
    """(canonical schedule, its words) for "every hour": the peer's interval schedule, in our stored form."""
    from scheduling.schedule import Schedule

    schedule = Schedule(kind="recurring", zone=ZONE, every=3600, anchor=now.replace(minute=0, second=0))
    return schedule.to_canonical(), "every hour"


def rows(stored: int, due: int, now: datetime, schedule: str, words: str) -> Iterator[tuple[object, ...]]:
    """Trigger rows: the first `due` fell due in the last half minute, the rest fall due later."""
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    for number in range(1, stored + 1):
        yield (
            TEAM_ID, number, f"C{number % 500:05d}", "UBENCH", "message", '{"text": "bench"}', schedule,
            words, ZONE, _next_run(number, due, stored, naive_now), "active", "once", naive_now, naive_now,
        )  # fmt: skip


def _next_run(number: int, due: int, stored: int, now: datetime) -> datetime:
    if number <= due:
        return now - timedelta(seconds=1 + number % DUE_SPREAD_SECONDS)
    return now + timedelta(hours=1) + NOT_DUE_SPREAD * (number / stored)


def seed(engine: Engine, stored: int, due: int, now: datetime, schedule: tuple[str, str]) -> Seeded:
    """Store `stored` triggers (ids 1..stored) of which `due` are due at `now`; analyze the table."""
    generated = rows(stored, due, now, *schedule)
    if engine.dialect.name == "postgresql":
        _copy(engine, generated)
    else:
        _executemany(engine, generated)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE triggers" if engine.dialect.name == "postgresql" else "ANALYZE"))
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    due_at = tuple(_next_run(n, due, stored, naive_now).replace(tzinfo=UTC) for n in range(1, due + 1))
    return Seeded(stored=stored, due=due, now=now, due_at=due_at)


def _copy(engine: Engine, generated: Iterator[tuple[object, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY triggers ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in generated:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _executemany(engine: Engine, generated: Iterator[tuple[object, ...]]) -> None:
    placeholders = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO triggers ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    with engine.begin() as conn:
        chunk: list[tuple[object, ...]] = []
        for row in generated:
            chunk.append(tuple(_sqlite_value(v) for v in row))
            if len(chunk) >= SQLITE_CHUNK:
                conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]
                chunk.clear()
        if chunk:
            conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]


def _sqlite_value(value: object) -> object:
    # The same text SQLAlchemy's SQLite DateTime writes, so the models read these rows back alike.
    return value.isoformat(sep=" ", timespec="microseconds") if isinstance(value, datetime) else value


def restore(engine: Engine, seeded: Seeded) -> None:
    """Undo a claim: due triggers back to their due instants and active, every run deleted."""
    table = Trigger.__table__
    statement = update(table).where(table.c.id == bindparam("tid")).values(next_run_at=bindparam("at"), state="active")
    with engine.begin() as conn:
        conn.execute(delete(Run))
        conn.execute(statement, [{"tid": i, "at": at} for i, at in enumerate(seeded.due_at, start=1)])
