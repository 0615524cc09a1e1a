"""Handing saved work to the workers: claim through storage.claims, then send the task to the broker by name.

bot/ never imports tasks/: the web process builds its own Celery producer and sends by task name,
as DESIGN.md has Flask do. The database is the source of truth, so a broker that is down loses
nothing: the claimed run stays queued and the tick re-sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

from celery import Celery
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import Conflict
from storage.db import transaction

logger = logging.getLogger(__name__)

# Publishing happens after the user's reply, but a dead broker must not hold a web thread for long.
DEFAULT_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
DEFAULT_CONNECT_TIMEOUT = 2.0


class Claimed(Protocol):
    run_id: int
    task_id: str
    eta: datetime | None


class Dispatcher:
    """Claims what a save made due before the next tick, and enqueues it at once."""

    def __init__(self, sessions: sessionmaker[Session], broker_url: str, *, tick_seconds: int) -> None:
        self._sessions = sessions
        self._broker_url = broker_url
        self._horizon = timedelta(seconds=tick_seconds)

    @cached_property
    def producer(self) -> Celery:
        app = Celery("schedulebot-web", broker=self._broker_url, set_as_current=False)
        app.conf.broker_connection_timeout = DEFAULT_CONNECT_TIMEOUT
        app.conf.task_publish_retry_policy = DEFAULT_PUBLISH_RETRY
        return app

    def after_save(
        self, *, team_id: str, number: int, now: datetime, next_run_at: datetime | None = None
    ) -> list[Claimed]:
        """A trigger was created, edited, resumed or snoozed: send anything due before the next tick.

        `next_run_at`, when the caller knows what it just saved, spares the claim's transaction for a trigger
        not due before the next tick: the claim would find nothing, and the tick claims it in time.
        """
        if next_run_at is not None and next_run_at > now + self._horizon:
            return []
        claims = _claims()
        return self._claim(
            lambda s: claims.claim_trigger(s, team_id=team_id, number=number, now=now, horizon=now + self._horizon)
        )

    def run_now(self, *, team_id: str, number: int, now: datetime) -> list[Claimed]:
        """Raises Conflict when the trigger stopped being runnable after the caller checked (cancelled meanwhile)."""
        claims = _claims()
        try:
            return self._claim(lambda s: [claims.claim_run_now(s, team_id=team_id, number=number, now=now)])
        except claims.NotRunnable as exc:
            raise Conflict(str(exc), "/schedule list") from None

    def _claim(self, claim: Callable[[Session], Iterable[Claimed]]) -> list[Claimed]:
        with transaction(self._sessions) as session:
            claimed = list(claim(session))
        for item in claimed:
            self.enqueue(item)
        return claimed

    def enqueue(self, item: Claimed) -> None:
        options: dict[str, Any] = {"args": [item.run_id], "task_id": item.task_id}
        if item.eta is not None:
            options["eta"] = item.eta
        try:
            self.producer.send_task(_claims().FIRE_RUN_TASK, **options)
        except (BrokerError, OSError) as exc:
            # The run is claimed and queued in the database; the tick finds it and sends it again.
            logger.warning(
                "run %s claimed but not sent to the broker (%s); the tick will send it", item.run_id, type(exc).__name__
            )

    def close(self) -> None:
        if "producer" in self.__dict__:
            self.producer.close()


def _claims() -> Any:
    # Imported on use so the rest of the bot works while the firing pipeline is being built.
    from storage import claims

    return claims
