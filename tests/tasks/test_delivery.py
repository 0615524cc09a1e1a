"""Firing in-process against the stand-in: unknown outcomes stay unknown, and 429s are waited out, never fatal."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.db import transaction
from storage.models import Run, RunState
from tasks import firing, slack
from tasks.firing import MAX_REQUEUE_WAIT, Requeue
from tasks.runtime import Runtime
from tasks.slack import FAILURE_EVENT_TYPE, RUN_EVENT_TYPE, SlackPoster, UnknownOutcome
from tests.tasks.conftest import QUICK_RETRIES, MakeRuntime, run_ids, runs
from tests.tasks.factories import TEAM, add_trigger, once


@pytest.fixture
def rt(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime(QUICK_RETRIES, SLACK_CLIENT_ID=None)


def _queued_run(sessions: sessionmaker[Session], channel: str) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    trigger = add_trigger(sessions, once(now), channel=channel)
    with transaction(sessions) as session:
        run = Run(
            trigger_id=trigger.id,
            team_id=TEAM,
            due_at=now,
            state=RunState.QUEUED.value,
            enqueued_at=now,
            attempt_log=[],
        )
        session.add(run)
        session.flush()
        return run.id


def _outcomes(sessions: sessionmaker[Session]) -> list[str]:
    [run] = runs(sessions)
    return [entry["outcome"] for entry in run.attempt_log]


def test_a_private_channel_s_unreadable_history_after_a_timeout_retries_instead_of_failing(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    # The post lands but its answer comes too late; then reading the private channel's history is refused once.
    methods = ("chat.postMessage", "conversations.history")
    standin.faults(script=("timeout", "missing_scope", "ok"), methods=methods, timeout_seconds=1.5)
    run_id = _queued_run(sessions, "G-private")

    first = firing.fire(rt, run_id)
    assert isinstance(first, Requeue)
    second = _when_due(rt, run_id, first)
    assert isinstance(second, Requeue), "missing_scope on the history is no refusal of the post"
    [run] = runs(sessions)
    assert run.state == RunState.QUEUED.value and "missing_scope" in (run.error or "")
    assert _outcomes(sessions) == ["timeout", "unverified"]
    assert _when_due(rt, run_id, second) is None

    [post] = standin.posts()
    [run] = runs(sessions)
    assert (run.state, run.slack_ts) == (RunState.SUCCEEDED.value, post.ts)
    assert _outcomes(sessions) == ["timeout", "unverified", "posted"]


def _when_due(rt: Runtime, run_id: int, requeue: Requeue) -> Requeue | None:
    """The re-queued task, arriving when its countdown is over (its backoff), not before."""
    time.sleep(requeue.countdown)
    return firing.fire(rt, run_id)


def _fire_until_done(rt: Runtime, run_id: int, requeue: Requeue | None = None) -> None:
    """Fire, then each re-queued task at its countdown, as a worker would, until the run needs no more."""
    requeue = requeue or firing.fire(rt, run_id)
    while requeue is not None:
        requeue = _when_due(rt, run_id, requeue)


def test_an_unreadable_history_is_retried_a_bounded_number_of_times_and_never_posts_on_a_guess(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    methods = ("chat.postMessage", "conversations.history")
    standin.faults(script=("timeout", "missing_scope", "missing_scope"), methods=methods, timeout_seconds=1.5)
    run_id = _queued_run(sessions, "G-private")
    _fire_until_done(rt, run_id)
    [run] = runs(sessions)
    assert run.state == RunState.FAILED.value and _outcomes(sessions) == ["timeout", "unverified", "unverified"]
    assert run_ids(standin.posts()) == [run_id, run_id], "the first post and the failure notice, nothing else"
    assert [p.metadata["event_type"] for p in standin.posts() if p.metadata] == [RUN_EVENT_TYPE, FAILURE_EVENT_TYPE]


def _fill(standin: SlackStandIn, channel: str, n: int, first: dict[str, object] | None = None) -> None:
    if first is not None:
        standin.workspace.add_message(
            channel, {"type": "message", "text": "run", "ts": standin.workspace.next_ts(), **first}
        )
    for i in range(n):
        standin.workspace.add_message(
            channel, {"type": "message", "text": f"chatter {i}", "ts": standin.workspace.next_ts()}
        )


def test_find_posted_pages_back_through_a_busy_channel(standin: SlackStandIn, poster: SlackPoster) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    meta = {"event_type": RUN_EVENT_TYPE, "event_payload": {"run_id": 42}}
    _fill(standin, "C-busy", 2 * slack.HISTORY_LIMIT + 50, first={"metadata": meta})
    [ours] = [m for m in standin.history("C-busy") if m.get("metadata")]
    assert poster.find_posted(team_id=TEAM, channel="C-busy", run_id=42, since=since) == ours["ts"]
    assert len(standin.calls("conversations.history")) == 3
    assert poster.find_posted(team_id=TEAM, channel="C-busy", run_id=43, since=since) is None


def test_find_posted_says_unknown_rather_than_not_found_when_too_much_to_read(
    standin: SlackStandIn, poster: SlackPoster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack, "MAX_HISTORY_PAGES", 2)
    _fill(standin, "C-busy", 2 * slack.HISTORY_LIMIT + 1)
    with pytest.raises(UnknownOutcome):
        poster.find_posted(team_id=TEAM, channel="C-busy", run_id=42, since=datetime.now(UTC) - timedelta(minutes=1))


def test_a_long_retry_after_is_waited_out_in_full_and_blocks_the_channel(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    standin.faults(script=("429",), retry_after=1800)
    run_id = _queued_run(sessions, "C1")
    started = datetime.now(UTC)
    requeue = firing.fire(rt, run_id)
    assert requeue is not None and requeue.countdown == MAX_REQUEUE_WAIT, "a bounded step in Redis"
    # Woken early (a step, a redelivery): still nothing posted, and the wait is the whole Retry-After.
    again = firing.fire(rt, run_id)
    assert again is not None and again.countdown == MAX_REQUEUE_WAIT
    [run] = runs(sessions)
    assert run.state == RunState.QUEUED.value and run.enqueued_at is not None
    assert run.enqueued_at >= started + timedelta(seconds=1800)
    assert rt.pacer.reserve(TEAM, "C1", now=started.timestamp()) >= started.timestamp() + 1800
    assert len(standin.calls("chat.postMessage")) == 1


def test_any_number_of_429s_never_fails_the_run(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.faults(script=("429",) * 40, retry_after=1)
    run_id = _queued_run(sessions, "C1")
    clock = [datetime.now(UTC)]
    monkeypatch.setattr(rt, "now", lambda: clock[0])
    for _ in range(40):
        assert firing.fire(rt, run_id) is not None
        clock[0] += timedelta(seconds=2)  # past each Retry-After
    assert firing.fire(rt, run_id) is None
    [run] = runs(sessions)
    assert run.state == RunState.SUCCEEDED.value
    assert _outcomes(sessions) == ["ratelimited"] * 40 + ["posted"]


def test_an_action_with_nothing_to_say_finishes_its_run_without_a_post(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    # An event's start trigger that fires after a person already started the event returns empty text.
    run_id = _queued_run(sessions, "C-quiet")
    with transaction(sessions) as session:
        session.get(Run, run_id).outcome = ""  # type: ignore[union-attr]
    assert firing.fire(rt, run_id) is None
    [run] = runs(sessions)
    assert (run.state, run.slack_ts) == (RunState.SUCCEEDED.value, None)
    assert standin.calls("chat.postMessage") == []


def test_a_run_backing_off_after_a_500_is_not_tried_early_by_a_second_task(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    standin.faults(script=("500",))
    run_id = _queued_run(sessions, "C-backoff")
    first = firing.fire(rt, run_id)
    assert first is not None and first.countdown > 0.05
    early = firing.fire(rt, run_id)  # a redelivered or retried task, before the backoff is over
    assert early is not None and 0 < early.countdown <= first.countdown
    assert len(standin.calls("chat.postMessage")) == 1 and _outcomes(sessions) == ["unavailable"]
    _fire_until_done(rt, run_id)
    assert len(standin.calls("chat.postMessage")) == 2 and _outcomes(sessions) == ["unavailable", "posted"]
