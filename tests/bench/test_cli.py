"""`schedulebot bench --json` on a tiny plan prints one JSON object with every key the issue names."""

import json

import pytest

from schedulebot.bench import cli
from schedulebot.bench.services import ServiceUnavailable, postgres_database, redis_database
from tests.services import unavailable

TINY = cli.Plan("tiny", (300,), (300,), fire_runs=10, lateness_seconds=3, burst_runs=0, ack_requests=10,
                parse_repeat=1, memory=False, claim_due=20, open_loop_rates=(5,), open_loop_seconds=1.0,
                open_loop_search=0)  # fmt: skip
KEYS = {
    "tick_claim_ms", "peer_load_all_ms", "fire_per_s", "celery_noop_per_s", "lateness_p50_s", "lateness_p99_s",
    "ack_p50_ms", "ack_p99_ms", "parse_p99_ms", "machine", "confirm_open_loop", "confirm_knee_per_s",
}  # fmt: skip


@pytest.mark.slow
def test_a_tiny_run_has_every_key_and_no_section_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        with postgres_database(), redis_database():
            pass
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL or Redis", exc)
    monkeypatch.setattr(cli, "QUICK", TINY)
    assert cli.cli(["--quick", "--json", "--no-docs"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results.get("errors") is None, results.get("errors")
    assert set(results) >= KEYS
    assert set(results["tick_claim_ms"]) == {"300"} and {"cores", "postgresql", "redis"} <= set(results["machine"])
    assert {t["verdict"] for t in results["targets"]} <= {"met", "MISSED", "not measured"}
    assert results["confirm_not_added"] == 0 and results["confirm_p99_ms"] >= results["confirm_p50_ms"] > 0
    assert set(results["confirm_open_loop"]) == {"5"} and results["confirm_open_loop"]["5"]["not_added"] == 0
