"""Migration 0013: schedules keep their numbers; events' triggers move to their own sequence below zero."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from storage.db import make_engine, session_factory, transaction
from storage.migrate import _alembic_config, upgrade
from storage.models import Trigger
from storage.repository import create_trigger, get_trigger

AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def _row(team: str, number: int, kind: str) -> dict[str, object]:
    return {
        "team_id": team, "number": number, "channel_id": "C1", "creator_id": "U1", "schedule": "{}",
        "schedule_text": "", "zone": "UTC", "next_run_at": AT, "action_kind": kind, "payload": {},
        "state": "active", "misfire_policy": "once",
        "created_at": AT, "updated_at": AT,
    }  # fmt: skip


def _downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def _numbers(engine: Engine, team: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        query = select(Trigger.number, Trigger.action_kind).where(Trigger.team_id == team).order_by(Trigger.id)
        return [(number, kind) for number, kind in conn.execute(query).all()]


def test_existing_schedules_keep_their_numbers_and_new_ones_follow_the_highest(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0012_tokens_at_rest")
    kinds = ["message", "event_reminder", "event_start", "event_end", "message", "event_notice"]
    with engine.begin() as conn:
        for team in ("T1", "T2"):
            conn.execute(insert(Trigger.__table__), [_row(team, n, kind) for n, kind in enumerate(kinds, 1)])
    upgrade(engine)
    expected = [(1, "message"), (-1, "event_reminder"), (-2, "event_start"), (-3, "event_end"), (5, "message"),
                (-4, "event_notice")]  # fmt: skip
    assert _numbers(engine, "T1") == expected and _numbers(engine, "T2") == expected
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        made = create_trigger(
            session, team_id="T1", channel_id="C1", creator_id="U1", schedule="{}", zone="UTC", next_run_at=AT
        )
        event = create_trigger(
            session, team_id="T1", channel_id="C1", creator_id="U1", schedule="{}", zone="UTC", next_run_at=AT,
            action_kind="event_start",
        )  # fmt: skip
        assert (made.number, event.number) == (6, -5)
        assert get_trigger(session, team_id="T1", number=5).action_kind == "message"
    _downgrade(engine, "0012_tokens_at_rest")  # events' triggers go back above the highest number
    assert sorted(number for number, _ in _numbers(engine, "T1")) == [1, 5, 6, 7, 8, 9, 10, 11]
    engine.dispose()
