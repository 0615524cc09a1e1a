"""Fixtures every package's tests share: a migrated database on each backend, and Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, session_factory
from storage.migrate import upgrade
from tests.services import postgres_database, redis_database

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend, private to the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'schedulebot.db'}"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A database migrated to head; fails the test if it leaves a pooled connection checked out."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    checked_out = engine.pool.checkedout()  # type: ignore[attr-defined]
    engine.dispose()
    assert checked_out == 0, f"{checked_out} pooled connection(s) left checked out"


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_database() as url:
        yield url
