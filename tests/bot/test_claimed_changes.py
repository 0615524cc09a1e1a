"""skip, snooze and edit act on a run already claimed for the coming seconds, not only on next_run_at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.db import transaction
from storage.models import Run, RunState, Trigger
from tests.bot.conftest import Served, Slack, make_settings, serve, text_of

# A long tick: a save due within five minutes is claimed (and queued) at once.
TICK_SECONDS = 300


@pytest.fixture
def claiming(standin: SlackStandIn, engine: Engine, database_url: str, redis_url: str) -> Iterator[Slack]:
    # Schedules two minutes apart: below the default minimum interval for people who are not admins.
    settings = make_settings(
        database_url,
        standin.api_url,
        redis_url,
        SCHEDULEBOT_TICK_SECONDS=TICK_SECONDS,
        SCHEDULEBOT_MIN_INTERVAL_MINUTES=1,
    )
    served: Served
    for served in serve(settings, engine):
        person = Slack(standin, served.url)
        yield person
        person.sender.close()


def _runs(db: sessionmaker[Session]) -> list[tuple[str, str, str | None]]:
    """(state, due in whole minutes from the first run, outcome) for every run, in due order."""
    with transaction(db) as session:
        runs = list(session.scalars(select(Run).order_by(Run.due_at)))
        first = runs[0].due_at
        return [(r.state, f"+{(r.due_at - first) // timedelta(minutes=1)}m", r.outcome) for r in runs]


def _next_run_at(db: sessionmaker[Session]) -> object:
    with transaction(db) as session:
        return session.scalar(select(Trigger.next_run_at))


def _queued_run(db: sessionmaker[Session]) -> Run:
    with transaction(db) as session:
        (run,) = session.scalars(select(Run).where(Run.state == RunState.QUEUED.value))
        session.expunge(run)
        return run


def test_skip_skips_the_run_already_claimed(claiming: Slack, sessions: sessionmaker[Session]) -> None:
    assert "Scheduled *#1*" in text_of(claiming.command("to ping every 2 minutes"))
    assert [state for state, _, _ in _runs(sessions)] == ["queued", "queued"]  # +2m and +4m are claimed
    assert "Skipping the run of *#1*" in text_of(claiming.command("skip 1"))
    assert _runs(sessions) == [
        ("skipped", "+0m", "released: skipped with /schedule skip 1"),
        ("queued", "+2m", None),  # the following run, claimed again
    ]


def test_snooze_moves_a_claimed_one_off_instead_of_posting_twice(
    claiming: Slack, sessions: sessionmaker[Session]
) -> None:
    assert "Scheduled *#1*" in text_of(claiming.command("to stand up in 1 minute"))
    claimed = _queued_run(sessions)
    assert "Snoozed *#1*" in text_of(claiming.command("snooze 1 3 minutes"))
    runs = _runs(sessions)
    # Snooze delays the claimed run by the duration from its due time (issue 18), not from now.
    assert [(state, due) for state, due, _ in runs] == [("skipped", "+0m"), ("queued", "+3m")]
    assert runs[0][2] is not None and runs[0][2].startswith("released: snoozed by 3 minutes")
    assert _queued_run(sessions).id != claimed.id


def test_edit_when_moves_a_claimed_one_off_instead_of_posting_twice(
    claiming: Slack, sessions: sessionmaker[Session]
) -> None:
    assert "Scheduled *#1*" in text_of(claiming.command("to stand up in 1 minute"))
    assert "Changed *#1*" in text_of(claiming.command("edit 1 in 4 minutes"))
    assert _runs(sessions) == [("skipped", "+0m", "released: given a new time"), ("queued", "+3m", None)]
    assert _next_run_at(sessions) is None  # the new time is claimed; nothing is left to plan
