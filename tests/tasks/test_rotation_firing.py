"""Rotations on real worker and beat processes: each run names the next person, whatever dies or doubles."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.db import transaction
from storage.rotations import create_rotation, read_turns
from tests.tasks.conftest import all_finished, run_ids, runs, wait_until
from tests.tasks.factories import add_trigger, every
from tests.tasks.processes import Processes

pytestmark = pytest.mark.slow

MEMBERS = ("UANA", "UBO", "UCY")
_NAMED = re.compile(r"^<@([A-Z0-9]+)>: run the standup$")


def _rotation(sessions: sessionmaker[Session], *, start: datetime, step: int, count: int) -> int:
    trigger = add_trigger(sessions, every(step, anchor=start, count=count), channel="C1", text="run the standup")
    with transaction(sessions) as session:
        create_rotation(session, trigger_id=trigger.id, members=MEMBERS)
    return trigger.id


def _soon(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds + 1)).replace(microsecond=0)


def _named_in_due_order(sessions: sessionmaker[Session], standin: SlackStandIn, expected: int) -> list[str]:
    """Who each run's post named, runs in due order; every run posted exactly once."""
    wait_until(all_finished(sessions, expected), timeout=90, what=f"{expected} runs finished")
    found = runs(sessions)
    assert [r.state for r in found] == ["succeeded"] * expected
    posts = standin.posts("C1")
    counted = Counter(run_ids(posts))
    assert sorted(counted) == sorted(r.id for r in found) and max(counted.values()) == 1, counted
    text_of_run = {int(p.metadata["event_payload"]["run_id"]): p.text for p in posts if p.metadata}
    named = []
    for run in sorted(found, key=lambda r: r.due_at):
        match = _NAMED.match(text_of_run[run.id])
        assert match is not None, text_of_run[run.id]
        named.append(match.group(1))
    return named


def _turn(sessions: sessionmaker[Session], trigger_id: int) -> int:
    with sessions() as session:
        turns = read_turns(session, trigger_id=trigger_id)
        assert turns is not None
        return turns.turn


def test_two_beats_and_two_workers_name_each_person_in_order_once_per_run(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    procs.start(workers=["w1", "w2"], beats=2)
    trigger_id = _rotation(sessions, start=_soon(2), step=2, count=6)
    assert _named_in_due_order(sessions, standin, 6) == [*MEMBERS, *MEMBERS]
    assert _turn(sessions, trigger_id) == 6
    posts = standin.posts("C1")
    assert [b["action_id"] for b in posts[0].params["blocks"][1]["elements"]][-1] == "schedulebot.hand_on"


def test_a_worker_killed_mid_post_skips_and_repeats_nobody(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    # The first post reaches the channel but its answer never comes back: the worker is killed waiting.
    standin.faults(script=["timeout"], timeout_seconds=30, deliver_on_timeout=True, methods=["chat.postMessage"])
    procs.env["FASTAPP_MISFIRE_GRACE_SECONDS"] = "60"  # the replacement may start slowly; no run is missed meanwhile
    victim = procs.worker("victim", wait=False)
    procs.start(workers=[], beats=2)
    procs.wait_for_line("victim", "ready.")
    trigger_id = _rotation(sessions, start=_soon(2), step=3, count=5)
    standin.wait_for_posts(1, timeout=30, channel="C1")
    procs.kill(victim)
    procs.worker("replacement", wait=False)
    assert _named_in_due_order(sessions, standin, 5) == [*MEMBERS, *MEMBERS[:2]]
    assert _turn(sessions, trigger_id) == 5
    assert "stalled, re-sent" in procs.log("replacement") or any(len(r.attempt_log) > 1 for r in runs(sessions))
    [first, *_] = sorted(runs(sessions), key=lambda r: r.due_at)
    assert first.attempt_log[0]["outcome"] == "started", "the first attempt died mid-post"
