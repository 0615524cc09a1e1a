"""The memory benchmark on tiny sizes: the JSON has the worker per process at each stored count, and the worker
reads the due triggers only, never every stored one (PostgreSQL's own counters). No memory figure is asserted."""

import json

import pytest

from schedulebot.bench import cli
from schedulebot.bench.memory import run_memory
from schedulebot.bench.services import ServiceUnavailable, postgres_database, redis_database
from tests.bench.test_cli import TINY
from tests.services import unavailable

FIGURES = {"rss_mb", "pss_mb", "uss_mb"}


def _services() -> None:
    try:
        with postgres_database(), redis_database():
            pass
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL or Redis", exc)


@pytest.mark.slow
def test_bench_json_has_the_worker_rss_at_each_stored_count_and_each_pool_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _services()
    plan = cli.Plan(**{**TINY.__dict__, "memory": True, "memory_sizes": (100, 1_000), "memory_seconds": 3.0})
    monkeypatch.setattr(cli, "QUICK", plan)
    assert cli.cli(["--quick", "--json", "--only", "memory"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results.get("errors") is None, results.get("errors")
    assert set(results["worker_rss_mb"]) == {"100", "1000"}
    detail = results["worker_rss_detail"]
    assert detail["concurrency"] >= 1 and set(detail["sizes"]) == {"100", "1000"}
    for stored, sized in detail["sizes"].items():
        assert results["worker_rss_mb"][stored] == sized["total_rss_mb"] > 0
        assert len(sized["pool"]) >= detail["concurrency"]  # more only if one was replaced meanwhile
        processes = [sized["main"], *sized["pool"]]
        for figures in processes:
            assert set(figures) == FIGURES and 0 < figures["uss_mb"] <= figures["pss_mb"] <= figures["rss_mb"]
        rounding = 0.05 * len(processes)  # each figure is rounded to 0.1 MB
        assert (
            max(p["rss_mb"] for p in processes)
            <= sized["total_rss_mb"]
            <= sum(p["rss_mb"] for p in processes) + rounding
        )
        assert sized["total_pss_mb"] <= sized["total_rss_mb"]
    growth = next(t for t in results["targets"] if t["name"].startswith("worker RSS growth"))
    assert growth["name"] == "worker RSS growth, 100 → 1,000 stored" and growth["verdict"] == "not measured"
    assert set(results["memory_peak_mb"]) == {"web", "worker", "beat"} and results["memory_stored"] == 1_000


@pytest.mark.slow
def test_the_worker_and_beat_read_the_due_triggers_not_every_stored_one() -> None:
    """50,000 stored, 10 due: a tick, a claim or a firing that read every trigger would read 50,000 rows.

    (At a few thousand stored PostgreSQL rightly prefers a sequential scan for the claim's move of the
    triggers, so the size is one where only a real load-all would scan.)
    """
    _services()
    run = run_memory(50_000, seconds=8.0, due=10)
    read = run["worker"]["triggers_rows_read"]
    assert 10 <= read < 1_000, f"{read:,} rows of the triggers table read with 50,000 stored and 10 due"


def _sized(total_rss: float) -> dict[str, object]:
    figures = {"rss_mb": total_rss / 2, "pss_mb": 40.0, "uss_mb": 20.0}
    return {"main": figures, "pool": [figures], "total_rss_mb": total_rss, "total_pss_mb": 80.0, "total_uss_mb": 40.0}


@pytest.mark.parametrize(("at_1m", "verdict"), [(540.0, "met"), (600.0, "MISSED")])
def test_the_growth_target_is_judged_from_1k_to_1m_and_the_table_shows_each_process(at_1m: float, verdict: str) -> None:
    from schedulebot.bench.report import render
    from schedulebot.bench.targets import checks

    results = {
        "mode": "full", "started_at": "2026-03-06T10:00:00+00:00", "machine": {},
        "worker_rss_mb": {"1000": 530.0, "1000000": at_1m},
        "worker_rss_detail": {"concurrency": 1, "sample_seconds": 30.0,
                              "sizes": {"1000": _sized(530.0), "1000000": _sized(at_1m)}},
    }  # fmt: skip
    growth = next(c for c in checks(results) if c.name == "worker RSS growth, 1,000 → 1,000,000 stored")
    assert growth.verdict == verdict and growth.measured == f"{at_1m / 530.0:.2f} ×"
    table = render(results)
    assert "| 1,000,000 | pool 1 | " in table and f"| 1,000,000 | **total** | {at_1m:,.1f} | 80.0 | 40.0 |" in table
