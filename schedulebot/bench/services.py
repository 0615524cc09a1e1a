"""Private PostgreSQL databases and leased Redis db numbers for a benchmark run, as the tests get them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
# The same leases the tests take (tests/services.py), so a benchmark never shares a db with a test.
# db 0 holds the leases; 1 … (databases - 1) are leased. A server that hides CONFIG has Redis's default 16.
DEFAULT_REDIS_DATABASES = 16
REDIS_LEASE_KEY = "schedulebot-test:db:{}"
REDIS_LEASE_SECONDS = 1800


class ServiceUnavailable(Exception):
    """PostgreSQL or Redis is not reachable, or every Redis db number is leased."""


@contextmanager
def postgres_database(prefix: str = "sbbench", *, admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        raise ServiceUnavailable(f"PostgreSQL at {admin.url!r} is not reachable ({exc.orig})") from None
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def redis_database(*, base_url: str = REDIS_BASE_URL) -> Iterator[str]:
    """Lease a Redis db number nobody else holds, flushed before and after; yield its URL."""
    locks = redis.Redis.from_url(f"{base_url}/0")
    token = uuid.uuid4().hex
    try:
        numbers = range(1, _database_count(locks))
        number = next((n for n in numbers if _lease(locks, n, token)), None)
    except redis.ConnectionError as exc:
        raise ServiceUnavailable(f"Redis at {base_url} is not reachable ({exc})") from None
    if number is None:
        raise ServiceUnavailable(f"every Redis db number 1-{numbers[-1]} is leased by another run")
    url = f"{base_url}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
        if locks.get(REDIS_LEASE_KEY.format(number)) == token.encode():
            locks.delete(REDIS_LEASE_KEY.format(number))
        locks.close()


def _database_count(locks: redis.Redis) -> int:
    try:
        return int(locks.config_get("databases").get("databases", DEFAULT_REDIS_DATABASES))
    except redis.ResponseError:
        return DEFAULT_REDIS_DATABASES


def _lease(locks: redis.Redis, number: int, token: str) -> bool:
    return bool(locks.set(REDIS_LEASE_KEY.format(number), token, nx=True, ex=REDIS_LEASE_SECONDS))
