"""Coalesced announcement updates: many RSVPs at once make a few `chat.update` calls, the last with every answer.

Slack allows chat.update about 50 times a minute per workspace (Tier 3). Sixty people pressing Going in
a minute would otherwise make sixty updates of one message, and a refused one would leave it stale.
Here each announcement is brought up to date at most once per `interval`: presses that arrive while an
update is being made or is waiting its turn mark it stale, and the next update reads the newest answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

# At most one chat.update per announcement in this many seconds (Slack's Tier 3 is about 50 a minute).
DEFAULT_INTERVAL_SECONDS = 1.0

RATE_LIMITED = 429

Key = tuple[str, int]  # (team_id, event_id)
Send = Callable[[WebClient, str, int], None]


@dataclass
class _Pending:
    client: WebClient
    stale: bool = True
    busy: bool = False
    last: float = float("-inf")


class AnnouncementUpdates:
    """Brings an event's announcement up to date soon, coalescing requests that come close together."""

    def __init__(self, send: Send, *, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._send = send
        self._interval = interval
        self._pending: dict[Key, _Pending] = {}
        self._lock = threading.Lock()

    def request(self, client: WebClient, *, team_id: str, event_id: int) -> None:
        """The announcement is stale: update it now if it may be, else once its interval has passed."""
        key = (team_id, event_id)
        with self._lock:
            pending = self._pending.setdefault(key, _Pending(client))
            pending.client, pending.stale = client, True
            if pending.busy:
                return  # the update in hand, or the one waiting its turn, will read this answer too
            pending.busy = True
            wait = self._wait(pending)
        if wait > 0:
            self._later(key, wait)
        else:
            self._flush(key)

    def _flush(self, key: Key) -> None:
        with self._lock:
            pending = self._pending[key]
            pending.stale, pending.last, client = False, time.monotonic(), pending.client
        wait_at_least = 0.0
        try:
            self._send(client, *key)
        except SlackApiError as exc:
            wait_at_least = self._refused(key, exc)
        except Exception:
            logger.exception("could not update the announcement of event %s in %s", key[1], key[0])
        with self._lock:
            pending.stale = pending.stale or wait_at_least > 0
            if not pending.stale:
                pending.busy = False
                self._forget_idle()
                return
            wait = max(self._wait(pending), wait_at_least)
        self._later(key, wait)

    def _refused(self, key: Key, exc: SlackApiError) -> float:
        """Seconds to wait before trying again when Slack still says "ratelimited" (after the client's own
        retries); 0 for any other refusal, which is logged and not retried (a deleted message stays deleted)."""
        if exc.response.status_code == RATE_LIMITED or exc.response.get("error") == "ratelimited":
            retry_after = str(exc.response.headers.get("Retry-After", "") or "")
            return max(self._interval, float(retry_after) if retry_after.isdigit() else 0.0)
        logger.warning("Slack refused the update of event %s in %s: %s", key[1], key[0], exc.response.get("error"))
        return 0.0

    def _later(self, key: Key, wait: float) -> None:
        timer = threading.Timer(wait, self._flush, args=(key,))
        timer.daemon = True
        timer.start()

    def _wait(self, pending: _Pending) -> float:
        return max(0.0, pending.last + self._interval - time.monotonic())

    def _forget_idle(self) -> None:
        """Drop announcements with nothing in hand whose interval has passed (the caller holds the lock)."""
        now = time.monotonic()
        for key in [k for k, p in self._pending.items() if not p.busy and now - p.last >= self._interval]:
            del self._pending[key]
