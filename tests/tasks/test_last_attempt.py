"""A run's last attempt that got no answer: if Slack took the post after all, the run succeeded; it is never
both posted and announced as failed (two posts for one due instant, as the chaos reconciler counts them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.bench.reconcile import Due, Seen, reconcile
from schedulebot.standin import SlackStandIn
from storage.claims import Claimed
from storage.models import RunState
from tasks import firing
from tasks.options import FiringOptions
from tasks.runtime import Runtime
from tasks.tick import run_tick
from tests.tasks.conftest import MakeRuntime, runs
from tests.tasks.factories import add_trigger, once

# One attempt, no retry window: the first failure is the last attempt.
OPTIONS = FiringOptions(
    max_attempts=1,
    retry_window=timedelta(0),
    http_timeout=0.5,
    channel_interval=0.0,
    running_lease=timedelta(seconds=8),
    soft_time_limit=5,
    time_limit=6,
)


@pytest.fixture
def rt(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime(OPTIONS, SCHEDULEBOT_TICK_SECONDS=1)


def _fire_due(rt: Runtime) -> None:
    sent: list[Claimed] = []
    run_tick(rt, now=rt.now(), send=sent.extend)
    for claimed in sent:
        firing.fire(rt, claimed.run_id)


def test_a_last_attempt_slack_took_without_answering_succeeds_with_no_failure_notice(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    standin.faults(script=["timeout"], timeout_seconds=2.0, deliver_on_timeout=True)
    trigger = add_trigger(sessions, once(datetime.now(UTC)), channel="C1", text="deploy")
    _fire_due(rt)
    [run] = runs(sessions)
    assert (run.state, run.slack_ts) == (RunState.SUCCEEDED, standin.posts()[0].ts)
    result = reconcile(
        [Due(trigger.id, (run.due_at,), "deploy")], [Seen.from_metadata(p.metadata) for p in standin.posts()]
    )
    assert (result.posted_once, result.duplicates, result.clean) == (1, 0, True), result


def test_a_last_attempt_slack_did_not_take_fails_and_tells_the_channel_once(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    standin.faults(script=["timeout"], timeout_seconds=2.0, deliver_on_timeout=False)
    trigger = add_trigger(sessions, once(datetime.now(UTC)), channel="C1", text="deploy")
    _fire_due(rt)
    [run] = runs(sessions)
    assert run.state == RunState.FAILED
    result = reconcile(
        [Due(trigger.id, (run.due_at,), "deploy")], [Seen.from_metadata(p.metadata) for p in standin.posts()]
    )
    assert (result.failed_noticed, result.duplicates, result.clean) == (1, 0, True), result
