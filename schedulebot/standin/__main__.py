"""python -m schedulebot.standin --port N: run the stand-in Slack on its own, logging each post on one line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from schedulebot.standin.records import Call
from schedulebot.standin.server import SlackStandIn


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m schedulebot.standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", action="append", dest="tokens", help="accept only these tokens (repeatable)")
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--rate-500", type=float, default=0.0)
    parser.add_argument("--rate-timeout", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    return parser


def describe(call: Call) -> str:
    """One log line per call: never the token, only what was posted where."""
    where = f"#{call.channel}" if call.channel else "-"
    fault = f" [{call.fault}]" if call.fault else ""
    text = call.text.replace("\n", " ")[:200]
    return f"{call.method} {where} ts={call.ts or '-'}{fault} {text}".rstrip()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    standin = SlackStandIn(host=args.host, port=args.port, valid_tokens=args.tokens)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with standin:
        standin.faults(rate_429=args.rate_429, rate_500=args.rate_500, rate_timeout=args.rate_timeout, seed=args.seed)
        standin.on_call(lambda call: print(describe(call), flush=True) if call.method in _LOGGED else None)
        print(standin.api_url, flush=True)
        stop.wait()
    return 0


_LOGGED = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete", "response_url"})

if __name__ == "__main__":
    sys.exit(main())
