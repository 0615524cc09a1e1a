"""Who a Slack user is to us: their time zone and whether they administer the workspace.

Read from users.info with a short timeout, cached in storage, refreshed once a day and whenever
Slack sends `user_change`. `/schedule tz Zone` overrides the zone until `/schedule tz reset`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.schedules import is_valid_zone
from storage import repository
from storage.db import transaction

logger = logging.getLogger(__name__)

FALLBACK_ZONE = "UTC"
# A cached profile older than this is fetched again (the zone changes when people travel).
DEFAULT_REFRESH_AFTER = timedelta(days=1)
# Profiles are remembered in the process this long, so most requests skip the database for them. A change
# made through this process (`/schedule tz`, user_change) is seen at once; one made through another, within this.
DEFAULT_MEMO_SECONDS = 30.0
MAX_MEMO_ENTRIES = 50_000
# users.info runs inside Slack's 3-second window for a first-time user, so it must give up early.
DEFAULT_USERS_INFO_TIMEOUT = 1.5
FALLBACK_NOTE = "I could not read your Slack time zone, so I used UTC. Set yours with `/schedule tz America/New_York`."


@dataclass(frozen=True)
class Profile:
    zone: str
    is_admin: bool
    overridden: bool = False
    # Said under the reply when the zone is a guess.
    note: str = ""


@dataclass(frozen=True)
class SlackUser:
    zone: str
    is_admin: bool

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> SlackUser:
        tz = user.get("tz")
        zone = tz if isinstance(tz, str) and is_valid_zone(tz) else FALLBACK_ZONE
        admin = any(bool(user.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))
        return cls(zone, admin)


class Directory:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        refresh_after: timedelta = DEFAULT_REFRESH_AFTER,
        timeout: float = DEFAULT_USERS_INFO_TIMEOUT,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._refresh_after = refresh_after
        self._timeout = timeout
        self._memo: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._memo_lock = threading.Lock()

    def profile(self, client: WebClient | None, *, team_id: str, user_id: str) -> Profile:
        """The cached profile when fresh; else users.info; else the stale cache; else UTC with a note."""
        remembered = self._recall(team_id, user_id)
        if remembered is not None:
            return remembered
        profile = self._lookup(client, team_id=team_id, user_id=user_id)
        if not profile.note:
            with self._memo_lock:
                if len(self._memo) >= MAX_MEMO_ENTRIES:
                    self._memo.clear()
                self._memo[(team_id, user_id)] = (time.monotonic() + DEFAULT_MEMO_SECONDS, profile)
        return profile

    def _recall(self, team_id: str, user_id: str) -> Profile | None:
        with self._memo_lock:
            expires, profile = self._memo.get((team_id, user_id), (0.0, None))
        return profile if expires > time.monotonic() else None

    def _lookup(self, client: WebClient | None, *, team_id: str, user_id: str) -> Profile:
        with transaction(self._sessions) as session:
            row = repository.get_user_zone(session, team_id=team_id, user_id=user_id)
            cached = Profile(row.zone, row.is_admin, row.overridden) if row else None
            fresh = row is not None and self._clock() - row.fetched_at < self._refresh_after
        if cached is not None and fresh:
            return cached
        fetched = self._fetch(client, user_id) if client is not None else None
        if fetched is None:
            return cached or Profile(FALLBACK_ZONE, False, note=FALLBACK_NOTE)
        return self.remember(team_id=team_id, user_id=user_id, user=fetched)

    def remember(self, *, team_id: str, user_id: str, user: SlackUser) -> Profile:
        """Cache what Slack says about a user, keeping a zone they chose themselves."""
        with transaction(self._sessions) as session:
            row = repository.get_user_zone(session, team_id=team_id, user_id=user_id)
            overridden = bool(row and row.overridden)
            zone = row.zone if row is not None and overridden else user.zone
        self._store(team_id=team_id, user_id=user_id, zone=zone, overridden=overridden, is_admin=user.is_admin)
        return Profile(zone, user.is_admin, overridden)

    def override(self, client: WebClient | None, *, team_id: str, user_id: str, zone: str) -> Profile:
        """The user's own choice of zone, kept until they reset it."""
        current = self.profile(client, team_id=team_id, user_id=user_id)
        self._store(team_id=team_id, user_id=user_id, zone=zone, overridden=True, is_admin=current.is_admin)
        return Profile(zone, current.is_admin, True)

    def reset(self, client: WebClient | None, *, team_id: str, user_id: str) -> Profile:
        """Forget the user's choice and go back to the zone Slack has for them."""
        fetched = self._fetch(client, user_id) if client is not None else None
        if fetched is None:
            current = self.profile(None, team_id=team_id, user_id=user_id)
            fetched = SlackUser(FALLBACK_ZONE, current.is_admin)
        self._store(team_id=team_id, user_id=user_id, zone=fetched.zone, overridden=False, is_admin=fetched.is_admin)
        return Profile(fetched.zone, fetched.is_admin)

    def _store(self, *, team_id: str, user_id: str, zone: str, overridden: bool, is_admin: bool) -> None:
        with self._memo_lock:
            self._memo.pop((team_id, user_id), None)
        try:
            with transaction(self._sessions) as session:
                repository.set_user_zone(
                    session,
                    team_id=team_id,
                    user_id=user_id,
                    zone=zone,
                    overridden=overridden,
                    is_admin=is_admin,
                    now=self._clock(),
                )
        except IntegrityError:
            # Two first requests from one user raced to cache them; the row the other wrote is as good.
            logger.info("user %s was cached by a concurrent request", user_id)

    def _fetch(self, client: WebClient, user_id: str) -> SlackUser | None:
        quick = WebClient(token=client.token, base_url=client.base_url, timeout=self._timeout)
        try:
            response = quick.users_info(user=user_id)
        except (SlackClientError, OSError, ValueError) as exc:
            logger.warning("users.info for %s failed: %s", user_id, type(exc).__name__)
            return None
        user = response.get("user")
        return SlackUser.from_api(user) if isinstance(user, dict) else None
