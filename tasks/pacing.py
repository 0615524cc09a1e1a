"""Per-channel pacing in Redis: about one post per second per channel, spread out, never dropped.

Each post reserves the channel's next free slot atomically; a worker whose slot is in the future
re-queues its task for that moment instead of sleeping. A 429 pushes the channel's slots back.
"""

from __future__ import annotations

import threading
import time

import redis

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

KEY_PREFIX = "schedulebot:pace:"
# Slot keys outlive the furthest slot or block they hold by this much, then vanish.
KEY_TTL_SECONDS = 3600

# KEYS[1] channel key; ARGV: now, interval, ttl. Returns the reserved slot (seconds since the epoch, as text).
_RESERVE = """
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local slot = math.max(free, now)
local next_free = slot + tonumber(ARGV[2])
redis.call('SET', KEYS[1], tostring(next_free), 'EX', math.ceil(next_free - now) + tonumber(ARGV[3]))
return tostring(slot)
"""

# KEYS[1] channel key; ARGV: until, now, ttl. Moves the channel's next free slot to at least `until`.
_BLOCK = """
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = tonumber(ARGV[1])
if until_ > free then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', math.max(0, math.ceil(until_ - tonumber(ARGV[2]))) + tonumber(ARGV[3]))
end
return 1
"""


class ChannelPacer:
    def __init__(self, client: redis.Redis, *, interval: float) -> None:
        self._reserve = client.register_script(_RESERVE)
        self._block = client.register_script(_BLOCK)
        self._interval = interval

    def reserve(self, team_id: str, channel: str, *, now: float) -> float:
        """The moment (epoch seconds) this post may go out; later posts to the channel queue behind it."""
        return float(self._reserve(keys=[_key(team_id, channel)], args=[now, self._interval, KEY_TTL_SECONDS]))

    def block_until(self, team_id: str, channel: str, *, until: float) -> None:
        """No post to the channel before `until` (a 429's Retry-After, however long)."""
        self._block(keys=[_key(team_id, channel)], args=[until, time.time(), KEY_TTL_SECONDS])


def _key(team_id: str, channel: str) -> str:
    return f"{KEY_PREFIX}{team_id}:{channel}"


class LocalPacer:
    """Pacing within one process, for a broker without Redis (the embedded fallback of `make run`)."""

    def __init__(self, *, interval: float) -> None:
        self._free: dict[str, float] = {}
        self._lock = threading.Lock()
        self._interval = interval

    def reserve(self, team_id: str, channel: str, *, now: float) -> float:
        with self._lock:
            slot = max(self._free.get(_key(team_id, channel), 0.0), now)
            self._free[_key(team_id, channel)] = slot + self._interval
            return slot

    def block_until(self, team_id: str, channel: str, *, until: float) -> None:
        with self._lock:
            key = _key(team_id, channel)
            self._free[key] = max(self._free.get(key, 0.0), until)


def make_pacer(redis_url: str, *, interval: float) -> ChannelPacer | LocalPacer:
    if redis_url.startswith(REDIS_SCHEMES):
        return ChannelPacer(redis.Redis.from_url(redis_url), interval=interval)
    return LocalPacer(interval=interval)
