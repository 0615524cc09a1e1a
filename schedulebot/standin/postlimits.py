"""Slack's two limits on chat.postMessage: about one message per second per channel, and a workspace-wide
limit of a few hundred messages per minute.

Slack publishes the workspace limit as "N per minute" with short bursts tolerated, evaluated continuously, not
per calendar minute. A token bucket says exactly that: it holds at most `burst` posts and refills at
N/60 per second, so any T seconds allow at most burst + N*T/60 posts. A fixed minute window would let 2N through
across a minute boundary, and a 60-second sliding window would let all N through in the same second: both far
more than a short burst. The channel limit stays a strict minimum interval (`channel_min_interval`), as before.
A refused post takes nothing from either limit; its Retry-After is the whole seconds until it would pass.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

CHANNEL_RATE = "channel_rate"
WORKSPACE_RATE = "workspace_rate"
# Posts a workspace may send at once before the per-minute rate applies, unless the plan says otherwise.
DEFAULT_WORKSPACE_BURST = 10


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class PostLimits:
    """The state of both limits; the caller holds a lock and passes the monotonic clock."""

    _last_post: dict[str, float] = field(default_factory=dict)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)

    def clear(self) -> None:
        self._last_post.clear()
        self._buckets.clear()
        self.refused.clear()

    def check(
        self,
        *,
        now: float,
        channel: str | None,
        team: str | None,
        channel_min_interval: float,
        workspace_per_minute: float,
        workspace_burst: int,
    ) -> tuple[str, int] | None:
        """(kind, Retry-After) for a post either limit refuses, else None: the post is counted against both."""
        channel_wait = self._channel_wait(now, channel, channel_min_interval)
        if channel_wait is not None:
            return self._refuse(CHANNEL_RATE, channel_wait)
        bucket = self._bucket(now, team, workspace_per_minute, workspace_burst)
        if bucket is not None and bucket.tokens < 1:
            return self._refuse(WORKSPACE_RATE, (1 - bucket.tokens) * 60 / workspace_per_minute)
        if bucket is not None:
            bucket.tokens -= 1
        if channel and channel_min_interval > 0:
            self._last_post[channel] = now
        return None

    def _channel_wait(self, now: float, channel: str | None, interval: float) -> float | None:
        last = self._last_post.get(channel) if channel and interval > 0 else None
        if last is None or now - last >= interval:
            return None
        return interval - (now - last)

    def _bucket(self, now: float, team: str | None, per_minute: float, burst: int) -> _Bucket | None:
        if not team or per_minute <= 0:
            return None
        bucket = self._buckets.setdefault(team, _Bucket(tokens=float(burst), at=now))
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.at) * per_minute / 60)
        bucket.at = now
        return bucket

    def _refuse(self, kind: str, wait: float) -> tuple[str, int]:
        self.refused[kind] += 1
        return kind, max(1, math.ceil(wait))
