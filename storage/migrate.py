"""Bring a database to the newest schema, and refuse to run on an out-of-date one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from storage.db import DatabaseUnavailable, check_reachable, make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class SchemaOutOfDate(Exception):
    """The database is behind the code; the message says to run `schedulebot migrate`."""


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the newest revision."""
    check_reachable(engine)
    current, head = current_revision(engine), head_revision()
    if current != head:
        found = current or "an empty database"
        raise SchemaOutOfDate(f"The database schema is out of date ({found}, need {head}): run `schedulebot migrate`.")


def cli(argv: list[str]) -> int:
    from schedulebot.config import ConfigError, load_settings

    parser = argparse.ArgumentParser(prog="schedulebot migrate", description="Bring the database to the newest schema.")
    parser.parse_args(argv)
    try:
        engine = make_engine(load_settings().database_url)
        check_reachable(engine)
        before = current_revision(engine)
        upgrade(engine)
    except (ConfigError, DatabaseUnavailable) as exc:
        print(f"schedulebot migrate: {exc}", file=sys.stderr)
        return 2
    after = current_revision(engine)
    print(f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    return 0
