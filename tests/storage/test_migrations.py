from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Executable

from schedulebot import telemetry
from storage.db import make_engine
from storage.migrate import SchemaOutOfDate, current_revision, ensure_current, head_revision, upgrade
from storage.models import Base, Run, Trigger
from tasks import runstate
from tests.conftest import REPO_ROOT


def test_upgrade_reaches_head_and_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def _ours(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Leave slack_sdk's tables, which its own definitions create, out of the model comparison."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith("slack_")


def test_migrations_create_slack_sdk_tables(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)
    ensure_current(engine)


def test_empty_database_is_refused_with_advice(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(SchemaOutOfDate, match="schedulebot migrate"):
        ensure_current(engine)
    engine.dispose()


def _due_query_plan(engine: Engine) -> str:
    due = (
        select(Trigger.id)
        .where(Trigger.state == "active", Trigger.next_run_at <= datetime.now(UTC))
        .order_by(Trigger.next_run_at)
        .limit(100)
    )
    compiled = str(due.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            rows = conn.execute(text("EXPLAIN " + compiled)).all()
        else:
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + compiled)).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_due_triggers_are_served_by_the_partial_index(engine: Engine) -> None:
    plan = _due_query_plan(engine)
    assert "ix_triggers_due" in plan, plan
    assert "SCAN triggers\n" not in plan + "\n"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "schedulebot.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
    )


def test_migrate_command_brings_an_empty_database_to_head(database_url: str) -> None:
    result = _cli("migrate", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert head_revision() in result.stdout
    engine = make_engine(database_url)
    ensure_current(engine)
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url at all", "DATABASE_URL: not a database URL"),
        ("postgresql://postgres:sekrit@127.0.0.1:1/nope", "DATABASE_URL: cannot reach the database"),
    ],
)
def test_migrate_command_names_a_bad_database_url_in_one_line(url: str, expected: str) -> None:
    result = _cli("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 2
    assert result.stderr.startswith("schedulebot migrate: " + expected), result.stderr
    assert "Traceback" not in result.stderr
    assert "sekrit" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_utc_datetimes_come_back_aware_on_every_backend(engine: Engine) -> None:
    from storage.db import session_factory, transaction
    from storage.repository import create_trigger, get_trigger

    instant = datetime(2026, 3, 8, 7, 30, tzinfo=UTC) + timedelta(microseconds=0)
    with transaction(session_factory(engine)) as session:
        create_trigger(
            session, team_id="T1", channel_id="C1", creator_id="U1", schedule="{}", zone="UTC", next_run_at=instant
        )
    with transaction(session_factory(engine)) as session:
        assert get_trigger(session, team_id="T1", number=1).next_run_at == instant


def test_finishing_a_one_off_finds_its_trigger_by_id_while_thousands_are_under_way(engine: Engine) -> None:
    """The herd's case: statistics taken while every trigger had a next run, then all claimed (next run null).

    The check that completes a one-off after its run asks for "this trigger, active, with no next run". With the
    nulls in the due index, PostgreSQL walked all 3,000 in it (4 ms a run in the 10,000-run herd), not the one row.
    """
    due = datetime.now(UTC)
    rows = [
        {"team_id": "T1", "number": n, "channel_id": "C1", "creator_id": "U1", "schedule": "once", "zone": "UTC",
         "next_run_at": due, "state": "active"}
        for n in range(1, 3_001)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(Trigger.__table__.insert(), rows)
        conn.execute(text("ANALYZE triggers"))
        conn.execute(text("UPDATE triggers SET next_run_at = NULL"))
        trigger_id = conn.scalar(select(Trigger.id).where(Trigger.number == 1_500))
    plan = _plan(engine, runstate._COMPLETE_IF_EXHAUSTED, p_trigger=trigger_id, p_run=1, p_now=due)
    assert "ix_triggers_due" not in plan, plan
    assert ("triggers_pkey" in plan) if engine.dialect.name == "postgresql" else ("INTEGER PRIMARY KEY" in plan), plan


def test_finishing_a_run_looks_up_its_triggers_unfinished_runs_alone_while_thousands_are_under_way(
    engine: Engine,
) -> None:
    """The herd's other case: 3,000 one-offs claimed, each with its run under way, statistics taken before (when
    a table of runs is mostly history, as it is between herds).

    Completing a one-off asks whether its trigger has another unfinished run. With only the unfinished-runs index
    (by when each was queued), PostgreSQL answered by reading all of it against the trigger's runs: 11,136 entries
    for each finished run in the 10,000-run herd, half of PostgreSQL's time there. With unfinished runs indexed by
    trigger it reads the trigger's own.
    """
    trigger_id, run_id = _under_way(engine, 3_000)
    plan = _plan(engine, runstate._COMPLETE_IF_EXHAUSTED, p_trigger=trigger_id, p_run=run_id, p_now=datetime.now(UTC))
    assert "ix_runs_unfinished " not in plan.replace("\n", " ") + " ", plan
    by_trigger = "ix_runs_unfinished_trigger" if engine.dialect.name == "postgresql" else "(trigger_id=?)"
    assert by_trigger in plan, plan
    if engine.dialect.name != "postgresql":
        return  # SQLite uses a partial index only for constants in the statement, and the app binds its values
    # Recovery's question ("queued before") still has its index: its condition implies the index's.
    stale = datetime.now(UTC) + timedelta(hours=1)
    recovery = (
        select(Run.id)
        .where(Run.state.in_(("queued", "running")), Run.enqueued_at < stale)
        .order_by(Run.enqueued_at)
        .limit(100)
    )
    assert "ix_runs_unfinished" in _plan(engine, recovery).replace("ix_runs_unfinished_trigger", "")
    # So has the tick's count of the due backlog.
    backlog = _plan(engine, telemetry.due_backlog_query(now=datetime.now(UTC)))
    assert "ix_runs_unfinished" in backlog.replace("ix_runs_unfinished_trigger", ""), backlog


def _under_way(engine: Engine, count: int) -> tuple[int, int]:
    """`count` one-offs claimed (no next run), each with one run, running now but finished when the statistics were
    taken; the middle one's trigger and run ids."""
    due = datetime.now(UTC)
    triggers = [
        {"team_id": "T1", "number": n, "channel_id": "C1", "creator_id": "U1", "schedule": "once", "zone": "UTC",
         "next_run_at": None, "state": "active"}
        for n in range(1, count + 1)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(Trigger.__table__.insert(), triggers)
        ids = conn.scalars(select(Trigger.id).order_by(Trigger.id)).all()
        runs = [{"trigger_id": tid, "team_id": "T1", "due_at": due, "kind": "scheduled", "state": "succeeded",
                 "attempts": 1, "enqueued_at": due, "attempt_log": []} for tid in ids]  # fmt: skip
        conn.execute(Run.__table__.insert(), runs)
        conn.execute(text("ANALYZE runs" if engine.dialect.name == "postgresql" else "ANALYZE"))
        conn.execute(text("UPDATE runs SET state = 'running'"))
        middle = ids[len(ids) // 2]
        run_id = conn.scalar(select(Run.id).where(Run.trigger_id == middle))
    assert run_id is not None
    return middle, run_id


# SQLite plans each statement as it comes: only PostgreSQL makes a plan once for all values.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "name",
    ["_START", "_FINISH_AND_COMPLETE", "_FINISH_AND_REPEAT", "_FINISH_POSTED", "_DEFER", "_REPACE", "_RECORD_OUTCOME"],
)
def test_a_runs_moves_find_it_by_id_in_plans_made_once_while_thousands_are_under_way(engine: Engine, name: str) -> None:
    """A run's moves are prepared statements that PostgreSQL plans once (a generic plan, no values known) after a
    few runs. Those plans must find the run by its id and its trigger's other runs by trigger, never by reading an
    index of unfinished runs that statistics say is empty: it holds the whole backlog in a herd."""
    _under_way(engine, 3_000)
    plan = _generic_plan(engine, getattr(runstate, name))
    assert "runs_pkey" in plan, plan
    if name in (
        "_START",
        "_FINISH_AND_COMPLETE",
        "_FINISH_AND_REPEAT",
        "_FINISH_POSTED",
    ):  # they ask about the trigger's other runs
        assert "ix_runs_unfinished_trigger" in plan, plan  # not its whole history, by uq_runs_trigger_due
    for line in plan.splitlines():  # an index of unfinished runs is read only for what its key finds
        if "ix_runs_unfinished" in line:
            assert "Index Cond" in plan.split(line, 1)[1].split("->", 1)[0], plan


def _generic_plan(engine: Engine, statement: Executable) -> str:
    """PostgreSQL's plan for the statement with no parameter values known, as it runs a prepared statement it has
    decided to plan once (PREPARE, then EXPLAIN EXECUTE under force_generic_plan)."""
    compiled = statement.compile(dialect=engine.dialect)
    order: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    sql = re.sub(r"%\((\w+)\)s", numbered, str(compiled))
    with engine.connect() as conn:
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE move AS {sql}".replace("%", "%%"))
        nulls = ", ".join("NULL" for _ in order)
        rows = conn.exec_driver_sql(f"EXPLAIN EXECUTE move({nulls})").all()
    return "\n".join(str(row[0]) for row in rows)


def _plan(engine: Engine, statement: Executable, **params: object) -> str:
    """The database's plan for the statement as the app sends it: its SQL and values, with EXPLAIN in front."""
    explain = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "

    def explained(conn: Connection, cursor: object, sql: str, parameters: object, *args: object) -> tuple[str, object]:
        return explain + sql, parameters

    with engine.connect() as conn:
        event.listen(conn, "before_cursor_execute", explained, retval=True)
        rows = conn.execute(statement, params).all()
    return "\n".join(str(row[-1]) for row in rows)
