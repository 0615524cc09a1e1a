"""Deterministic fault injection: which calls get a 429, a 500 or never get an answer in time."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from schedulebot.standin.postlimits import CHANNEL_RATE, DEFAULT_WORKSPACE_BURST, WORKSPACE_RATE, PostLimits

# Longer than slack_sdk's default 30 s client timeout, so a default client gives up first.
DEFAULT_TIMEOUT_SECONDS = 31.0
# Slack's own hint for a rate-limited call is usually a few seconds; tests want it short.
DEFAULT_RETRY_AFTER = 1
# The methods a fault applies to unless told otherwise: the one the firing pipeline posts with.
DEFAULT_FAULT_METHODS = ("chat.postMessage",)
# The method Slack's workspace-wide posting limit applies to (the channel limit, to every method in the plan).
POST_METHOD = "chat.postMessage"
# Matches every method in `FaultPlan.methods`.
ALL_METHODS = "*"

# "missing_scope": the token lacks the method's scope (e.g. conversations.history in a private channel).
MISSING_SCOPE = "missing_scope"
KINDS = ("429", "500", "timeout", MISSING_SCOPE, "ok")
# The faults that answer 429: injected ones and the two limits of chat.postMessage.
RATE_KINDS = ("429", CHANNEL_RATE, WORKSPACE_RATE)


@dataclass(frozen=True)
class FaultPlan:
    """What to inject. Rates are shares of matching calls; `script` applies first, in order."""

    rate_429: float = 0.0
    retry_after: int = DEFAULT_RETRY_AFTER
    rate_500: float = 0.0
    rate_timeout: float = 0.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    deliver_on_timeout: bool = True
    methods: tuple[str, ...] = DEFAULT_FAULT_METHODS
    seed: int | None = 0
    script: tuple[str, ...] = ()
    # Emulates Slack's ~1 message/s/channel: a post sooner than this after the last one gets a 429.
    channel_min_interval: float = 0.0
    # Emulates Slack's workspace-wide limit on posts (postlimits.py): a token bucket of `workspace_burst`
    # posts refilled at this many per minute, per team; 0 turns it off.
    workspace_per_minute: float = 0.0
    workspace_burst: int = DEFAULT_WORKSPACE_BURST

    def __post_init__(self) -> None:
        rates = (self.rate_429, self.rate_500, self.rate_timeout)
        if any(r < 0 for r in rates) or sum(rates) > 1:
            raise ValueError(f"fault rates must be >= 0 and sum to at most 1, got {rates}")
        unknown = [k for k in self.script if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown scripted fault(s) {unknown}; use {KINDS}")
        if self.retry_after < 0 or self.timeout_seconds < 0 or self.channel_min_interval < 0:
            raise ValueError("retry_after, timeout_seconds and channel_min_interval must be >= 0")
        if self.workspace_per_minute < 0 or self.workspace_burst < 1:
            raise ValueError("workspace_per_minute must be >= 0 and workspace_burst >= 1 (e.g. 300 and 10)")

    def applies_to(self, method: str) -> bool:
        return ALL_METHODS in self.methods or method in self.methods

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown fault option(s): {unknown}")
        for key in ("methods", "script"):
            if key in known:
                value = known[key]
                known[key] = (value,) if isinstance(value, str) else tuple(value)
        return cls(**known)


@dataclass(frozen=True)
class Fault:
    """The fault chosen for one call."""

    kind: str
    retry_after: int = DEFAULT_RETRY_AFTER
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    deliver: bool = False

    @property
    def status(self) -> int:
        return 429 if self.kind in RATE_KINDS else {"500": 500}.get(self.kind, 200)


@dataclass
class FaultInjector:
    """Chooses faults call by call from a seeded generator, so a run is reproducible."""

    _plan: FaultPlan = field(default_factory=FaultPlan)
    _rng: random.Random = field(default_factory=lambda: random.Random(0))
    _script: deque[str] = field(default_factory=deque)
    _limits: PostLimits = field(default_factory=PostLimits)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Slack unreachable: every connection is closed unanswered, new ones at accept, kept-alive ones at
    # their next request. Apart from the plan, so a new plan does not bring Slack back by accident.
    _unreachable: threading.Event = field(default_factory=threading.Event)
    _refused: int = 0

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    @property
    def unreachable(self) -> bool:
        return self._unreachable.is_set()

    @property
    def refused(self) -> int:
        """Connections and requests closed unanswered because Slack was unreachable."""
        return self._refused

    def rate_limited(self) -> dict[str, int]:
        """429s answered since the plan was set, by kind: "429" (injected), "channel_rate", "workspace_rate"."""
        with self._lock:
            return {kind: self._limits.refused[kind] for kind in RATE_KINDS}

    def refuse(self) -> bool:
        """True (and counted) when Slack is unreachable and this connection must be closed unanswered."""
        if not self._unreachable.is_set():
            return False
        with self._lock:
            self._refused += 1
        return True

    def set_unreachable(self, on: bool) -> None:
        if on:
            self._unreachable.set()
        else:
            self._unreachable.clear()

    def configure(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._rng = random.Random(plan.seed)
            self._script = deque(plan.script)
            self._limits.clear()

    def decide(self, method: str, channel: str | None = None, team: str | None = None) -> Fault | None:
        with self._lock:
            plan = self._plan
            if not plan.applies_to(method):
                return None
            fault = self._scripted(plan) if self._script else self._drawn(plan)
            if fault is not None and fault.kind == "429":
                self._limits.refused["429"] += 1
            if fault is None:
                fault = self._post_limits(plan, channel, team if method == POST_METHOD else None)
            return fault

    def _scripted(self, plan: FaultPlan) -> Fault | None:
        return self._make(plan, self._script.popleft())

    def _drawn(self, plan: FaultPlan) -> Fault | None:
        draw = self._rng.random()
        for kind, rate in (("429", plan.rate_429), ("500", plan.rate_500), ("timeout", plan.rate_timeout)):
            if draw < rate:
                return self._make(plan, kind)
            draw -= rate
        return None

    def _post_limits(self, plan: FaultPlan, channel: str | None, team: str | None) -> Fault | None:
        refused = self._limits.check(
            now=time.monotonic(),
            channel=channel,
            team=team,
            channel_min_interval=plan.channel_min_interval,
            workspace_per_minute=plan.workspace_per_minute,
            workspace_burst=plan.workspace_burst,
        )
        return Fault(refused[0], retry_after=refused[1]) if refused else None

    @staticmethod
    def _make(plan: FaultPlan, kind: str) -> Fault | None:
        if kind == "ok":
            return None
        return Fault(kind, plan.retry_after, plan.timeout_seconds, deliver=plan.deliver_on_timeout)
