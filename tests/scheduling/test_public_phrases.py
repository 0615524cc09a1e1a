"""Every worked example in ../shared/public-phrases.jsonl (DESIGN.md time rules)."""

import json
import os
from pathlib import Path

import pytest

from scheduling import ParseError, next_runs, parse
from tests.scheduling.conftest import local

PHRASES = Path(__file__).resolve().parents[2].parent / "shared" / "public-phrases.jsonl"


def _examples() -> list[dict[str, object]]:
    if not PHRASES.exists():
        return []
    return [json.loads(line) for line in PHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_public_phrases_file_is_present() -> None:
    if PHRASES.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{PHRASES} is missing: CI must place shared/ beside the clone")
    pytest.skip(f"{PHRASES} is missing (outside CI)")


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
