"""The peer: a beat scheduler that loads every stored schedule at each sync (sqlalchemy-celery-beat).

django-celery-beat and sqlalchemy-celery-beat both read every enabled row, build an entry for
each and ask each whether it is due. We run the real sqlalchemy-celery-beat `DatabaseScheduler`
on equivalent data (N interval schedules, `due` of them due) in the same database as our own
claim benchmark. If the package cannot be imported, `LoadAllBaseline` does the same work by hand
on our own triggers table, and the report says which one ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from schedulebot.bench.seed import SQLITE_CHUNK

PACKAGE = "sqlalchemy-celery-beat"
TASK_NAME = "schedulebot.fire_trigger"
PERIOD = timedelta(hours=1)
PERIODIC_COLUMNS = (
    "name", "task", "args", "kwargs", "headers", "one_off", "enabled", "last_run_at",
    "total_run_count", "date_changed", "description", "discriminator", "schedule_id",
)  # fmt: skip


def package_version() -> str | None:
    """The installed sqlalchemy-celery-beat version, or None when it cannot be imported."""
    try:
        import sqlalchemy_celery_beat  # noqa: F401
    except Exception:
        return None
    from importlib.metadata import version

    return version("sqlalchemy_celery_beat")


def _periodic_rows(stored: int, due: int, now: datetime, schedule_id: int) -> Iterator[tuple[object, ...]]:
    naive = now.astimezone(UTC).replace(tzinfo=None)
    for number in range(1, stored + 1):
        # Due: last ran over an hour ago. Not due: ran within the last 50 minutes.
        last = naive - (PERIOD + timedelta(seconds=number % 30) if number <= due else timedelta(minutes=number % 50))
        yield (
            f"trigger-{number}", TASK_NAME, f"[{number}]", "{}", "{}", False, True, last,
            0, naive, "", "intervalschedule", schedule_id,
        )  # fmt: skip


def _peer_engine(engine: Engine) -> Engine:
    # The package's tables live in a schema it names "celery_schema"; None maps it to the default one.
    return engine.execution_options(schema_translate_map={"celery_schema": None})


def seed_peer(engine: Engine, stored: int, due: int, now: datetime) -> None:
    """Create the package's tables and store `stored` hourly periodic tasks, `due` of them due."""
    from sqlalchemy_celery_beat.models import IntervalSchedule
    from sqlalchemy_celery_beat.session import ModelBase

    peer = _peer_engine(engine)
    ModelBase.metadata.create_all(peer)
    with peer.begin() as conn:
        schedule_id = conn.execute(
            IntervalSchedule.__table__.insert().values(every=1, period="hours").returning(IntervalSchedule.id)
        ).scalar_one()
    generated = _periodic_rows(stored, due, now, schedule_id)
    if engine.dialect.name == "postgresql":
        _copy_periodic(engine, generated)
    else:
        _insert_periodic(peer, generated)


def _copy_periodic(engine: Engine, generated: Iterator[tuple[object, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        sql = f"COPY celery_periodictask ({', '.join(PERIODIC_COLUMNS)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in generated:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _insert_periodic(peer: Engine, generated: Iterator[tuple[object, ...]]) -> None:
    from sqlalchemy_celery_beat.models import PeriodicTask

    with peer.begin() as conn:
        chunk: list[dict[str, object]] = []
        for row in generated:
            chunk.append(dict(zip(PERIODIC_COLUMNS, row, strict=True)))
            if len(chunk) >= SQLITE_CHUNK:
                conn.execute(PeriodicTask.__table__.insert(), chunk)
                chunk.clear()
        if chunk:
            conn.execute(PeriodicTask.__table__.insert(), chunk)


def package_sync(url: str) -> Callable[[], int]:
    """One sync of the real DatabaseScheduler: load every enabled entry, ask each is_due; returns due count."""
    from celery import Celery
    from sqlalchemy_celery_beat.schedulers import DatabaseScheduler

    app = Celery("peer-bench", set_as_current=False)
    app.conf.beat_dburi = url
    scheduler = DatabaseScheduler(app=app, lazy=True)

    def sync() -> int:
        entries = scheduler.all_as_schedule()
        return sum(1 for entry in entries.values() if entry.is_due().is_due)

    return sync


def baseline_sync(engine: Engine) -> Callable[[], int]:
    """The same work by hand on our triggers table: load every active row, build a schedule, ask is_due."""
    from celery.schedules import schedule

    from storage.models import Trigger

    def sync() -> int:
        with engine.connect() as conn:
            found = conn.execute(select(Trigger).where(Trigger.state == "active")).all()
        entries = [(schedule(PERIOD), row.next_run_at - PERIOD) for row in found]
        return sum(1 for entry, last in entries if entry.is_due(last).is_due)

    return sync


def time_syncs(sync: Callable[[], Any], repeat: int) -> tuple[list[float], int]:
    """Milliseconds of each of `repeat` syncs, and the due count the last one found."""
    samples, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = int(sync())
        samples.append((time.perf_counter() - started) * 1000)
    return samples, found
