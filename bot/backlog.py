"""The web process's listener threads, and the bound on the work waiting for them behind the acks.

Every listener is acked first and runs after, on these threads. Bolt's own executor queues that work
without limit, so a flood of commands made each confirmation later than the last; here a slash command
that arrives while `bound` pieces of work are already waiting or running is answered at once, in the
ack itself, with BUSY, and never run. Button presses, modals and events are always taken (they are
counted, so they make room scarcer for commands, but are never refused): a button or a modal was
shown by us and is expected to work, and an event has no reply to carry a refusal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# Bolt's own default number of listener threads per process.
DEFAULT_LISTENER_THREADS = 5
# What a refused slash command says (ephemeral, in the ack): what happened, that nothing was saved, what to do.
BUSY = (
    ":warning: Too many commands are arriving at once for me to keep up, so I did not run this one "
    "and nothing was saved. Please send it again in a moment."
)


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor, counting the work handed to it and not yet finished (waiting or running)."""

    def __init__(self, bound: int, threads: int = DEFAULT_LISTENER_THREADS) -> None:
        if bound < 1:
            raise ValueError(f"the bound must be at least 1, got {bound}")
        super().__init__(max_workers=threads, thread_name_prefix="listener")
        self.bound = bound
        self._lock = threading.Lock()
        self._held = 0  # admitted or submitted, and not finished
        self._admitted = 0  # admitted, not yet submitted

    @property
    def backlog(self) -> int:
        with self._lock:
            return self._held

    def admit(self) -> bool:
        """Take a place for one slash command's work, if one is free; its submit() then uses that place.

        Places are taken before the ack, under the lock, so concurrent requests never overshoot the bound.
        A place taken and never submitted (a request Bolt dropped) is used by the next submit of any work.
        """
        with self._lock:
            if self._held >= self.bound:
                return False
            self._held += 1
            self._admitted += 1
            return True

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._admitted:
                self._admitted -= 1
            else:
                self._held += 1  # exempt work: counted, never refused
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._lock:
            self._held -= 1
