"""Fixtures every package's tests share: a migrated database on each backend, and Redis.

Also the CI honesty hooks: the header says whether this is CI, the summary counts the tests skipped for a
missing PostgreSQL or Redis before anything else, and in CI any such skip fails the run, whichever path
(fixture, collection, xdist worker) it took.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, session_factory
from storage.migrate import upgrade
from tests.services import SERVICE_SKIP, in_ci, postgres_database, redis_database

REPO_ROOT = Path(__file__).resolve().parents[1]
# A skip that names a service counts as a service skip even if it did not come through tests.services.
SERVICE_WORDS = re.compile(r"postgres|redis|broker|celery|not reachable", re.IGNORECASE)
# Reasons of the service skips this run has seen (the controller sees its xdist workers' reports too).
_service_skips: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ci", action="store_true", help="as CI=true: a test needing a missing PostgreSQL or Redis fails, not skips"
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--ci"):
        os.environ["CI"] = "true"  # xdist workers and subprocesses inherit it


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start real processes (marked slow) first. Under `--dist loadfile` the files go out in this order,
    so the long ones start together and the short ones fill in around them; in collection order a three-minute
    file could start last and run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_report_header(config: pytest.Config) -> str:
    if in_ci():
        return "services: CI, so a test needing a missing PostgreSQL or Redis FAILS"
    return "services: not CI, so a test needing a missing PostgreSQL or Redis skips (CI=true or --ci fails it)"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note_skip(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note_skip(report)


def _note_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if SERVICE_SKIP in reason or SERVICE_WORDS.search(reason):
            _service_skips.append(reason.removeprefix("Skipped: "))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None]:
    """First in the summary: how many tests skipped for a missing service, and why."""
    failing = bool(_service_skips) and in_ci()
    mode = "in CI: the run fails" if failing else ("in CI" if in_ci() else "not CI")
    terminalreporter.write_sep("=", f"{len(_service_skips)} service test(s) skipped ({mode})", red=failing)
    for reason, count in Counter(_service_skips).most_common():
        terminalreporter.write_line(f"{count} × {reason}")
    return (yield)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if in_ci() and _service_skips and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
