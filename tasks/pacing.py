"""Pacing posts to Slack's two limits: about one per second per channel, and a few hundred a minute per workspace.

Each post takes a slot atomically (one Lua script in Redis, or a lock in `LocalPacer`): the later of its
channel's next free second and its workspace's next token. A worker whose slot is in the future re-queues its
task for that moment instead of sleeping; nothing is dropped.

The workspace's bucket is one token bucket kept as a GCRA clock ("theoretical arrival time"): it refills at the
workspace's rate and holds at most `burst` posts, so a herd of posts due together goes out `burst` at once
and then one every 1/rate seconds. A slot is a token taken: the task that holds it posts when it wakes at or
after it, and takes nothing more; so each post costs the clock one token, however late its worker runs. A
post whose channel is busy takes its token at the workspace's moment and waits for the channel after it, so
one busy channel never holds up the workspace's others.

Its rate starts at the configured ceiling (SCHEDULEBOT_WORKSPACE_POSTS_PER_MINUTE) and is learned from Slack's 429s:

- Every 429 keeps the channel quiet for the whole Retry-After.
- A 429 the channel cannot explain (no other post to that channel within the last 1.5 channel intervals, at
  least 1.5 s) also blocks the whole workspace for the Retry-After: the slots inside the block are void, and a
  task holding one takes a new slot after it. The bucket is empty when the block ends, so the posts after it go
  out one per token, not in a burst.
- The rate drops by half (never below a hundredth of the ceiling) when such 429s are a real share of the
  workspace's posts: at least MIN_LIMITED of them, in more than one channel, and SHARE_LIMITED of the posts
  sent in the current LEARN_WINDOW seconds; and only for a 429 that came after the previous block had ended,
  so the 429s of posts already in flight when the first came count once. The clock moves on by the longer
  burst of the slower rate, so new slots come after the ones already handed out, never among them. Those
  stand, spaced for the old rate: if Slack refuses them too, each such 429 voids the slots before its
  own Retry-After ends, and their posts take new slots at the new rate. A rare 429 (Slack's own hiccup), or
  429s in one channel only, block without slowing.
- The rate then climbs back by RECOVERY_PER_MINUTE of the ceiling each minute: from half to full in about 8 minutes.

A slot is void when it falls before the workspace's `blocked` moment (the end of its latest block); slots
handed out after it never are, so a task is re-queued for its workspace's sake at most once per 429.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

KEY_PREFIX = "schedulebot:pace:"
WORKSPACE_PREFIX = "schedulebot:pace-ws:"
# Slot keys outlive the furthest slot or block they hold by this much, then vanish.
KEY_TTL_SECONDS = 3600
# A slot this close is taken at once rather than re-queued; such a post counts as sent.
SEND_TOLERANCE = 0.05
# A given slot this far before the workspace's block ends is void (slots pass through Lua's number formatting).
VOID_MARGIN = 0.001
# Posts a workspace may send at once before its rate applies; below Slack's own burst, so jitter stays within it.
DEFAULT_WORKSPACE_BURST = 5
# A 429 is the channel's when another post went to that channel within this many channel intervals (at least
# Slack's one second), allowing for the jitter between our slot and Slack's clock.
EXPLAIN_INTERVALS = 1.5
# Learning: the rate halves, floors at a hundredth of the ceiling, and climbs back 6% of the ceiling a minute.
DECREASE = 0.5
FLOOR_SHARE = 0.01
RECOVERY_PER_MINUTE = 0.06
# ... when at least MIN_LIMITED unexplained 429s, and SHARE_LIMITED of the posts sent, fell in one window.
LEARN_WINDOW = 10.0
MIN_LIMITED = 2
SHARE_LIMITED = 0.2

# Outcomes of `rate_limited`.
CHANNEL = "channel"
WORKSPACE = "workspace"
LEARNED = "learned"


@dataclass(frozen=True)
class Limits:
    channel_interval: float
    per_minute: float
    burst: int = DEFAULT_WORKSPACE_BURST

    def __post_init__(self) -> None:
        if self.channel_interval < 0 or self.per_minute <= 0 or self.burst < 1:
            raise ValueError("pacing needs channel_interval >= 0, per_minute > 0 and burst >= 1")

    @property
    def ceiling(self) -> float:
        """Posts per second."""
        return self.per_minute / 60

    @property
    def floor(self) -> float:
        return max(self.ceiling * FLOOR_SHARE, 1 / 60)

    @property
    def recovery(self) -> float:
        """Posts per second gained per second."""
        return self.ceiling * RECOVERY_PER_MINUTE / 60

    @property
    def explain_window(self) -> float:
        return EXPLAIN_INTERVALS * max(self.channel_interval, 1.0)


@dataclass(frozen=True)
class Post:
    """A post asking for its slot: `slot` is one it took before, if any."""

    team_id: str
    channel: str
    slot: float | None = None


# The workspace's rate at `now`: the stored one (none: the ceiling), recovered since it was stored (`at`).
_RATE_AT = """
local function rate_at(stored, at, now, ceiling, recovery)
  if not stored then return ceiling end
  return math.min(ceiling, tonumber(stored) + recovery * math.max(0, now - tonumber(at)))
end
"""

# KEYS: a channel key and a workspace key per post. ARGV: now, channel interval, ceiling, burst, recovery,
# tolerance, ttl, learn window, void margin, then a given slot (-1: none) and a channel per post. Returns each
# post's slot (epoch seconds, as text), taken in order, so a batch's posts cost one call. A given slot stands
# unless it is void (before `blocked`); otherwise, or with none given, a new one is taken from the workspace's
# clock `tat`. A slot within the tolerance of now is a post sent now, remembered for explaining a 429 and counted.
_TAKE = (
    _RATE_AT
    + """
local now, ceiling = tonumber(ARGV[1]), tonumber(ARGV[3])
local tol, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local function take(ckey, wkey, given, channel)
  local ws = redis.call('HMGET', wkey, 'tat', 'rate', 'at', 'blocked', 'wstart')
  local tat, blocked = tonumber(ws[1] or '0'), tonumber(ws[4] or '0')
  local slot = given
  if given < 0 or given < blocked - tonumber(ARGV[9]) then
    local rate = rate_at(ws[2], ws[3], now, ceiling, tonumber(ARGV[5]))
    local tau = (tonumber(ARGV[4]) - 1) / rate
    local free = tonumber(redis.call('GET', ckey) or '0')
    local token = math.max(now, blocked, tat - tau)
    slot = math.max(token, free)
    tat = math.max(tat, token) + 1 / rate
    redis.call('HSET', wkey, 'tat', tostring(tat), 'rate', tostring(rate), 'at', ARGV[1])
    local next_free = math.max(free, slot + tonumber(ARGV[2]))
    redis.call('SET', ckey, tostring(next_free), 'EX', math.ceil(next_free - now) + ttl)
  end
  if slot <= now + tol then
    if now - tonumber(ws[5] or '0') >= tonumber(ARGV[8]) then
      redis.call('HSET', wkey, 'wstart', ARGV[1], 'wsent', 0, 'wlimited', 0)
      redis.call('HDEL', wkey, 'wchannel', 'wspread')
    end
    redis.call('HINCRBY', wkey, 'wsent', 1)
    local last = redis.call('HGET', wkey, 'c:' .. channel) or '0'
    redis.call('HSET', wkey, 'p:' .. channel, last, 'c:' .. channel, ARGV[1])
  end
  redis.call('EXPIRE', wkey, math.ceil(math.max(0, tat - now, blocked - now)) + ttl)
  return tostring(slot)
end
local slots = {}
for i = 1, #KEYS / 2 do
  slots[i] = take(KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[8 + 2 * i]), ARGV[9 + 2 * i])
end
return slots
"""
)

# KEYS: channel key, workspace key. ARGV: now, until, channel, explain window, ceiling, recovery, floor, ttl,
# burst. Returns "channel", "workspace" or "learned" (see the module's docstring). A workspace block voids the
# slots before its end and empties the bucket there.
_LIMITED = (
    _RATE_AT
    + f"""
local now, until_, ceiling, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5]), tonumber(ARGV[8])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > free then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', math.max(0, math.ceil(until_ - now)) + ttl)
end
local ws = redis.call('HMGET', KEYS[2], 'p:' .. ARGV[3], 'blocked', 'wsent', 'rate', 'at', 'tat')
if now - tonumber(ws[1] or '0') < tonumber(ARGV[4]) then
  return '{CHANNEL}'
end
local blocked, tat = tonumber(ws[2] or '0'), tonumber(ws[6] or '0')
local limited = redis.call('HINCRBY', KEYS[2], 'wlimited', 1)
local first = redis.call('HGET', KEYS[2], 'wchannel')
if not first then
  redis.call('HSET', KEYS[2], 'wchannel', ARGV[3])
elseif first ~= ARGV[3] then
  redis.call('HSET', KEYS[2], 'wspread', 1)
end
local spread = redis.call('HGET', KEYS[2], 'wspread')
local rate = rate_at(ws[4], ws[5], now, ceiling, tonumber(ARGV[6]))
local outcome = '{WORKSPACE}'
if blocked <= now and spread and limited >= {MIN_LIMITED} and limited >= {SHARE_LIMITED} * tonumber(ws[3] or '0') then
  local slower = math.max(tonumber(ARGV[7]), rate * {DECREASE})
  tat = tat + (tonumber(ARGV[9]) - 1) * (1 / slower - 1 / rate)
  rate = slower
  redis.call('HSET', KEYS[2], 'rate', tostring(rate), 'at', ARGV[1], 'wstart', ARGV[1], 'wsent', 0, 'wlimited', 0)
  redis.call('HDEL', KEYS[2], 'wchannel', 'wspread')
  outcome = '{LEARNED}'
end
blocked = math.max(blocked, until_)
tat = math.max(tat, blocked + (tonumber(ARGV[9]) - 1) / rate)
redis.call('HSET', KEYS[2], 'blocked', tostring(blocked), 'tat', tostring(tat))
redis.call('EXPIRE', KEYS[2], math.ceil(math.max(0, tat - now)) + ttl)
return outcome
"""
)

# KEYS: workspace key. ARGV: now, ceiling, recovery. The workspace's rate now, in posts per second.
_RATE = (
    _RATE_AT
    + """
local ws = redis.call('HMGET', KEYS[1], 'rate', 'at')
return tostring(rate_at(ws[1], ws[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])))
"""
)


class RedisPacer:
    """Slots shared by every worker through Redis."""

    def __init__(self, client: redis.Redis, limits: Limits) -> None:
        self.client = client
        self._take = client.register_script(_TAKE)
        self._limited = client.register_script(_LIMITED)
        self._rate = client.register_script(_RATE)
        self.limits = limits

    def take(self, team_id: str, channel: str, *, now: float, slot: float | None = None) -> float:
        """The moment (epoch seconds) this post may go. `slot`, one taken before, stands unless a workspace block
        made it void: then, as with none, a new slot. A moment within SEND_TOLERANCE of
        `now` means the post goes now, and is counted."""
        return self.take_many([Post(team_id, channel, slot)], now=now)[0]

    def take_many(self, posts: Sequence[Post], *, now: float) -> list[float]:
        """Each post's moment, as `take` gives it, taken in order in one call."""
        if not posts:
            return []
        lim = self.limits
        keys: list[str] = []
        args: list[object] = [now, lim.channel_interval, lim.ceiling, lim.burst, lim.recovery, SEND_TOLERANCE,
                              KEY_TTL_SECONDS, LEARN_WINDOW, VOID_MARGIN]  # fmt: skip
        for post in posts:
            keys += [_key(post.team_id, post.channel), _workspace_key(post.team_id)]
            args += [-1 if post.slot is None else post.slot, post.channel]
        return [float(slot) for slot in self._take(keys=keys, args=args)]

    def reserve(self, team_id: str, channel: str, *, now: float) -> float:
        """A new slot for a post to the channel."""
        return self.take(team_id, channel, now=now)

    def rate_limited(self, team_id: str, channel: str, *, now: float, until: float) -> str:
        """Slack answered 429 for this channel, Retry-After until `until`: CHANNEL, WORKSPACE or LEARNED."""
        lim = self.limits
        args = [now, until, channel, lim.explain_window, lim.ceiling, lim.recovery, lim.floor, KEY_TTL_SECONDS,
                lim.burst]  # fmt: skip
        return str(self._limited(keys=[_key(team_id, channel), _workspace_key(team_id)], args=args).decode())

    def per_minute(self, team_id: str, *, now: float) -> float:
        """The workspace's learned rate, in posts per minute."""
        lim = self.limits
        return 60 * float(self._rate(keys=[_workspace_key(team_id)], args=[now, lim.ceiling, lim.recovery]))


def _key(team_id: str, channel: str) -> str:
    return f"{KEY_PREFIX}{team_id}:{channel}"


def _workspace_key(team_id: str) -> str:
    return f"{WORKSPACE_PREFIX}{team_id}"


@dataclass
class _Workspace:
    tat: float = 0.0
    rate: float | None = None
    at: float = 0.0
    blocked: float = 0.0
    window_start: float = 0.0
    sent: int = 0
    limited: int = 0
    limited_channels: set[str] = field(default_factory=set)
    last_sent: dict[str, float] = field(default_factory=dict)
    previous_sent: dict[str, float] = field(default_factory=dict)

    def start_window(self, now: float) -> None:
        self.window_start, self.sent, self.limited = now, 0, 0
        self.limited_channels.clear()

    def evidence(self) -> bool:
        """Enough unexplained 429s in this window, in more than one channel, to say the workspace is limited."""
        spread = len(self.limited_channels) > 1
        return spread and self.limited >= MIN_LIMITED and self.limited >= SHARE_LIMITED * self.sent

    def rate_at(self, now: float, limits: Limits) -> float:
        if self.rate is None:
            return limits.ceiling
        return min(limits.ceiling, self.rate + limits.recovery * max(0.0, now - self.at))


class LocalPacer:
    """The same pacing within one process, for a broker without Redis (the embedded fallback of `make run`)."""

    def __init__(self, limits: Limits) -> None:
        self._free: dict[str, float] = {}
        self._workspaces: dict[str, _Workspace] = {}
        self._lock = threading.Lock()
        self.limits = limits

    def take(self, team_id: str, channel: str, *, now: float, slot: float | None = None) -> float:
        with self._lock:
            ws = self._workspaces.setdefault(team_id, _Workspace())
            if slot is None or slot < ws.blocked - VOID_MARGIN:
                rate = ws.rate_at(now, self.limits)
                key = _key(team_id, channel)
                token = max(now, ws.blocked, ws.tat - (self.limits.burst - 1) / rate)
                slot = max(token, self._free.get(key, 0.0))
                ws.tat, ws.rate, ws.at = max(ws.tat, token) + 1 / rate, rate, now
                self._free[key] = max(self._free.get(key, 0.0), slot + self.limits.channel_interval)
            if slot <= now + SEND_TOLERANCE:
                self._sent(ws, channel, now)
            return slot

    def take_many(self, posts: Sequence[Post], *, now: float) -> list[float]:
        return [self.take(post.team_id, post.channel, now=now, slot=post.slot) for post in posts]

    def reserve(self, team_id: str, channel: str, *, now: float) -> float:
        return self.take(team_id, channel, now=now)

    @staticmethod
    def _sent(ws: _Workspace, channel: str, now: float) -> None:
        if now - ws.window_start >= LEARN_WINDOW:
            ws.start_window(now)
        ws.sent += 1
        ws.previous_sent[channel] = ws.last_sent.get(channel, 0.0)
        ws.last_sent[channel] = now

    def rate_limited(self, team_id: str, channel: str, *, now: float, until: float) -> str:
        with self._lock:
            key = _key(team_id, channel)
            self._free[key] = max(self._free.get(key, 0.0), until)
            ws = self._workspaces.setdefault(team_id, _Workspace())
            if now - ws.previous_sent.get(channel, 0.0) < self.limits.explain_window:
                return CHANNEL
            ws.limited += 1
            ws.limited_channels.add(channel)
            outcome = WORKSPACE
            if ws.blocked <= now and ws.evidence():
                before = ws.rate_at(now, self.limits)
                ws.rate, ws.at = max(self.limits.floor, before * DECREASE), now
                ws.tat += (self.limits.burst - 1) * (1 / ws.rate - 1 / before)
                ws.start_window(now)
                outcome = LEARNED
            ws.blocked = max(ws.blocked, until)
            ws.tat = max(ws.tat, ws.blocked + (self.limits.burst - 1) / ws.rate_at(now, self.limits))
            return outcome

    def per_minute(self, team_id: str, *, now: float) -> float:
        with self._lock:
            return 60 * self._workspaces.setdefault(team_id, _Workspace()).rate_at(now, self.limits)


Pacer = RedisPacer | LocalPacer


def make_pacer(redis_url: str, limits: Limits) -> Pacer:
    if redis_url.startswith(REDIS_SCHEMES):
        return RedisPacer(redis.Redis.from_url(redis_url), limits)
    return LocalPacer(limits)
