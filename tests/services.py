"""Real PostgreSQL and Redis for tests: each test gets its own database or Redis db number.

The mechanics are the benchmarks' (schedulebot/bench/services.py), so tests and benchmarks never share a
database or a Redis db. On a laptop without a service the tests that need it skip; in CI they fail
instead. CI is the environment variable every CI service sets and .ci/run exports (`make test CI=true`);
`pytest --ci` says the same. tests/conftest.py prints which mode ran and counts service skips first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from schedulebot.bench import services as shared

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


# Every service skip's reason starts with this, so the summary can count them (and CI can refuse them).
SERVICE_SKIP = "service not reachable:"
# CI values that mean "not CI" (someone running `CI=false make test` on a laptop).
NOT_CI = ("", "0", "false", "no", "off")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in NOT_CI


def unavailable(what: str, reason: object) -> None:
    message = f"{SERVICE_SKIP} {what} ({reason})"
    if in_ci():
        pytest.fail(message + "; CI must provide it", pytrace=False)
    pytest.skip(message)


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database for one test and drop it afterwards."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(shared.postgres_database("sbtest", admin_url=POSTGRES_ADMIN_URL))
        except shared.ServiceUnavailable as exc:
            unavailable("PostgreSQL", exc)
        yield url


@contextmanager
def redis_database() -> Iterator[str]:
    """Lease a Redis db number no other run holds, flushed before and after."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(shared.redis_database(base_url=REDIS_BASE_URL))
        except shared.ServiceUnavailable as exc:
            if "leased" in str(exc):
                pytest.fail(str(exc), pytrace=False)
            unavailable("Redis", exc)
        yield url
