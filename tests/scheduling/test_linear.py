"""Reading stays linear in the input: the trailing-zone scan, and split_what_when's bounded candidates."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling import ParseError, next_runs, split_what_when
from scheduling.split import MAX_WHEN_TOKENS
from scheduling.tokens import MAX_INPUT_CHARS
from scheduling.zonewords import _trailing_zone
from tests.scheduling.conftest import NOW_TEXT, NY, local

NOW = local(NOW_TEXT)
# The pattern split_zone used before its scan from the end: quadratic on runs of spaces and commas, but the
# reference for what the scan must find.
_REFERENCE = re.compile(
    r"^(?P<rest>.*?)[\s,]+(?:in\s+)?\(?(?P<zone>utc|gmt|[a-z]+(?:/[a-z0-9_+\-]+)+|[a-z]{2,5}|[a-z]{3}[+\-][0-9:]+)\)?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PIECES = ["in", "IN", " ", ",", "(", ")", "utc", "Europe/Berlin", "\n", "gmt+1", "x", "5pm", "/", "\u00a0", "at"]


@given(st.lists(st.sampled_from(_PIECES), max_size=10).map("".join))
def test_the_trailing_zone_scan_finds_what_the_old_pattern_found(text: str) -> None:
    found = _REFERENCE.match(text)
    assert _trailing_zone(text) == ((found.group("rest"), found.group("zone")) if found else None)


@pytest.mark.parametrize("filler", [", ", "on ", "and ", "the ", "- ", "at 5 "])
def test_a_long_run_of_fillers_before_a_schedule_still_splits(filler: str) -> None:
    command = "to ship it " + filler * 200 + "every friday at 4pm"
    what, schedule = split_what_when(command, now=NOW, tz=NY)
    assert what.startswith("ship it " + filler.strip())
    assert next_runs(schedule, NOW, 1)[0].isoformat() == "2026-03-06T16:00:00-05:00"


def test_the_time_phrase_is_read_from_its_last_tokens_only() -> None:
    weekdays = ", ".join(["monday", "tuesday", "wednesday", "thursday", "friday"])
    assert split_what_when(f"to stretch every {weekdays} at 9am", now=NOW, tz=NY)[0] == "stretch"
    # Listed three times the phrase has more than MAX_WHEN_TOKENS tokens: only its trailing part is the time.
    what, _ = split_what_when(f"to stretch every {weekdays}, {weekdays}, {weekdays} at 9am", now=NOW, tz=NY)
    assert what == "stretch every monday, tuesday, wednesday, thursday,"


def test_no_schedule_in_a_long_message_names_both_limits() -> None:
    command = "to " + "word " * (MAX_INPUT_CHARS // 5 + 10)
    with pytest.raises(ParseError) as caught:
        split_what_when(command, now=NOW, tz=NY)
    message = str(caught.value)
    assert f"last {MAX_INPUT_CHARS} characters and {MAX_WHEN_TOKENS} words" in message


def test_a_command_over_the_cap_is_refused_naming_it() -> None:
    with pytest.raises(ParseError, match="that command is 2,001 characters; the limit is 2,000"):
        split_what_when("x" * 2001, now=NOW, tz=NY)
