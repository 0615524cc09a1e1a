"""What a worker process needs to fire runs, built once per process (after the fork, never before)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import Settings
from storage.db import make_engine, session_factory
from tasks.options import FiringOptions
from tasks.pacing import ChannelPacer, LocalPacer, make_pacer
from tasks.slack import SlackPoster


@dataclass
class Runtime:
    settings: Settings
    options: FiringOptions
    engine: Engine
    sessions: sessionmaker[Session]
    poster: SlackPoster
    pacer: ChannelPacer | LocalPacer
    pid: int

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, options: FiringOptions) -> Runtime:
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        options=options,
        engine=engine,
        sessions=session_factory(engine),
        poster=SlackPoster(settings, engine, timeout=options.http_timeout),
        pacer=make_pacer(settings.redis_url, interval=options.channel_interval),
        pid=os.getpid(),
    )
