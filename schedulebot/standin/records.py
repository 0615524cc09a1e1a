"""The record of every call the stand-in received: thread-safe, observable, waitable."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

CallListener = Callable[["Call"], None]
CallPredicate = Callable[[list["Call"]], bool]

logger = logging.getLogger(__name__)

POST_METHOD = "chat.postMessage"
RESPONSE_URL_METHOD = "response_url"


@dataclass(frozen=True)
class Call:
    """One request to the stand-in, as it was received and answered."""

    method: str
    params: dict[str, Any]
    token: str | None = None
    team_id: str | None = None
    received_at: float = field(default_factory=time.monotonic)
    received_wall: float = field(default_factory=time.time)
    status: int = 200
    ok: bool = True
    error: str | None = None
    ts: str | None = None
    channel: str | None = None
    # "429", "500", "timeout" or "channel_rate" when a fault was injected, else None.
    fault: str | None = None
    # True when the call took effect in the workspace (a timed-out post may still be delivered).
    delivered: bool = True
    # The key of the response_url a "response_url" call was posted to.
    key: str | None = None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    @property
    def metadata(self) -> dict[str, Any] | None:
        value = self.params.get("metadata")
        return value if isinstance(value, dict) else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Call:
        return cls(**data)


def is_post(call: Call, channel: str | None = None) -> bool:
    """A chat.postMessage that reached the channel (including a timed-out one Slack delivered)."""
    return call.method == POST_METHOD and call.delivered and (channel is None or call.channel == channel)


class CallLog:
    """Append-only list of calls with listeners and a condition to wait on."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._listeners: list[CallListener] = []
        self._changed = threading.Condition()

    def append(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            listeners = list(self._listeners)
            self._changed.notify_all()
        if not call.delivered:
            return
        for listener in listeners:
            try:
                listener(call)
            except Exception:
                # A broken listener (say, the console) must not turn into a Slack error for the app.
                logger.exception("stand-in Slack: call listener %r failed", listener)

    def on_call(self, listener: CallListener) -> Callable[[], None]:
        """Call `listener` for each delivered call; returns a function that unsubscribes it."""
        with self._changed:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._changed:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def calls(self, method: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if method is None or c.method == method]

    def posts(self, channel: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if is_post(c, channel)]

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()
            self._changed.notify_all()

    def wait_for(self, predicate: CallPredicate, timeout: float, *, what: str = "condition") -> list[Call]:
        """Block until `predicate(all calls)` holds; return the calls, or raise TimeoutError."""
        with self._changed:
            # The predicate runs under the lock and sees the live list: no copy per wake-up.
            if self._changed.wait_for(lambda: predicate(self._calls), timeout=timeout):
                return list(self._calls)
            seen = _summary(self._calls)
        raise TimeoutError(f"stand-in Slack: {what} not met within {timeout}s; calls so far: {seen}")

    def wait_for_posts(self, n: int, timeout: float, channel: str | None = None) -> list[Call]:
        """Block until at least `n` posts (to `channel`, if given) were delivered; return them.

        Each wake-up counts only the calls made since the last (the log grows until it is cleared), so a wait
        for a herd of 10,000 posts does not read the whole log 10,000 times while the processes it measures
        need the CPU."""
        counted = [0, 0]  # calls read so far, posts among them

        def enough(calls: list[Call]) -> bool:
            if len(calls) < counted[0]:  # cleared meanwhile
                counted[0] = counted[1] = 0
            counted[1] += sum(1 for call in itertools.islice(calls, counted[0], None) if is_post(call, channel))
            counted[0] = len(calls)
            return counted[1] >= n

        self.wait_for(enough, timeout, what=f"{n} post(s)" + (f" to {channel}" if channel else ""))
        return self.posts(channel)


def _summary(calls: Iterable[Call]) -> str:
    counts: dict[str, int] = {}
    for call in calls:
        counts[call.method] = counts.get(call.method, 0) + 1
    return ", ".join(f"{m}×{n}" for m, n in sorted(counts.items())) or "none"
