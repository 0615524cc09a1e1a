"""The Redis transport the worker uses: kombu's own, except that losing the server cannot kill the worker.

When its connection to Redis drops, Celery closes the channel, and kombu's channel first puts back the
messages this worker holds unacknowledged (tasks waiting for their ETA, mostly: paced posts). If the server
cannot be reached at that moment (it is restarting), kombu fails inside that step with an AttributeError,
which Celery treats as unrecoverable: the worker exits, and with it every task it held.

Skipping the step loses nothing. If the server kept its data, the messages are still in its unacked set,
and any worker restores them once the visibility timeout has passed; if it restarted empty, they are gone
either way, and the tick re-sends their runs once the queued lease has passed (DESIGN.md). So this transport
logs the failure and lets Celery reconnect, as it does for any other lost connection.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)

# `broker_transport` for a redis:// broker URL (tasks/app.py).
TRANSPORT = "tasks.broker:Transport"
_UNREACHABLE = (AttributeError, OSError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class QoS(kombu_redis.QoS):  # type: ignore[misc]
    def restore_unacked(self, client: Any = None) -> None:
        held = len(self._delivered)
        try:
            super().restore_unacked(client)
        except _UNREACHABLE as exc:
            logger.warning(
                "broker unreachable while closing the channel (%s): %d unacknowledged message(s) left to the "
                "visibility timeout and the tick's re-send",
                type(exc).__name__,
                held,
            )
            self._delivered.clear()


class Channel(kombu_redis.Channel):  # type: ignore[misc]
    QoS = QoS


class Transport(kombu_redis.Transport):  # type: ignore[misc]
    Channel = Channel
