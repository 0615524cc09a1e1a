"""Which channels a person is a member of, as Slack says (users.conversations), remembered for a short while.

The answer decides what a person sees and where they may post, so it is never guessed: when Slack
cannot be asked, `channels` returns None and the callers fall back to the person's own schedules.
`member_joined_channel` / `member_left_channel` update the remembered set in the process that gets them;
other web processes see the change when their copy expires (the TTL, `SCHEDULEBOT_MEMBERSHIP_TTL`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

logger = logging.getLogger(__name__)

# How long a person's channel list is trusted before Slack is asked again.
DEFAULT_TTL_SECONDS = 300.0
# users.conversations runs inside Slack's 3-second window, so it must give up early.
DEFAULT_TIMEOUT = 1.5
# Conversation kinds a schedule or event can belong to (DMs are their creator's alone, never looked up).
TYPES = "public_channel,private_channel,mpim"
# Slack's largest page for users.conversations.
PAGE_SIZE = 999
# A person in more channels than this is treated as in these only; a page costs one Web API call.
MAX_PAGES = 20
MAX_ENTRIES = 50_000

Key = tuple[str, str]


class Memberships:
    def __init__(self, *, ttl_seconds: float = DEFAULT_TTL_SECONDS, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._ttl = ttl_seconds
        self._timeout = timeout
        self._memo: dict[Key, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def channels(self, client: WebClient | None, *, team_id: str, user_id: str) -> frozenset[str] | None:
        """The channels `user_id` is a member of, or None when Slack could not be asked."""
        key = (team_id, user_id)
        with self._lock:
            expires, known = self._memo.get(key, (0.0, frozenset()))
        if expires > time.monotonic():
            return known
        fetched = self._fetch(client, user_id) if client is not None else None
        if fetched is not None:
            self._keep(key, fetched)
        return fetched

    def joined(self, *, team_id: str, user_id: str, channel_id: str) -> None:
        self._change((team_id, user_id), lambda channels: channels | {channel_id})

    def left(self, *, team_id: str, user_id: str, channel_id: str) -> None:
        self._change((team_id, user_id), lambda channels: channels - {channel_id})

    def forget(self, *, team_id: str, user_id: str) -> None:
        with self._lock:
            self._memo.pop((team_id, user_id), None)

    def _change(self, key: Key, update: Callable[[frozenset[str]], frozenset[str]]) -> None:
        with self._lock:
            expires, known = self._memo.get(key, (0.0, frozenset()))
            if expires > time.monotonic():
                self._memo[key] = (expires, update(known))

    def _keep(self, key: Key, channels: frozenset[str]) -> None:
        with self._lock:
            if len(self._memo) >= MAX_ENTRIES:
                self._memo.clear()
            self._memo[key] = (time.monotonic() + self._ttl, channels)

    def _fetch(self, client: WebClient, user_id: str) -> frozenset[str] | None:
        quick = WebClient(token=client.token, base_url=client.base_url, timeout=self._timeout)
        found: set[str] = set()
        cursor = None
        try:
            for _ in range(MAX_PAGES):
                response = quick.users_conversations(
                    user=user_id, types=TYPES, limit=PAGE_SIZE, cursor=cursor, exclude_archived=False
                )
                found |= {str(c["id"]) for c in response.get("channels") or [] if isinstance(c, dict) and c.get("id")}
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except (SlackClientError, OSError, ValueError) as exc:
            logger.warning("users.conversations for %s failed: %s", user_id, type(exc).__name__)
            return None
        return frozenset(found)
