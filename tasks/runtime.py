"""What a worker process needs to fire runs, built once per process (after the fork, never before)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import Settings
from storage.claims import Claimed
from storage.db import make_engine, session_factory
from tasks.options import FiringOptions
from tasks.pacing import Limits, Pacer, make_pacer
from tasks.slack import SlackPoster

logger = logging.getLogger("schedulebot.firing")

# Sends claimed runs to the workers, each with its ETA (the tick's send; runs due together can share a task).
SendAll = Callable[[Sequence[Claimed]], None]


@dataclass
class Runtime:
    settings: Settings
    options: FiringOptions
    engine: Engine
    sessions: sessionmaker[Session]
    poster: SlackPoster
    pacer: Pacer
    pid: int
    # How a run queued while firing (a reminder's next repeat) reaches the workers; None leaves it to the tick.
    send: SendAll | None = None

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def enqueue(self, claimed: Sequence[Claimed]) -> None:
        """Send runs whose rows are committed, the way the tick does; a send lost here is re-sent by the tick."""
        if self.send is None or not claimed:
            return
        try:
            self.send(claimed)
        except (BrokerError, OSError) as exc:
            ids = ", ".join(str(item.run_id) for item in claimed)
            logger.warning("run %s queued but not sent to the broker (%s); the tick will send it", ids, exc)

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings, options: FiringOptions, *, send: SendAll | None = None) -> Runtime:
    engine = make_engine(settings.database_url)
    return Runtime(
        settings=settings,
        options=options,
        engine=engine,
        sessions=session_factory(engine),
        poster=SlackPoster(settings, engine, timeout=options.http_timeout),
        pacer=make_pacer(settings.redis_url, _limits(settings, options)),
        pid=os.getpid(),
        send=send,
    )


def _limits(settings: Settings, options: FiringOptions) -> Limits:
    return Limits(
        channel_interval=options.channel_interval,
        per_minute=settings.workspace_posts_per_minute,
        burst=options.workspace_burst,
    )
