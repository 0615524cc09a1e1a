"""Until done on real worker and beat processes: repeats are ordinary runs, in the thread, and Done stops them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.claims import DEFAULT_QUEUED_LEASE
from storage.db import transaction
from storage.untildone import mark_done
from tests.tasks.conftest import run_ids, runs, wait_until
from tests.tasks.factories import add_trigger, once
from tests.tasks.processes import Processes

pytestmark = pytest.mark.slow


def _soon(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds + 1)).replace(microsecond=0)


def _reminder(sessions: sessionmaker[Session], *, every: int, most: int) -> int:
    nag = {"every": every, "max": most, "escalate_to": "ULEAD", "escalate_after": 2 * every}
    trigger = add_trigger(sessions, once(_soon(2)), payload={"text": "file the expense report", "until_done": nag})
    return trigger.id


def _settled(sessions: sessionmaker[Session], count: int) -> bool:
    found = runs(sessions)
    return len(found) == count and all(r.state in ("succeeded", "skipped") for r in found)


def test_a_reminder_repeats_in_its_thread_until_the_most_allowed(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    procs.start(workers=["w1"], beats=2)
    _reminder(sessions, every=2, most=3)
    wait_until(lambda: _settled(sessions, 4), timeout=90, what="the first post and 3 repeats finished")
    found = runs(sessions)
    posts = standin.posts("C1")
    assert [r.state for r in found] == ["succeeded"] * 4
    assert sorted(run_ids(posts)) == [r.id for r in found], "each run posted exactly once"
    first, *repeats = sorted(posts, key=lambda p: float(p.ts or 0))
    assert "thread_ts" not in first.params and first.text == "file the expense report"
    assert [p.params["thread_ts"] for p in repeats] == [first.ts] * 3
    assert [p.text for p in repeats] == [
        "Still not done (reminder 2 of 4): file the expense report",
        "<@ULEAD>, this is still not done after 4 seconds: file the expense report",
        "Still not done (reminder 4 of 4): file the expense report",
    ]
    assert "schedulebot.done" in str(first.params["blocks"])


def test_done_pressed_while_a_repeat_is_claimed_releases_it_and_nothing_more_is_posted(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    # The repeat's first try gets a 429: it stays claimed, in a worker's hands, waiting out Retry-After.
    standin.faults(script=("ok", "429"), retry_after=5)
    procs.start(workers=["w1"], beats=2)
    trigger_id = _reminder(sessions, every=2, most=20)
    [first_post] = standin.wait_for_posts(1, timeout=30, channel="C1")
    wait_until(lambda: _waiting_out_a_429(sessions), timeout=30, what="the repeat claimed and rate limited")
    first_id, repeat_id = (r.id for r in runs(sessions))
    with transaction(sessions) as session:
        marked = mark_done(
            session, team_id="T1", trigger_id=trigger_id, first_run_id=first_id, user_id="UBO", now=datetime.now(UTC)
        )
    assert marked.won and marked.released == 1
    wait_until(
        lambda: f"run {repeat_id}: nothing to do (skipped)" in procs.log("w1"),
        timeout=30,
        what="the worker came back to the repeat after Retry-After",
    )
    found = runs(sessions)
    assert [(r.state, r.error) for r in found] == [("succeeded", None), ("skipped", "marked done")]
    assert [p.ts for p in standin.posts("C1")] == [first_post.ts], "the claimed repeat was never posted"


def _waiting_out_a_429(sessions: sessionmaker[Session]) -> bool:
    found = runs(sessions)
    return (
        len(found) == 2
        and found[1].state == "queued"
        and found[1].attempt_log[-1:] != []
        and (found[1].attempt_log[-1].get("outcome") == "ratelimited")
    )


def test_a_repeat_is_sent_for_its_due_second_by_the_worker_that_queued_it(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    # The production queued lease: the tick re-sends a queued run only two minutes after it is due.
    procs.env["FASTAPP_QUEUED_LEASE_SECONDS"] = str(DEFAULT_QUEUED_LEASE.total_seconds())
    procs.start(workers=["w1"], beats=1)
    _reminder(sessions, every=3, most=2)
    wait_until(lambda: _settled(sessions, 3), timeout=60, what="the first post and 2 repeats finished")
    posts = standin.posts("C1")
    assert sorted(run_ids(posts)) == [r.id for r in runs(sessions)], "each run posted exactly once"
    posted = {run_ids([post])[0]: float(post.ts or 0) for post in posts}
    for repeat in runs(sessions)[1:]:
        late = posted[repeat.id] - repeat.due_at.timestamp()
        # A functional bound, not a timing: far below the lease the tick would recover it after, far above
        # what a loaded machine adds to a task sent with its due second as ETA.
        assert late < 30, f"repeat {repeat.id} posted {late:.1f}s after its due second"
