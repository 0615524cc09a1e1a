"""Logs: one line per event, JSON on request, run and trigger ids attached, secrets never written."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schedulebot import telemetry
from schedulebot.config import load_settings

SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
BOT_TOKEN = "xoxb-1111-2222-abcdefABCDEF"


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def capture(log_format: str) -> io.StringIO:
    settings = load_settings(
        _env_file=None,
        LOG_FORMAT=log_format,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        DATABASE_URL="postgresql://bot:pg-pass-99@db.example/schedulebot",
    )
    stream = io.StringIO()
    telemetry.configure_logging(settings, "worker", stream=stream)
    return stream


def emit_secrets() -> None:
    log = logging.getLogger("tasks.test")
    with telemetry.log_context(run_id=41):
        telemetry.bind(trigger_id=7)
        log.info("posting with %s, secret %s", BOT_TOKEN, SIGNING_SECRET)
        log.info("user pasted xoxp-9-9-9 and xapp-1-A111-222-bbb")
        log.warning("broker redis://:redis-pass@cache:6379/0 and postgresql://bot:pg-pass-99@db.example/x")
        try:
            raise RuntimeError(f"Slack refused token {BOT_TOKEN}\nsecond line")
        except RuntimeError:
            log.exception("run failed")


@pytest.mark.usefixtures("restore_root_logger")
def test_json_lines_carry_the_run_and_trigger_and_no_secret() -> None:
    stream = capture("json")
    emit_secrets()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4, "one line per event, the traceback included"
    records = [json.loads(line) for line in lines]
    assert all(r["run_id"] == 41 and r["trigger_id"] == 7 and r["process"] == "worker" for r in records)
    assert records[3]["level"] == "ERROR" and "RuntimeError" in records[3]["exc"]
    for secret in (SIGNING_SECRET, "1111-2222", "xoxp-9", "A111-222", "redis-pass", "pg-pass-99"):
        assert secret not in stream.getvalue()


@pytest.mark.usefixtures("restore_root_logger")
def test_text_lines_are_one_per_event_and_redacted() -> None:
    stream = capture("text")
    emit_secrets()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert all("run_id=41 trigger_id=7" in line for line in lines)
    assert BOT_TOKEN not in stream.getvalue() and SIGNING_SECRET not in stream.getvalue()
    assert "xoxp-*** and xapp-***" in lines[1]
    assert "redis://:***@cache:6379/0" in lines[2] and "postgresql://bot:***@db.example/x" in lines[2]


@pytest.mark.usefixtures("restore_root_logger")
def test_extra_fields_outside_a_context_are_kept() -> None:
    stream = capture("json")
    logging.getLogger("tasks.test").info("tick done", extra={"claimed": 3})
    record = json.loads(stream.getvalue())
    assert record["claimed"] == 3 and "run_id" not in record and "trigger_id" not in record, "the context ended"


def test_metrics_gather_every_process_in_the_multiprocess_dir(tmp_path: Path) -> None:
    record = (
        "from schedulebot import telemetry; telemetry.record_run('succeeded'); telemetry.record_tick(0.1, backlog=2)"
    )
    env = {**os.environ, telemetry.MULTIPROC_ENV: str(tmp_path)}
    for _ in range(2):  # two processes, as worker and beat would be
        subprocess.run([sys.executable, "-c", record], env=env, check=True, timeout=60)
    text, content_type = telemetry.render_metrics(str(tmp_path))
    assert 'schedulebot_runs_total{outcome="succeeded"} 2.0' in text.decode()
    assert "schedulebot_tick_duration_seconds_count 2.0" in text.decode()
    assert content_type.startswith("text/plain")


def test_record_functions_update_the_shared_metrics() -> None:
    due = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    before = telemetry.LATENESS._sum.get()
    telemetry.record_run("succeeded", due_at=due, posted_at=due + timedelta(seconds=0.4))
    telemetry.record_tick(0.02, backlog=5)
    telemetry.record_slack_error("ratelimited")
    text = telemetry.render_metrics()[0].decode()
    assert telemetry.LATENESS._sum.get() == pytest.approx(before + 0.4)
    assert "schedulebot_due_backlog 5.0" in text
    assert 'schedulebot_slack_api_errors_total{kind="ratelimited"}' in text
