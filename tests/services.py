"""Real PostgreSQL and Redis for tests: each test gets its own database or Redis db number.

On a laptop without a service the tests that need it skip; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Redis db numbers handed to tests; db 0 holds only the locks that hand them out.
REDIS_DB_RANGE = range(1, 16)
REDIS_LOCK_SECONDS = 1800


def unavailable(what: str, reason: object) -> None:
    message = f"{what} is not reachable ({reason})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must provide it", pytrace=False)
    pytest.skip(message)


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database for one test and drop it afterwards."""
    name = f"sbtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        unavailable("PostgreSQL", exc.orig)
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def redis_database() -> Iterator[str]:
    """Lease a Redis db number no other run holds, flushed before and after."""
    locks = redis.Redis.from_url(f"{REDIS_BASE_URL}/0")
    token = uuid.uuid4().hex
    try:
        number = next(
            (n for n in REDIS_DB_RANGE if locks.set(f"schedulebot-test:db:{n}", token, nx=True, ex=REDIS_LOCK_SECONDS)),
            None,
        )
    except redis.ConnectionError as exc:
        unavailable("Redis", exc)
    if number is None:
        pytest.fail("every Redis test database is leased by another run", pytrace=False)
    url = f"{REDIS_BASE_URL}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
        if locks.get(f"schedulebot-test:db:{number}") == token.encode():
            locks.delete(f"schedulebot-test:db:{number}")
        locks.close()
