"""`schedulebot worker`, `schedulebot beat` and `schedulebot tick`: refuse an out-of-date schema, then run."""

from __future__ import annotations

import argparse
import sys

from schedulebot import telemetry
from schedulebot.config import ConfigError, Settings, load_settings
from storage.db import DatabaseUnavailable, make_engine
from storage.migrate import SchemaOutOfDate, ensure_current


def _checked_settings(command: str) -> Settings | None:
    """Settings, if they are valid and the database is at the newest schema; else print why and None."""
    try:
        settings = load_settings()
        engine = make_engine(settings.database_url)
        try:
            ensure_current(engine)
        finally:
            engine.dispose()
    except (ConfigError, DatabaseUnavailable, SchemaOutOfDate) as exc:
        print(f"schedulebot {command}: {exc}", file=sys.stderr)
        return None
    return settings


def worker(argv: list[str]) -> int:
    """Start a Celery worker; extra arguments go to `celery worker` (e.g. --concurrency 4)."""
    settings = _checked_settings("worker")
    if settings is None:
        return 2
    from tasks.app import create_app
    from tasks.prefork import share_with_pool

    telemetry.use_with_celery(settings, "worker")
    share_with_pool()
    create_app(settings).worker_main(["worker", "--loglevel=INFO", *argv])
    return 0


def beat(argv: list[str]) -> int:
    """Start Celery beat; extra arguments go to `celery beat`."""
    settings = _checked_settings("beat")
    if settings is None:
        return 2
    from tasks.app import create_app

    telemetry.use_with_celery(settings, "beat")
    create_app(settings).start(["beat", "--loglevel=INFO", *argv])
    return 0


def tick(argv: list[str]) -> int:
    """Run one tick now, in this process, and print what it claimed and re-sent."""
    argparse.ArgumentParser(prog="schedulebot tick", description=tick.__doc__).parse_args(argv)
    settings = _checked_settings("tick")
    if settings is None:
        return 2
    from tasks.app import create_app, runtime_for, send_claimed
    from tasks.tick import run_tick

    app = create_app(settings)
    rt = runtime_for(app)
    try:
        report = run_tick(rt, now=rt.now(), send=lambda claimed: send_claimed(app, claimed))
    finally:
        rt.close()
    print(f"claimed {report.claimed}, re-sent {report.resent}")
    return 0
