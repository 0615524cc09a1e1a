"""A repeat posts in its thread, so after a lost answer its earlier post is looked for there, not in the channel."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.claims import Claimed, claim_due, find_stalled
from storage.models import RunState
from tasks import firing, slack
from tasks.runtime import Runtime
from tasks.slack import RUN_EVENT_TYPE, SlackPoster
from tests.tasks.conftest import QUICK_RETRIES, MakeRuntime, run_ids, runs
from tests.tasks.factories import TEAM, add_trigger, once


@pytest.fixture
def rt(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime(QUICK_RETRIES, SLACK_CLIENT_ID=None)


def _fire_until_done(rt: Runtime, run_id: int) -> None:
    """Fire, then each re-queued task at its countdown (its due second, its backoff), as a worker would."""
    requeue = firing.fire(rt, run_id)
    while requeue is not None:
        time.sleep(requeue.countdown)
        requeue = firing.fire(rt, run_id)


def test_a_repeat_whose_answer_is_lost_is_found_in_its_thread_and_posted_once(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    nag = {"every": 1, "max": 1, "escalate_to": None, "escalate_after": None}
    add_trigger(sessions, once(now), payload={"text": "file the expense report", "until_done": nag})
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    # The first post is answered; the repeat's post is kept by Slack but answered after the worker gave up.
    standin.faults(script=("ok", "timeout"), timeout_seconds=1.5)
    _fire_until_done(rt, claimed.run_id)
    first, repeat = runs(sessions)
    assert (repeat.repeat_of, repeat.state) == (first.id, RunState.QUEUED.value)

    _fire_until_done(rt, repeat.id)

    first, repeat = runs(sessions)
    posts = standin.posts("C1")
    assert run_ids(posts) == [first.id, repeat.id], "the repeat was posted exactly once"
    assert posts[1].params["thread_ts"] == first.slack_ts
    assert (repeat.state, repeat.slack_ts) == (RunState.SUCCEEDED.value, posts[1].ts)
    assert [entry["outcome"] for entry in repeat.attempt_log] == ["timeout", "posted"]
    assert [c.params["ts"] for c in standin.calls("conversations.replies")] == [first.slack_ts]


def test_the_worker_sends_the_repeat_it_queued_for_its_due_second_and_the_tick_recovers_a_lost_send(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    nag = {"every": 60, "max": 2, "escalate_to": None, "escalate_after": None}
    add_trigger(sessions, once(now), payload={"text": "file the expense report", "until_done": nag})
    (claimed,) = claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    sent: list[Claimed] = []

    def broker_down(items: Sequence[Claimed]) -> None:
        sent.extend(items)
        raise BrokerError("broker unreachable")

    rt.send = broker_down
    assert firing.fire(rt, claimed.run_id) is None
    first, repeat = runs(sessions)
    assert first.state == RunState.SUCCEEDED.value and repeat.state == RunState.QUEUED.value
    expected = Claimed(repeat.id, repeat.trigger_id, repeat.due_at, repeat.due_at, repeat.team_id)
    assert sent == [expected], "sent with its due second"
    assert f"run {repeat.id} queued but not sent to the broker" in caplog.text
    after_lease = repeat.due_at + QUICK_RETRIES.queued_lease + timedelta(seconds=1)
    assert [r.run_id for r in find_stalled(sessions, now=after_lease, lease=QUICK_RETRIES.queued_lease)] == [repeat.id]


def test_find_posted_looks_for_a_threaded_run_among_its_thread_s_replies_page_by_page(
    standin: SlackStandIn, poster: SlackPoster
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    ws = standin.workspace
    parent = ws.next_ts()
    ws.add_message("C-thread", {"type": "message", "text": "reminder", "ts": parent})
    for i in range(2 * slack.HISTORY_LIMIT - 2):  # with the parent and ours: two full pages
        ws.add_message("C-thread", {"type": "message", "text": f"reply {i}", "ts": ws.next_ts(), "thread_ts": parent})
    ours = ws.next_ts()
    meta = {"event_type": RUN_EVENT_TYPE, "event_payload": {"run_id": 42}}
    ws.add_message("C-thread", {"type": "message", "text": "again", "ts": ours, "thread_ts": parent, "metadata": meta})

    assert poster.find_posted(team_id=TEAM, channel="C-thread", run_id=42, since=since) is None, "not top-level"
    assert poster.find_posted(team_id=TEAM, channel="C-thread", run_id=42, since=since, thread_ts=parent) == ours
    assert len(standin.calls("conversations.replies")) == 2 and len(standin.calls("conversations.history")) == 1
    assert poster.find_posted(team_id=TEAM, channel="C-thread", run_id=43, since=since, thread_ts=parent) is None
