"""Triggers for firing tests, built from Schedule values (no parser needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from scheduling.schedule import Schedule
from storage.db import transaction
from storage.models import Trigger
from storage.repository import create_trigger

TEAM = "T1"


def whole_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def once(at: datetime) -> Schedule:
    return Schedule(kind="once", zone="UTC", at=whole_second(at))


def every(seconds: int, *, anchor: datetime, count: int | None = None) -> Schedule:
    return Schedule(kind="recurring", zone="UTC", every=seconds, anchor=whole_second(anchor), count=count)


def add_trigger(
    sessions: sessionmaker[Session],
    schedule: Schedule,
    *,
    channel: str = "C1",
    text: str = "hello",
    next_run_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
    **fields: Any,
) -> Trigger:
    first = next_run_at or schedule.at or schedule.anchor
    assert first is not None
    with transaction(sessions) as session:
        return create_trigger(
            session,
            team_id=TEAM,
            channel_id=channel,
            creator_id="U1",
            schedule=schedule.to_canonical(),
            zone=schedule.zone,
            next_run_at=first.astimezone(UTC),
            payload=payload or {"text": text},
            **fields,
        )


def seconds_ago(n: float, *, now: datetime) -> datetime:
    return now - timedelta(seconds=n)
