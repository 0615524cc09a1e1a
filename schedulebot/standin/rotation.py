"""Token rotation as Slack does it: access tokens that expire, and refresh tokens swapped for new ones.

Each refresh issues a new access token and a new refresh token. The refresh token just used keeps
working for a short grace period, so two clients refreshing at once both get valid tokens (Slack
documents the same leniency); after that it answers invalid_refresh_token. An access token past its
expiry answers token_expired on every method.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# Slack's access tokens last twelve hours.
DEFAULT_TOKEN_LIFETIME = 12 * 3600
# How long a refresh token that was already used keeps working.
DEFAULT_REFRESH_GRACE_SECONDS = 60.0


@dataclass
class Grant:
    team_id: str
    used_at: float | None = None


@dataclass
class Rotation:
    lifetime: int = DEFAULT_TOKEN_LIFETIME
    grace: float = DEFAULT_REFRESH_GRACE_SECONDS
    expires: dict[str, float] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)

    def issue(self, team_id: str, serial: str, *, lifetime: int | None = None) -> dict[str, Any]:
        """A new access token and refresh token for `team_id`: the fields oauth.v2.access answers with."""
        seconds = self.lifetime if lifetime is None else lifetime
        access, refresh = f"xoxe.xoxb-1-{serial}", f"xoxe-1-{serial}"
        self.expires[access] = time.time() + seconds
        self.grants[refresh] = Grant(team_id)
        return {"access_token": access, "refresh_token": refresh, "expires_in": seconds}

    def redeem(self, refresh_token: str) -> Grant | None:
        """The grant a refresh token stands for, marking it used; None once it is unknown or past its grace."""
        grant = self.grants.get(refresh_token)
        now = time.time()
        if grant is None or (grant.used_at is not None and now - grant.used_at > self.grace):
            return None
        grant.used_at = grant.used_at or now
        return grant

    def expired(self, token: str | None) -> bool:
        expiry = self.expires.get(token or "")
        return expiry is not None and expiry <= time.time()

    def expire(self, token: str) -> None:
        """Make an access token expire now (tests: a token a process still holds, past its lifetime)."""
        self.expires[token] = time.time() - 1
