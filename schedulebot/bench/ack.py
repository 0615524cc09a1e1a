"""Slash-command round trip: signed `/schedule` requests to the real web process over HTTP, 1 and 20 senders.

Two clocks per command: the round trip (request sent → HTTP answer, the ack Slack waits for) and the
confirmation (request sent → the ephemeral reply reaching the response_url at the stand-in). The web
process answers before it does the work, so the second shows what a person waits for under load. A sender sends
its next command when the last is acked, not confirmed, so the work can pile up behind the acks: past the web
process's bound a command is refused busy in its HTTP answer (bot/backlog.py), counted apart and never timed.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

from bot.backlog import BUSY
from schedulebot.bench import procs
from schedulebot.bench.stack import SIGNING_SECRET, TEAM_ID, Stack, private_stack
from schedulebot.bench.stats import p50_p99
from schedulebot.standin import SignedSender
from schedulebot.standin.records import RESPONSE_URL_METHOD, Call

CONCURRENT_SENDERS = 20
COMMAND_TEXT = "to check the deploy every weekday at 9:30am"
# Requests sent and thrown away first, so imports, caches and connection pools are warm.
WARM_UP = 20
READY_TIMEOUT = 60.0
# How long to wait, after the last command, for every confirmation to reach the stand-in.
CONFIRM_TIMEOUT = 120.0
# The reply's text when the schedule was added; anything else (an error, "Sorry") is counted.
CONFIRMED = "Scheduled #"


@dataclass(frozen=True)
class Sent:
    key: str  # the response_url's key at the stand-in
    sent_wall: float
    round_trip_ms: float
    busy: bool = False  # refused in the HTTP answer (bot/backlog.py): no reply follows


# One bench person adds hundreds of schedules to one channel: lift the quotas so every reply is a confirmation.
UNLIMITED = {
    "SCHEDULEBOT_MAX_TRIGGERS_PER_WORKSPACE": "1000000",
    "SCHEDULEBOT_MAX_TRIGGERS_PER_PERSON": "1000000",
    "SCHEDULEBOT_MAX_TRIGGERS_PER_CHANNEL": "1000000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_ack(requests_per_level: int) -> dict[str, Any]:
    """p50/p99 in ms at 1 sender and at 20 concurrent senders, each sending `requests_per_level` in all."""
    with private_stack() as stack, procs.group() as (started, folder):
        stack.standin.set_channel("C0BENCH", "bench")  # a public channel every full member is in
        port = free_port()
        env = stack.env(**UNLIMITED)
        started.append(procs.start("web", procs.schedulebot(["web", "--port", str(port)]), env, folder))
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, started[0])
        _senders(stack, url, 1, WARM_UP)
        one = _senders(stack, url, 1, requests_per_level)
        one_confirm, one_unconfirmed = _confirmations(stack, one)
        many = _senders(stack, url, CONCURRENT_SENDERS, requests_per_level)
        many_confirm, many_unconfirmed = _confirmations(stack, many)
    results: dict[str, Any] = {"ack_requests": requests_per_level}
    for prefix, samples in (("ack_1", [s.round_trip_ms for s in one]), ("ack", [s.round_trip_ms for s in many]),
                            ("confirm_1", one_confirm), ("confirm", many_confirm)):  # fmt: skip
        if not samples:  # every command refused busy: nothing confirmed to time
            results[f"{prefix}_p50_ms"] = results[f"{prefix}_p99_ms"] = None
            continue
        p50, p99 = p50_p99(samples)
        results[f"{prefix}_p50_ms"], results[f"{prefix}_p99_ms"] = round(p50, 2), round(p99, 2)
    results["confirm_not_added"] = one_unconfirmed + many_unconfirmed
    results["confirm_busy"] = sum(1 for item in [*one, *many] if item.busy)
    return results


def _confirmations(stack: Stack, sent: list[Sent]) -> tuple[list[float], int]:
    """Milliseconds from each command to its reply at the stand-in, and how many replies were not a confirmation.

    A command refused busy in its HTTP answer has no reply to wait for: it is counted apart (confirm_busy).
    """
    sent = [item for item in sent if not item.busy]
    keys = {item.key for item in sent}

    def replied(calls: list[Call]) -> bool:
        return sum(1 for c in calls if c.method == RESPONSE_URL_METHOD and c.key in keys) >= len(keys)

    calls = stack.standin.wait_for(replied, timeout=CONFIRM_TIMEOUT)
    first = {}
    for call in calls:
        if call.method == RESPONSE_URL_METHOD and call.key in keys and call.key not in first:
            first[call.key] = call
    waits = [(first[item.key].received_wall - item.sent_wall) * 1000 for item in sent]
    return waits, sum(1 for call in first.values() if not call.text.startswith(CONFIRMED))


def _wait_healthy(url: str, web: procs.Proc) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        if web.popen.poll() is not None:
            raise RuntimeError(f"web exited:\n{web.output()[-2000:]}")
        time.sleep(0.2)
    raise TimeoutError(f"web did not answer /healthz within {READY_TIMEOUT}s")


def _senders(stack: Stack, url: str, senders: int, total: int) -> list[Sent]:
    """`total` signed slash commands spread over `senders` threads."""
    share = [total // senders + (1 if i < total % senders else 0) for i in range(senders)]
    with ThreadPoolExecutor(senders) as pool:
        chunks = list(pool.map(lambda n: _send(stack, url, n), share))
    return [item for chunk in chunks for item in chunk]


def _send(stack: Stack, url: str, count: int) -> list[Sent]:
    sender = SignedSender(f"{url}/slack/events", SIGNING_SECRET, standin=stack.standin)
    sent = []
    try:
        for _ in range(count):
            key = uuid.uuid4().hex
            reply_to = stack.standin.response_url(key, channel="C0BENCH", user="U0BENCH", team_id=TEAM_ID)
            wall, started = time.time(), time.perf_counter()
            response = sender.command(
                text=COMMAND_TEXT, team_id=TEAM_ID, user_id="U0BENCH", channel_id="C0BENCH", response_url=reply_to
            )
            sent.append(Sent(key, wall, (time.perf_counter() - started) * 1000, is_busy(response)))
            if response.status_code != 200:
                raise RuntimeError(f"slash command answered {response.status_code}: {response.text[:200]}")
    finally:
        sender.close()
    return sent


def is_busy(response: requests.Response) -> bool:
    """The web process refused the command in its HTTP answer: the ack carries the busy reply."""
    if response.status_code != 200 or not response.content:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("text") == BUSY
