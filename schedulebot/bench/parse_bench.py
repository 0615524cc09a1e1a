"""Parse latency over the public phrases, and the worst case over adversarial commands at the cap.

Prints {"parse_p50_ms": .., "parse_p99_ms": .., "adversarial_p99_ms": .., "adversarial_max_ms": ..}.
"""

import contextlib
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scheduling import ParseError, parse  # noqa: E402

# The project's worked examples live in ../shared beside the clone; a copy travels with the
# repository for clones that have no shared/ beside them (tests check the two stay the same).
SHARED_PHRASES = ROOT.parent / "shared" / "public-phrases.jsonl"
BUNDLED_PHRASES = ROOT / "schedulebot" / "bench" / "public-phrases.jsonl"
DEFAULT_PHRASES = SHARED_PHRASES if SHARED_PHRASES.exists() else BUNDLED_PHRASES


def measure(phrases_path: str | Path = DEFAULT_PHRASES, repeat: int = 50) -> dict[str, float]:
    """Parse every phrase `repeat` times after one warm-up pass; p50/p99 per parse in milliseconds."""
    examples = [json.loads(line) for line in Path(phrases_path).read_text(encoding="utf-8").splitlines() if line]
    cases = [(ex["text"], datetime.fromisoformat(ex["now"]).replace(tzinfo=ZoneInfo(ex["tz"])), ex["tz"])
             for ex in examples]  # fmt: skip
    samples: list[float] = []
    for round_ in range(repeat + 1):
        for text, now, tz in cases:
            started = time.perf_counter()
            with contextlib.suppress(ParseError):
                parse(text, now=now, tz=tz)
            if round_:
                samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return {"parse_p50_ms": round(statistics.median(samples), 3), "parse_p99_ms": round(cuts[98], 3)}


def measure_adversarial(repeat: int = 5) -> dict[str, Any]:
    """Read every adversarial command at the cap `repeat` times after a warm-up; p99 and worst in ms."""
    from schedulebot.bench.adversarial import cases, read

    samples: list[float] = []
    worst: tuple[float, str] = (0.0, "")
    for round_ in range(repeat + 1):
        for command, text in cases():
            started = time.perf_counter()
            read(command, text)
            elapsed = (time.perf_counter() - started) * 1000
            if round_:
                samples.append(elapsed)
                worst = max(worst, (elapsed, f"{command} {text[:24]}…"))
    cuts = statistics.quantiles(samples, n=100)
    return {
        "adversarial_p99_ms": round(cuts[98], 3),
        "adversarial_max_ms": round(worst[0], 3),
        "adversarial_worst_input": worst[1],
        "adversarial_inputs": len(samples) // repeat,
    }


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PHRASES
    print(json.dumps({**measure(path, int(sys.argv[2]) if len(sys.argv) > 2 else 50), **measure_adversarial()}))
