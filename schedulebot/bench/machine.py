"""What the figures were measured on: cores, memory, load, and the versions that matter."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text

from schedulebot.bench.services import POSTGRES_ADMIN_URL, REDIS_BASE_URL

PACKAGES = ("celery", "kombu", "SQLAlchemy", "psycopg", "redis", "slack_bolt", "gunicorn")


def describe() -> dict[str, Any]:
    """One JSON-ready description of this machine and its services."""
    return {
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "cpu": _cpu_model(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "os": platform.platform(),
        "python": platform.python_version(),
        "redis": _redis_version(),
        "postgresql": _postgres_version(),
        "packages": {name: _package(name) for name in PACKAGES},
    }


def _memory_gb() -> float | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return None
    first = meminfo.read_text().splitlines()[0]
    return round(int(first.split()[1]) / 1024 / 1024, 1)


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _redis_version() -> str | None:
    try:
        client = redis.Redis.from_url(f"{REDIS_BASE_URL}/0")
        return str(client.info("server")["redis_version"])
    except redis.RedisError:
        return None


def _postgres_version() -> str | None:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    except Exception:
        return None
    finally:
        engine.dispose()


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None
