"""The open-loop section: its timetable, how a rate meets the target, the knee, and a tiny run against the real
web process and stand-in."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from schedulebot.bench import openloop
from schedulebot.bench.openloop import Outcome, knee, meets_target, search, summarize, timetable
from schedulebot.bench.report import open_loop_table, render
from schedulebot.bench.services import ServiceUnavailable, postgres_database, redis_database
from schedulebot.bench.targets import checks, open_loop_check
from schedulebot.standin import Call
from schedulebot.standin.records import RESPONSE_URL_METHOD
from tests.bench.test_report import RESULTS
from tests.services import unavailable

POINT_KEYS = {"p50_ms", "p99_ms", "ack_p99_ms", "busy", "not_added", "sent", "confirmed", "within_target_share",
              "sender_lag_p99_ms", "sender_lag_max_ms", "sender_kept_up", "meets_target"}  # fmt: skip


def point(*, share: float = 1.0, kept_up: bool = True, **extra: Any) -> dict[str, Any]:
    return {"within_target_share": share, "sender_kept_up": kept_up, "p99_ms": 100.0, "busy": 0, "not_added": 0,
            "sent": 100, **extra}  # fmt: skip


def test_the_timetable_is_poisson_at_the_rate_and_the_same_every_run() -> None:
    offsets = timetable(50, 60)
    assert offsets == timetable(50, 60) and offsets != timetable(50, 60, seed=18)
    assert offsets == sorted(offsets) and offsets[0] > 0 and offsets[-1] < 60
    assert 2700 < len(offsets) < 3300  # 3,000 expected; a Poisson count's spread is about ±55
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    assert sum(g < 0.01 for g in gaps) > len(gaps) * 0.3  # bursts: exponential gaps, not an even 20 ms


@pytest.mark.parametrize(
    ("given", "met"),
    [
        (point(), True),
        (point(share=0.99), True),
        (point(share=0.9899), False),  # more than 1% busy, unconfirmed or slower than 250 ms
        (point(kept_up=False), False),  # the rate was not really offered
    ],
)
def test_a_rate_meets_the_target_only_with_99_percent_confirmed_in_time_and_the_sender_on_time(
    given: dict[str, Any], met: bool
) -> None:
    assert meets_target(given) is met


@pytest.mark.parametrize(
    ("met", "expected"),
    [
        ({"10": True, "50": True, "100": False}, 50),
        ({"10": True, "50": True, "100": True}, 100),
        ({"10": False, "50": True, "100": True}, None),  # the lowest missed: a pass above a miss is noise
        ({"10": True, "50": False, "100": True}, 10),
        ({"10": True, "50": True, "75": True, "100": False}, 75),  # a searched rate counts like a measured one
        ({}, None),
    ],
)
def test_the_knee_is_the_top_of_the_unbroken_run_of_rates_meeting_the_target(
    met: dict[str, bool], expected: int | None
) -> None:
    assert knee({rate: point(share=1.0 if ok else 0.5) for rate, ok in met.items()}) == expected


def test_the_search_halves_the_gap_above_the_knee() -> None:
    tried: list[int] = []

    def measure(rate: int) -> dict[str, Any]:
        tried.append(rate)
        return point(share=1.0 if rate <= 80 else 0.5)

    measured = {"10": point(), "50": point(), "100": point(share=0.5)}
    found = search(measured, 3, measure)
    assert tried == [75, 87, 81] and knee({**measured, **found}) == 75
    assert search({"10": point(share=0.5), "50": point()}, 3, measure) == {}  # no knee: nothing to search from


def _call(key: str, at: float, text: str) -> Call:
    return Call(method=RESPONSE_URL_METHOD, params={"text": text}, key=key, received_wall=at)


def test_busy_and_unconfirmed_commands_are_counted_apart_and_never_as_confirmed() -> None:
    outcomes = [Outcome(f"k{i}", 1000.0 + i, lag_ms=1.0, ack_ms=5.0, busy=False) for i in range(96)]
    outcomes += [Outcome("busy1", 1100.0, 1.0, 2.0, True), Outcome("busy2", 1101.0, 1.0, 2.0, True)]
    outcomes += [Outcome("lost", 1102.0, 1.0, None, False), Outcome("sorry", 1103.0, 1.0, 5.0, False)]
    first = {f"k{i}": _call(f"k{i}", 1000.0 + i + 0.1, "Scheduled #1: …") for i in range(96)}
    first["sorry"] = _call("sorry", 1103.05, ":warning: Sorry, something went wrong")
    result = summarize(50, 2.0, outcomes, first)
    assert set(result) >= POINT_KEYS
    assert (result["sent"], result["confirmed"], result["busy"], result["not_added"]) == (100, 96, 2, 2)
    assert result["p50_ms"] == pytest.approx(100.0, abs=0.01) and result["within_target_share"] == 0.96
    assert result["no_http_answer"] == 1 and result["meets_target"] is False  # 4% not confirmed


def test_a_sender_that_lagged_makes_the_rate_invalid() -> None:
    outcomes = [Outcome(f"k{i}", 1000.0, lag_ms=200.0, ack_ms=5.0, busy=False) for i in range(10)]
    first = {f"k{i}": _call(f"k{i}", 1000.01, "Scheduled #1") for i in range(10)}
    result = summarize(10, 1.0, outcomes, first)
    assert result["within_target_share"] == 1.0 and result["sender_kept_up"] is False
    assert result["meets_target"] is False
    check = open_loop_check({"confirm_open_loop": {"50": result}})
    assert check.verdict == "not measured" and "sender fell behind" in check.measured


def test_the_target_row_and_the_table_show_busy_replies() -> None:
    results = {**RESULTS, "confirm_open_loop": {"10": point(meets_target=True), "50": point(
        share=0.8, busy=20, meets_target=False)}, "confirm_knee_per_s": 10}  # fmt: skip
    row = next(c for c in checks(results) if c.name.startswith("confirmation p99 at 50 commands/s"))
    assert row.verdict == "MISSED" and "20 busy" in row.measured
    table = open_loop_table(results)
    assert "Knee: 10 commands/s" in table and "| 50 | 100 |" in table and "| 80.0% |" in table
    assert "### Open-loop slash commands" in render(results)
    assert open_loop_check(RESULTS).verdict == "not measured"


def test_no_plot_without_an_open_loop_figure(tmp_path: Path) -> None:
    from schedulebot.bench.plots import open_loop_plot

    assert open_loop_plot(RESULTS, tmp_path / "openloop.png") is None and not (tmp_path / "openloop.png").exists()


@pytest.mark.slow
def test_a_tiny_open_loop_run_against_the_web_process_has_the_json_shape() -> None:
    try:
        with postgres_database(), redis_database():
            pass
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL or Redis", exc)
    results = openloop.run_open_loop(rates=(5,), seconds=1.5)
    assert set(results) == {"confirm_open_loop", "confirm_knee_per_s"}
    only = results["confirm_open_loop"]["5"]
    assert set(only) >= POINT_KEYS
    assert only["sent"] > 0 and only["busy"] == 0 and only["not_added"] == 0 and only["confirmed"] == only["sent"]
    assert only["p99_ms"] >= only["p50_ms"] > 0 and only["ack_p99_ms"] > 0
    assert results["confirm_knee_per_s"] == (5 if only["meets_target"] else None)
