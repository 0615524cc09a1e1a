"""The pure parts of firing: backoff, messages and the process entry points' refusals."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from storage.claims import FIRE_RUN_TASK, TICK_TASK, UPDATE_EVENT_STATES_TASK
from tasks.app import celery_app
from tasks.firing import backoff
from tasks.messages import failure_message, run_message
from tasks.runstate import RunView
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 1.0, 2.0), (2, 2.0, 4.0), (3, 4.0, 8.0), (9, 30.0, 60.0)])
def test_backoff_grows_with_jitter_up_to_a_cap(attempt: int, low: float, high: float) -> None:
    rng = random.Random(attempt)
    delays = [backoff(attempt, base=2.0, cap=60.0, rng=rng) for _ in range(50)]
    assert all(low <= d <= high for d in delays) and len(set(delays)) > 1


def _view(*, recurring: bool, kind: str = "scheduled", missed: int = 0, action_kind: str = "message") -> RunView:
    return RunView(
        run_id=7, trigger_id=3, number=12, team_id="T1", channel_id="C1", action_kind=action_kind, payload={},
        due_at=datetime(2026, 3, 6, tzinfo=UTC), kind=kind, state="running", started_at=None, not_before=None,
        attempt_log=[],
        outcome=None, missed_count=missed, trigger_state="active", misfire_policy="once", recurring=recurring,
        creator_id="U123",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("recurring", "buttons"),
    [(True, ["schedulebot.skip", "schedulebot.pause"]), (False, ["schedulebot.snooze"])],
)
def test_posts_carry_the_buttons_the_bot_handles(recurring: bool, buttons: list[str]) -> None:
    blocks = run_message(_view(recurring=recurring), "standup <!here>").blocks
    assert blocks is not None
    elements = blocks[1]["elements"]
    assert [e["action_id"] for e in elements] == buttons and {e["value"] for e in elements} == {"12"}
    assert blocks[0]["text"]["text"] == "standup <!here>"


@pytest.mark.parametrize("recurring", [True, False])
def test_every_post_names_who_scheduled_it_and_keeps_its_text(recurring: bool) -> None:
    message = run_message(_view(recurring=recurring), "standup <!here>")
    assert message.text == "standup <!here>"
    assert message.blocks is not None and message.blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Scheduled by <@U123> · #12"}],
    }


def test_failure_notices_and_event_posts_name_who_scheduled_them() -> None:
    notice = failure_message(_view(recurring=False), "channel_not_found", attempts=1)
    assert notice.text == ":warning: Schedule #12 failed after 1 attempt: channel_not_found"
    assert notice.blocks is not None and notice.blocks[-1]["elements"][0]["text"] == "Scheduled by <@U123> · #12"
    event_post = run_message(_view(recurring=False, action_kind="event_reminder"), "Reminder: *Retro*")
    assert event_post.blocks is not None and event_post.blocks[-1]["elements"][0]["text"] == "Scheduled by <@U123>"


def test_a_catch_up_run_says_how_many_were_missed() -> None:
    message = run_message(_view(recurring=True, kind="catch_up", missed=5), "standup")
    assert message.text.startswith("_5 runs were missed while schedulebot was down")


def test_task_names_are_stable_and_safety_settings_hold() -> None:
    assert {FIRE_RUN_TASK, TICK_TASK, UPDATE_EVENT_STATES_TASK} <= set(celery_app.tasks)
    conf = celery_app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    assert conf.task_serializer == "json" and conf.broker_transport_options["visibility_timeout"] > 3600
    assert conf.worker_soft_shutdown_timeout > 0 and conf.beat_scheduler == "celery.beat:Scheduler"
    assert {e["task"] for e in conf.beat_schedule.values()} == {TICK_TASK, UPDATE_EVENT_STATES_TASK}


@pytest.mark.parametrize("command", ["worker", "beat", "tick"])
def test_processes_refuse_an_out_of_date_schema(command: str, tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "schedulebot.cli", command],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "schedulebot migrate" in result.stderr and "Traceback" not in result.stderr
