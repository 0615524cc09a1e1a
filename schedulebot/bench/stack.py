"""A private stack for a benchmark: PostgreSQL database, Redis db, stand-in Slack, and the env to run in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from schedulebot.bench.services import postgres_database, redis_database
from schedulebot.standin import SlackStandIn
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Run, RunState, Trigger

BOT_TOKEN = "xoxb-bench"
SIGNING_SECRET = "bench-signing-secret"
TEAM_ID = "T0BENCH"
# Short so a benchmark or the chaos run does not wait a minute for beat's first tick; the tick
# looks ahead one period, so runs still fire on their second.
DEFAULT_TICK_SECONDS = 5


@dataclass
class Stack:
    database_url: str
    redis_url: str
    standin: SlackStandIn
    engine: Engine
    tick_seconds: int

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SLACK_API_URL": self.standin.api_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SCHEDULEBOT_TICK_SECONDS": str(self.tick_seconds),
            **extra,
        }

    def settings(self) -> object:
        from schedulebot.config import load_settings

        return load_settings(**{k: v for k, v in self.env().items()})

    def active_triggers(self) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(Trigger).where(Trigger.state == "active")
            return int(conn.execute(query).scalar_one())

    def runs_in(self, *states: RunState) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(Run).where(Run.state.in_([s.value for s in states]))
            return int(conn.execute(query).scalar_one())


@contextmanager
def private_stack(tick_seconds: int = DEFAULT_TICK_SECONDS, *, redis_url: str | None = None) -> Iterator[Stack]:
    """Migrated private database, Redis (a leased db, or the server at `redis_url`) and a running stand-in
    Slack; all removed afterwards."""
    with postgres_database() as url, _redis(redis_url) as broker, SlackStandIn() as standin:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield Stack(url, broker, standin, engine, tick_seconds)
        finally:
            engine.dispose()


@contextmanager
def _redis(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with redis_database() as leased:
        yield leased


def insert_once_triggers(
    engine: Engine, dues: list[datetime], label: str, channels: int | None = None
) -> dict[str, datetime]:
    """One-off `message` triggers, one per due instant (whole seconds), each to its own channel of its own
    workspace.

    Separate channels (unless `channels` caps them) and workspaces keep the worker's pacing to Slack's limits
    (one message a second per channel, a few hundred a minute per workspace) out of the figure: these figures
    are the worker's throughput; the herd section measures those limits.
    Returns each trigger's message text with its due instant.
    """
    from scheduling.schedule import Schedule

    rows = [
        trigger_row(number, _channel(label, number, channels), f"{label} {number}", due,
                    Schedule(kind="once", zone="UTC", at=due), team_id=f"T{label[:3].upper()}{number:06d}")
        for number, due in enumerate(dues, start=next_number(engine))
    ]  # fmt: skip
    insert_triggers(engine, rows)
    return {row["payload"]["text"]: row["next_run_at"] for row in rows}


def trigger_row(
    number: int, channel: str, text: str, first: datetime, schedule: Any, policy: str = "once", team_id: str = TEAM_ID
) -> Any:
    """One `message` trigger's row in `team_id`, first due at `first` (whole seconds) on `schedule`."""
    return {
        "team_id": team_id, "number": number, "channel_id": channel, "creator_id": "U0BENCH",
        "action_kind": "message", "payload": {"text": text}, "zone": "UTC", "next_run_at": first,
        "schedule": schedule.to_canonical(), "schedule_text": "bench", "state": "active",
        "misfire_policy": policy, "created_at": first, "updated_at": first,
    }  # fmt: skip


def insert_triggers(engine: Engine, rows: list[Any]) -> list[int]:
    """Insert trigger rows in one statement; their ids, in the rows' order."""
    table = Trigger.__table__
    with engine.begin() as conn:
        result = conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
        return [int(row[0]) for row in result]


def _channel(label: str, number: int, channels: int | None) -> str:
    return f"C{label[:3].upper()}{(number % channels) if channels else number:06d}"


def next_number(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(Trigger.number), 0))).scalar_one()) + 1
