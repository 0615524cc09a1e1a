"""Open-loop slash commands: `/schedule` sent to the real web process on a timetable, whatever the answers.

ack.py's senders are closed-loop: each sends its next command when the last is answered, so a slow server
slows its senders and its queue never shows in full. Here the commands arrive as people's would, on a
timetable drawn in advance (a Poisson process: exponential gaps at the rate, from a fixed seed, so every
run offers the same arrivals), sent by a pool of threads that never waits for an answer before the next
send. Every clock starts at the command's *scheduled* instant, not when it left, so a late send counts
against the figure instead of hiding the wait (no coordinated omission), and the sender's own lag is
measured: past MAX_SENDER_LAG_MS at p99 the rate was not really offered, and its figures do not count.

Per rate: the confirmation (scheduled instant → the ephemeral "Scheduled #…" reaching the response_url at
the stand-in), the HTTP answer, the commands refused busy (answered at once in the ack, never run) and
those never confirmed. A rate meets the target when at least TARGET_SHARE of the commands *sent* were
confirmed within TARGET_MS: a busy refusal is an answer, but not a confirmation, so a rate where more than
1% were refused busy misses the target however fast the rest were.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import delete

from schedulebot.bench import procs
from schedulebot.bench.ack import (
    COMMAND_TEXT,
    CONFIRMED,
    UNLIMITED,
    WARM_UP,
    _confirmations,
    _senders,
    _wait_healthy,
    free_port,
    is_busy,
)
from schedulebot.bench.stack import SIGNING_SECRET, TEAM_ID, Stack, private_stack
from schedulebot.bench.stats import p50_p99, percentile
from schedulebot.bench.targets import CONFIRM_OPEN_LOOP_SHARE, CONFIRM_P99_MS_OPEN_LOOP
from schedulebot.standin import Call, SignedSender
from schedulebot.standin.records import RESPONSE_URL_METHOD
from storage.models import AuditEntry, Trigger

DEFAULT_RATES = (10, 50, 100)
# Issue 17's target: a person's confirmation within this long, for at least TARGET_SHARE of the commands sent.
TARGET_MS = CONFIRM_P99_MS_OPEN_LOOP
TARGET_SHARE = CONFIRM_OPEN_LOOP_SHARE
# Threads sending: enough that a send never waits for a free one while answers take up to a few hundred ms.
SENDER_THREADS = 64
# A sender that lags its timetable more than this at p99 did not offer the rate: the rate's figures are invalid.
MAX_SENDER_LAG_MS = 50.0
SEED = 17
# The timetable starts this long after it is drawn, so the first sends are not late by the set-up.
LEAD_S = 0.2
# How long to wait, after the last send, for every confirmation.
CONFIRM_TIMEOUT = 120.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """One command as sent: its response_url key, its clocks from the scheduled instant, and its HTTP answer."""

    key: str
    scheduled_wall: float
    lag_ms: float
    ack_ms: float | None  # None: no HTTP answer
    busy: bool


def timetable(rate: float, seconds: float, seed: int = SEED) -> list[float]:
    """Send instants, in seconds from the start, of a Poisson process at `rate` per second over `seconds`."""
    draw = random.Random(seed)
    offsets, at = [], draw.expovariate(rate)
    while at < seconds:
        offsets.append(at)
        at += draw.expovariate(rate)
    return offsets


def meets_target(point: Mapping[str, Any]) -> bool:
    """The rate was offered (the sender kept up) and TARGET_SHARE of what was sent was confirmed in TARGET_MS."""
    return bool(point.get("sender_kept_up")) and (point.get("within_target_share") or 0.0) >= TARGET_SHARE


def knee(points: Mapping[str, Mapping[str, Any]]) -> int | None:
    """The highest rate measured that met the target with every lower rate measured meeting it too; None if the
    lowest missed. A pass above a miss is noise on a loaded machine, not capacity, so it never raises the knee."""
    found = None
    for rate in sorted(points, key=float):
        if not meets_target(points[rate]):
            break
        found = int(float(rate))
    return found


def run_open_loop(
    rates: tuple[int, ...] = DEFAULT_RATES,
    seconds: float = 30.0,
    search_steps: int = 0,
    progress: Progress = lambda _: None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every rate in `rates` for `seconds` each against one web process, then up to `search_steps` rates
    halving the gap between the knee and the next rate that missed."""
    with private_stack() as stack, procs.group() as (started, folder):
        stack.standin.set_channel("C0BENCH", "bench")  # a public channel every full member is in
        port = free_port()
        started.append(procs.start("web", procs.schedulebot(["web", "--port", str(port)]),
                                   stack.env(**UNLIMITED, **(env or {})), folder))  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, started[0])
        _confirmations(stack, _senders(stack, url, 1, WARM_UP))

        def measure(rate: int) -> dict[str, Any]:
            progress(f"open loop: {rate} commands/s for {seconds:g} s")
            forget_schedules(stack)
            return measure_rate(stack, url, rate, seconds)

        measured = {str(rate): measure(rate) for rate in rates}
        searched = search(measured, search_steps, measure)
    results: dict[str, Any] = {"confirm_open_loop": measured, "confirm_knee_per_s": knee({**measured, **searched})}
    if searched:
        results["confirm_open_loop_search"] = searched
    return results


def forget_schedules(stack: Stack) -> None:
    """Remove what earlier rates added, so every rate meets the same table.

    Each add counts the workspace's live schedules (its quota) under the workspace's lock; left in place, the
    thousands the lower rates added made the higher rates' adds slower than any workspace's can be (a workspace
    holds at most 1,000 live schedules by default).
    """
    with stack.engine.begin() as conn:
        conn.execute(delete(AuditEntry))
        conn.execute(delete(Trigger))


def search(measured: dict[str, dict[str, Any]], steps: int, measure: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """Rates between the knee and the next measured rate, each halving the gap; none if there is no knee."""
    found: dict[str, dict[str, Any]] = {}
    low = knee(measured)
    above = [int(r) for r in measured if low is not None and int(r) > low]
    if low is None or not above:
        return found
    high = min(above)
    for _ in range(steps):
        middle = (low + high) // 2
        if middle in (low, high):
            break
        found[str(middle)] = measure(middle)
        low, high = (middle, high) if meets_target(found[str(middle)]) else (low, middle)
    return found


def measure_rate(stack: Stack, url: str, rate: int, seconds: float, seed: int = SEED) -> dict[str, Any]:
    """One rate: the timetable sent, every confirmation awaited, the figures summed up."""
    with replies_at(stack) as replies:
        outcomes = send_on_timetable(stack, url, timetable(rate, seconds, seed))
        expected = {o.key for o in outcomes if not o.busy and o.ack_ms is not None}
        replies.wait(expected, CONFIRM_TIMEOUT)
    return summarize(rate, seconds, outcomes, replies.first)


def summarize(rate: int, seconds: float, outcomes: list[Outcome], first: Mapping[str, Call]) -> dict[str, Any]:
    confirmed = [
        (first[o.key].received_wall - o.scheduled_wall) * 1000
        for o in outcomes
        if not o.busy and o.key in first and first[o.key].text.startswith(CONFIRMED)
    ]
    sent, busy = len(outcomes), sum(1 for o in outcomes if o.busy)
    lags = [o.lag_ms for o in outcomes] or [0.0]
    acks = [o.ack_ms for o in outcomes if o.ack_ms is not None]
    p50, p99 = p50_p99(confirmed) if confirmed else (None, None)
    point: dict[str, Any] = {
        "rate_per_s": rate,
        "seconds": seconds,
        "arrivals": "poisson",
        "sent": sent,
        "confirmed": len(confirmed),
        "p50_ms": _round(p50),
        "p99_ms": _round(p99),
        "ack_p99_ms": _round(percentile(acks, 99) if acks else None),
        "busy": busy,
        "not_added": sent - busy - len(confirmed),
        "no_http_answer": sent - len(acks),
        "within_target_share": round(sum(1 for w in confirmed if w <= TARGET_MS) / sent, 4) if sent else 0.0,
        "sender_lag_p99_ms": _round(percentile(lags, 99)),
        "sender_lag_max_ms": _round(max(lags)),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    point["sender_kept_up"] = sent > 0 and point["sender_lag_p99_ms"] <= MAX_SENDER_LAG_MS
    point["meets_target"] = meets_target(point)
    return point


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def send_on_timetable(stack: Stack, url: str, offsets: list[float]) -> list[Outcome]:
    """Hand each command to a sender thread at its instant; nothing waits for an answer before the next send."""
    local = threading.local()
    made: list[SignedSender] = []

    def one(scheduled: float, scheduled_wall: float) -> Outcome:
        began = time.perf_counter()
        sender = getattr(local, "sender", None)
        if sender is None:
            sender = local.sender = SignedSender(f"{url}/slack/events", SIGNING_SECRET, standin=stack.standin)
            made.append(sender)
        key = uuid.uuid4().hex
        reply_to = stack.standin.response_url(key, channel="C0BENCH", user="U0BENCH", team_id=TEAM_ID)
        try:
            response = sender.command(
                text=COMMAND_TEXT, team_id=TEAM_ID, user_id="U0BENCH", channel_id="C0BENCH", response_url=reply_to
            )
        except requests.RequestException:
            return Outcome(key, scheduled_wall, (began - scheduled) * 1000, None, False)
        answered = (time.perf_counter() - scheduled) * 1000 if response.status_code == 200 else None
        return Outcome(key, scheduled_wall, (began - scheduled) * 1000, answered, is_busy(response))

    with ThreadPoolExecutor(SENDER_THREADS, thread_name_prefix="openloop") as pool:
        start, start_wall = time.perf_counter() + LEAD_S, time.time() + LEAD_S
        futures = []
        for offset in offsets:
            delay = start + offset - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one, start + offset, start_wall + offset))
        outcomes = [future.result() for future in futures]
    for sender in made:
        sender.close()
    return outcomes


class Replies:
    """The first response_url call per key, as the stand-in receives them (no scan of its whole record)."""

    def __init__(self) -> None:
        self.first: dict[str, Call] = {}
        self._missing: set[str] = set()
        self._changed = threading.Condition()

    def record(self, call: Call) -> None:
        if call.method != RESPONSE_URL_METHOD or call.key is None:
            return
        with self._changed:
            self.first.setdefault(call.key, call)
            self._missing.discard(call.key)
            if not self._missing:
                self._changed.notify_all()

    def wait(self, keys: set[str], timeout: float) -> bool:
        """Until every key has a reply or `timeout` passed; False then (the missing count as not added)."""
        with self._changed:
            self._missing = keys - self.first.keys()
            return self._changed.wait_for(lambda: not self._missing, timeout=timeout)


@contextmanager
def replies_at(stack: Stack) -> Iterator[Replies]:
    replies = Replies()
    unsubscribe = stack.standin.on_call(replies.record)
    try:
        yield replies
    finally:
        unsubscribe()
