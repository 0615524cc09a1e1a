"""Slash-command round trip: signed `/schedule` requests to the real web process over HTTP, 1 and 20 senders."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench import procs
from bench.stack import SIGNING_SECRET, TEAM_ID, Stack, private_stack
from bench.stats import p50_p99
from bot.standin import SignedSender

CONCURRENT_SENDERS = 20
COMMAND_TEXT = "to check the deploy every weekday at 9:30am"
# Requests sent and thrown away first, so imports, caches and connection pools are warm.
WARM_UP = 20
READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_ack(requests_per_level: int) -> dict[str, Any]:
    """p50/p99 in ms at 1 sender and at 20 concurrent senders, each sending `requests_per_level` in all."""
    with private_stack() as stack, procs.group() as (started, folder):
        port = free_port()
        started.append(procs.start("web", procs.schedulebot(["web", "--port", str(port)]), stack.env(), folder))
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, started[0])
        _senders(stack, url, 1, WARM_UP)
        one = _senders(stack, url, 1, requests_per_level)
        many = _senders(stack, url, CONCURRENT_SENDERS, requests_per_level)
    one_p50, one_p99 = p50_p99(one)
    p50, p99 = p50_p99(many)
    return {
        "ack_1_p50_ms": round(one_p50, 2), "ack_1_p99_ms": round(one_p99, 2),
        "ack_p50_ms": round(p50, 2), "ack_p99_ms": round(p99, 2), "ack_requests": requests_per_level,
    }  # fmt: skip


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


def _senders(stack: Stack, url: str, senders: int, total: int) -> list[float]:
    """Round-trip milliseconds of `total` signed slash commands spread over `senders` threads."""
    share = [total // senders + (1 if i < total % senders else 0) for i in range(senders)]
    with ThreadPoolExecutor(senders) as pool:
        chunks = list(pool.map(lambda n: _send(stack, url, n), share))
    return [ms for chunk in chunks for ms in chunk]


def _send(stack: Stack, url: str, count: int) -> list[float]:
    sender = SignedSender(f"{url}/slack/events", SIGNING_SECRET, standin=stack.standin)
    samples = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            response = sender.command(text=COMMAND_TEXT, team_id=TEAM_ID, user_id="U0BENCH", channel_id="C0BENCH")
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"slash command answered {response.status_code}: {response.text[:200]}")
    finally:
        sender.close()
    return samples
