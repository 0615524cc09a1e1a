"""Whatever a user types, presses or submits: a confirmation or a refusal that names the problem, never a crash.

The production web app (ack first, listeners on Bolt's threads), on SQLite and PostgreSQL, with Redis and with the
broker unreachable. tests/bot/fuzz_judge.py defines what passes; tests/bot/test_fuzz_judge.py shows it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from schedulebot.standin import SlackStandIn
from storage.db import make_engine
from storage.migrate import upgrade
from tests.bot.fuzz_harness import Counts, fuzzed_app
from tests.bot.fuzz_inputs import SEED
from tests.services import postgres_database, redis_database

# 10,000 commands where the database is cheapest; fewer where each costs a round trip (chosen so that all three
# runs together take about a minute on two cores: the README's Testing section has the figures).
COUNTS = {
    "sqlite": Counts(commands=10_000, actions=600, views=300),
    "postgresql": Counts(commands=1_500, actions=300, views=150),
    "sqlite-no-redis": Counts(commands=1_000, actions=200, views=100),
}
# Nothing listens here: the broker is down for the whole run.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL) for the configuration named by the test's parameter."""
    name = request.param
    if name == "postgresql":
        with postgres_database() as database_url, redis_database() as redis_url:
            yield database_url, redis_url
        return
    database_url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    if name == "sqlite-no-redis":
        yield database_url, UNREACHABLE_REDIS
        return
    with redis_database() as redis_url:
        yield database_url, redis_url


@pytest.fixture
def migrated(backend: tuple[str, str]) -> Iterator[Engine]:
    engine = make_engine(backend[0])
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("backend", list(COUNTS), indirect=True)
def test_every_command_button_and_modal_gets_a_confirmation_or_a_specific_refusal(
    slack_standin: SlackStandIn,
    backend: tuple[str, str],
    migrated: Engine,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    counts = COUNTS[request.node.callspec.params["backend"]]
    with fuzzed_app(slack_standin, migrated, *backend, seed=SEED) as fuzz:
        fuzz.run(counts)
    findings = fuzz.judge.findings()
    assert not findings, fuzz.judge.report(findings, of=f"{counts} with seed {SEED}")
    # The run walked the paths that save and change, not only the refusals, and pressed the app's own buttons.
    tally = fuzz.judge.tally()
    assert tally["answers"] >= counts.commands // 10, f"{tally}: too few commands did anything (seed {SEED})"
    assert fuzz.seen, f"the app showed no buttons to press (seed {SEED})"
    if backend[1] == UNREACHABLE_REDIS:
        unsent = [r for r in caplog.records if "not sent to the broker" in r.getMessage()]
        assert unsent, f"no command tried to enqueue while the broker was down (seed {SEED})"
