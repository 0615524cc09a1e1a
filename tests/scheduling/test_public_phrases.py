"""Every worked example in ../shared/public-phrases.jsonl, or its bundled copy (DESIGN.md time rules)."""

import json

import pytest

from schedulebot.bench.parse_bench import BUNDLED_PHRASES, DEFAULT_PHRASES, SHARED_PHRASES
from scheduling import ParseError, next_runs, parse
from tests.scheduling.conftest import local

PHRASES = DEFAULT_PHRASES


def _examples() -> list[dict[str, object]]:
    return [json.loads(line) for line in PHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_bundled_copy_is_the_shared_file() -> None:
    """Clones without ../shared use schedulebot/bench/public-phrases.jsonl; it must not drift from the original."""
    assert BUNDLED_PHRASES.exists()
    if SHARED_PHRASES.exists():
        assert BUNDLED_PHRASES.read_bytes() == SHARED_PHRASES.read_bytes(), "copy ../shared/public-phrases.jsonl"


@pytest.mark.parametrize("example", _examples(), ids=lambda ex: str(ex["text"])[:40] or "<empty>")
def test_public_phrase(example: dict[str, object]) -> None:
    tz = str(example["tz"])
    now = local(str(example["now"]), tz)
    if example["kind"] == "invalid":
        with pytest.raises(ParseError):
            parse(str(example["text"]), now=now, tz=tz)
        return
    schedule = parse(str(example["text"]), now=now, tz=tz)
    expected = list(example["next"])  # type: ignore[call-overload]
    assert schedule.kind == example["kind"]
    assert [run.isoformat() for run in next_runs(schedule, now, len(expected))] == expected
