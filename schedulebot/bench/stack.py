"""A private stack for a benchmark: PostgreSQL database, Redis db, stand-in Slack, and the env to run in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

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

    def runs_in(self, *states: RunState) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(Run).where(Run.state.in_([s.value for s in states]))
            return int(conn.execute(query).scalar_one())


@contextmanager
def private_stack(tick_seconds: int = DEFAULT_TICK_SECONDS) -> Iterator[Stack]:
    """Migrated private database, leased Redis db and a running stand-in Slack; all removed afterwards."""
    with postgres_database() as url, redis_database() as redis_url, SlackStandIn() as standin:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield Stack(url, redis_url, standin, engine, tick_seconds)
        finally:
            engine.dispose()


def insert_once_triggers(
    engine: Engine, dues: list[datetime], label: str, channels: int | None = None
) -> dict[str, datetime]:
    """One-off `message` triggers, one per due instant (whole seconds), each to its own channel.

    Separate channels (unless `channels` caps them) keep Slack's one-message-per-second-per-channel
    pacing out of the figure.
    Returns each trigger's message text with its due instant.
    """
    from scheduling.schedule import Schedule

    rows = [
        {
            "team_id": TEAM_ID,
            "number": number,
            "channel_id": _channel(label, number, channels),
            "creator_id": "U0BENCH",
            "action_kind": "message",
            "payload": {"text": f"{label} {number}"},
            "zone": "UTC",
            "next_run_at": due,
            "schedule": Schedule(kind="once", zone="UTC", at=due).to_canonical(),
            "schedule_text": "bench",
            "state": "active",
            "misfire_policy": "once",
            "created_at": due,
            "updated_at": due,
        }
        for number, due in enumerate(dues, start=_next_number(engine))
    ]
    with engine.begin() as conn:
        conn.execute(Trigger.__table__.insert(), rows)
    return {row["payload"]["text"]: row["next_run_at"] for row in rows}  # type: ignore[index]


def _channel(label: str, number: int, channels: int | None) -> str:
    return f"C{label[:3].upper()}{(number % channels) if channels else number:06d}"


def _next_number(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(Trigger.number), 0))).scalar_one()) + 1
