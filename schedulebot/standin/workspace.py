"""The stand-in's idea of Slack: teams, tokens, users, channels, messages and views."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from schedulebot.standin.rotation import Rotation

DEFAULT_TEAM_ID = "T1"
DEFAULT_TEAM_NAME = "Stand-in Workspace"
DEFAULT_APP_ID = "A0STANDIN"
DEFAULT_TZ = "America/New_York"
# The prefixes of tokens accepted when no explicit set of valid tokens is configured.
DEFAULT_TOKEN_PREFIXES = ("xoxb-",)
DEFAULT_BOT_SCOPES = "app_mentions:read,channels:history,chat:write,commands,im:history,team:read,users:read"
# Public channels every workspace starts with. A channel without a member list of its own (these, and any
# named with set_channel) has every full member of the workspace in it, as #general has; guests are only
# in channels that list them. set_members gives a channel its own list.
SEED_CHANNELS = tuple(f"C{n}" for n in range(1, 10))


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    domain: str
    bot_user_id: str
    bot_id: str

    @classmethod
    def named(cls, team_id: str, name: str | None = None) -> Team:
        suffix = "" if team_id == DEFAULT_TEAM_ID else team_id
        return cls(
            id=team_id,
            name=name or (DEFAULT_TEAM_NAME if not suffix else f"Stand-in {team_id}"),
            domain=f"standin{suffix.lower()}",
            bot_user_id=f"UBOT{suffix}",
            bot_id=f"BBOT{suffix}",
        )

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "domain": self.domain, "email_domain": "", "icon": {}}


@dataclass(frozen=True)
class User:
    id: str
    team_id: str = DEFAULT_TEAM_ID
    name: str = ""
    tz: str = DEFAULT_TZ
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    # Guests: multi-channel (restricted) and single-channel (ultra restricted).
    is_restricted: bool = False
    is_ultra_restricted: bool = False

    @property
    def is_guest(self) -> bool:
        return self.is_restricted or self.is_ultra_restricted

    def to_api(self, now: datetime | None = None) -> dict[str, Any]:
        local = (now or datetime.now(tz=ZoneInfo("UTC"))).astimezone(ZoneInfo(self.tz))
        offset = local.utcoffset()
        name = self.name or self.id.lower()
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "tz": self.tz,
            "tz_label": local.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "profile": {"real_name": name.title(), "display_name": name, "team": self.team_id},
        }


@dataclass
class Workspace:
    """All mutable Slack state. Every public method takes the lock; callers need not."""

    valid_tokens: set[str] | None = None
    accept_any_oauth_code: bool = True
    client_id: str | None = None
    client_secret: str | None = None
    app_id: str = DEFAULT_APP_ID
    teams: dict[str, Team] = field(default_factory=lambda: {DEFAULT_TEAM_ID: Team.named(DEFAULT_TEAM_ID)})
    token_teams: dict[str, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    channel_names: dict[str, str] = field(default_factory=lambda: {cid: cid.lower() for cid in SEED_CHANNELS})
    # Channels with a member list of their own; every other known channel has all full members in it.
    channel_members: dict[str, set[str]] = field(default_factory=dict)
    private_channels: set[str] = field(default_factory=set)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, str] = field(default_factory=dict)
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    used_oauth_codes: set[str] = field(default_factory=set)
    rotation: Rotation = field(default_factory=Rotation)
    # Per-method rate limits (schedulebot.standin.chat.MethodLimit), as Slack's tiers: none unless a test sets one.
    limits: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _last_ts_us: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- identity -------------------------------------------------------------------------------

    def team(self, team_id: str) -> Team:
        with self.lock:
            if team_id not in self.teams:
                self.teams[team_id] = Team.named(team_id)
            return self.teams[team_id]

    def add_token(self, token: str, team_id: str = DEFAULT_TEAM_ID) -> None:
        with self.lock:
            self.team(team_id)
            self.token_teams[token] = team_id
            if self.valid_tokens is not None:
                self.valid_tokens.add(token)

    def authenticate(self, token: str | None) -> Team | None:
        """The team a token belongs to, or None when Slack would answer invalid_auth."""
        if not token:
            return None
        with self.lock:
            known = token in self.token_teams or (self.valid_tokens is not None and token in self.valid_tokens)
            if self.valid_tokens is None and not token.startswith(DEFAULT_TOKEN_PREFIXES) and not known:
                return None
            if self.valid_tokens is not None and not known:
                return None
            return self.team(self.token_teams.get(token, DEFAULT_TEAM_ID))

    def set_user(self, user_id: str, **attrs: Any) -> User:
        with self.lock:
            current = self.users.get(user_id, User(id=user_id))
            user = User(**{**current.__dict__, **attrs, "id": user_id})
            ZoneInfo(user.tz)  # fail here, not in users.info, on a zone name that does not exist
            self.users[user_id] = user
            return user

    def user(self, user_id: str, team_id: str) -> User:
        with self.lock:
            return self.users.get(user_id) or User(id=user_id, team_id=team_id)

    def set_channel(self, channel_id: str, name: str) -> None:
        with self.lock:
            self.channel_names[channel_id] = name

    def channel_name(self, channel_id: str) -> str:
        with self.lock:
            return self.channel_names.get(channel_id, channel_id.lower())

    # --- membership -----------------------------------------------------------------------------

    def set_members(
        self, channel_id: str, members: list[str], *, name: str | None = None, private: bool = False
    ) -> None:
        """Give a channel its own member list (and make it private, like a G… or locked C… channel)."""
        with self.lock:
            self.channel_names.setdefault(channel_id, name or channel_id.lower())
            if name:
                self.channel_names[channel_id] = name
            self.channel_members[channel_id] = set(members)
            if private:
                self.private_channels.add(channel_id)

    def join(self, channel_id: str, user_id: str) -> None:
        with self.lock:
            self.channel_members.setdefault(channel_id, set()).add(user_id)

    def leave(self, channel_id: str, user_id: str) -> None:
        with self.lock:
            self.channel_members.setdefault(channel_id, set()).discard(user_id)

    def is_private(self, channel_id: str) -> bool:
        with self.lock:
            return channel_id in self.private_channels or channel_id.startswith(("G", "D"))

    def is_member(self, channel_id: str, user_id: str) -> bool:
        with self.lock:
            listed = self.channel_members.get(channel_id)
            if listed is not None:
                return user_id in listed
            return channel_id in self.channel_names and not self.users.get(user_id, User(id=user_id)).is_guest

    def members(self, channel_id: str, team_id: str) -> list[str]:
        """A channel's members: its own list, or every full member of the workspace the stand-in knows."""
        with self.lock:
            listed = self.channel_members.get(channel_id)
            if listed is not None:
                return sorted(listed)
            return sorted(u.id for u in self.users.values() if u.team_id == team_id and not u.is_guest)

    def conversations_of(self, user_id: str) -> list[str]:
        """Every channel the user is a member of, in a stable order."""
        with self.lock:
            known = set(self.channel_names) | set(self.channel_members)
            return sorted(cid for cid in known if self.is_member(cid, user_id))

    # --- ids and timestamps ---------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message ts: wall-clock microseconds, strictly increasing, like "1700000000.000100"."""
        with self.lock:
            now_us = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
            self._last_ts_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}{next(self._ids):08d}"

    # --- messages -------------------------------------------------------------------------------

    def add_message(self, channel: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.messages.setdefault(channel, []).append(message)

    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self.lock:
            return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def remove_message(self, channel: str, ts: str) -> bool:
        with self.lock:
            found = self.find_message(channel, ts)
            if found is not None:
                self.messages[channel].remove(found)
            return found is not None

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages of a channel, newest first."""
        with self.lock:
            kept = [dict(m) for m in self.messages.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        return sorted(kept, key=lambda m: _ts_key(m["ts"]), reverse=True)

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]] | None:
        """The thread `ts` belongs to (it may name the parent or a reply), parent first, then replies oldest
        first; None when the channel has no message `ts`. An unthreaded message is a thread of one."""
        with self.lock:
            messages = self.messages.get(channel, [])
            found = next((m for m in messages if m["ts"] == ts), None)
            if found is None:
                return None
            parent_ts = found.get("thread_ts") or found["ts"]
            kept = [dict(m) for m in messages if m["ts"] == parent_ts or m.get("thread_ts") == parent_ts]
        return sorted(kept, key=lambda m: (m["ts"] != parent_ts, _ts_key(m["ts"])))

    def clear(self) -> None:
        """Forget messages and views; keep teams, tokens, users, channels and OAuth codes."""
        with self.lock:
            self.messages.clear()
            self.views.clear()
            self.home_views.clear()


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


def ts_key(ts: str | None) -> tuple[int, int] | None:
    """Sort key for a Slack ts (or None for a missing/blank one)."""
    if not ts:
        return None
    return _ts_key(str(ts))
