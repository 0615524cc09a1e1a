"""A rotation that passes the turn on every run, through the real Bolt app with signed requests: a skipped run
passes the turn in the skip's own transaction (a failure leaves neither), from the command and the Skip button."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import ACTION_SKIP
from schedulebot.standin import SlackStandIn
from storage import repository
from storage.db import transaction
from storage.rotations import Turns, read_turns
from tests.bot.conftest import Slack, text_of

ANA, BO, CY = "<@UANA|ana>", "<@UBO|bo>", "<@UCY|cy>"
NEW = f"<#C42|ops> rotate {ANA} {BO} {CY} to run the standup every weekday at 9:30am, rotate on every run"


@pytest.fixture(autouse=True)
def _ops_channel(standin: SlackStandIn) -> None:
    standin.set_channel("C42", "ops")


def _state(db: sessionmaker[Session]) -> tuple[Turns, datetime | None]:
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        turns = read_turns(session, trigger_id=trigger.id)
        assert turns is not None
        return turns, trigger.next_run_at


@pytest.fixture
def rotations_refuse_changes(engine: Engine) -> Iterator[None]:
    """The database refuses any change to a rotation (a real failure inside the database, mid-transaction)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text("CREATE TRIGGER refuse BEFORE UPDATE ON rotations FOR EACH ROW EXECUTE FUNCTION refuse()")
            )
        else:
            connection.execute(
                text("CREATE TRIGGER refuse BEFORE UPDATE ON rotations BEGIN SELECT RAISE(ABORT, 'refused'); END")
            )
    yield
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse ON rotations" if connection.dialect.name == "postgresql"
                                else "DROP TRIGGER refuse"))  # fmt: skip


def test_skip_passes_the_turn_with_the_skip(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command(NEW)
    before = _state(db)
    reply = text_of(slack.command("skip 1"))
    assert "Skipping the run" in reply and "The turn passes with it: next is <@UBO>" in reply
    turns, next_run_at = _state(db)
    assert turns.next_person == "UBO" and next_run_at is not None and before[1] is not None
    assert next_run_at > before[1]


def test_a_skip_that_fails_part_way_leaves_neither_the_skip_nor_the_turn(
    slack: Slack, db: sessionmaker[Session], rotations_refuse_changes: None
) -> None:
    slack.command(NEW)
    before = _state(db)
    reply = text_of(slack.command("skip 1"))
    assert "Skipping the run" not in reply
    assert _state(db) == before, "the run is not skipped unless the turn passes with it"


def test_the_skip_button_passes_the_turn_too(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command(NEW)
    reply = slack.press(ACTION_SKIP, "1")
    assert reply is not None and "The turn passes with it: next is <@UBO>" in text_of(reply)
    assert _state(db)[0].next_person == "UBO"
