"""The table and docs page: every target row is shown, and a figure not measured is never "met"."""

from pathlib import Path

from schedulebot.bench.report import END_MARK, START_MARK, render, update_docs, write_json
from schedulebot.bench.targets import checks

RESULTS = {
    "mode": "quick",
    "started_at": "2026-03-06T10:00:00+00:00",
    "duration_s": 1.0,
    "machine": {"cores": 2},
    "tick_claim_ms": {"10000": 40.0, "100000": 60.0},
    "peer_load_all_ms": {"10000": 400.0, "100000": 5000.0},
    "fire_ratio": 0.4,
    "ack_p99_ms": 50.0,
}


def test_targets_show_met_missed_and_not_measured() -> None:
    verdicts = {check.name: check.verdict for check in checks(RESULTS)}
    assert verdicts["tick claim, 1,000 due among 1M (PostgreSQL)"] == "not measured"
    assert verdicts["load-all peer ÷ tick claim at 100k (PostgreSQL)"] == "MISSED"
    assert verdicts["firing throughput ÷ Celery no-op ceiling"] == "MISSED"
    assert verdicts["slash-command p99 at 20 concurrent senders"] == "met"
    assert verdicts["parse p99 over public-phrases.jsonl"] == "not measured"


def test_docs_keep_hand_written_text_and_replace_the_results(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Benchmarks\n\nHow we measure.\n\n{START_MARK}\nold figures\n{END_MARK}\n\nFooter.\n")
    json_path = write_json(RESULTS, tmp_path / "results")
    update_docs(RESULTS, json_path, [], page=page)
    text = page.read_text()
    assert "How we measure." in text and "Footer." in text and "old figures" not in text
    assert render(RESULTS) in text
