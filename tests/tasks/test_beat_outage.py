"""Runs that fall due while beat is down: posted once when it returns, and Slack's record alone says so.

The loss `make chaos` reported (issue 14) was runs due just after beat stopped and claimed when it came
back past the misfire grace: they were posted, late, with the missed-runs note, and the reconciler,
matching exact text, did not recognise them. Posts now name their due instant in their metadata.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.bench.reconcile import Due, Seen, reconcile
from schedulebot.standin import SlackStandIn
from storage.claims import Claimed
from tasks import firing
from tasks.options import FiringOptions
from tasks.runtime import Runtime
from tasks.tick import run_tick
from tests.tasks.conftest import MakeRuntime
from tests.tasks.factories import add_trigger, once

GRACE = timedelta(seconds=3)
OPTIONS = FiringOptions(
    misfire_grace=GRACE, running_lease=timedelta(seconds=8), soft_time_limit=5, time_limit=6, channel_interval=0.0
)


@pytest.fixture
def rt(make_runtime: MakeRuntime) -> Runtime:
    return make_runtime(OPTIONS, SCHEDULEBOT_TICK_SECONDS=1)


def _tick_and_fire(rt: Runtime) -> list[Claimed]:
    sent: list[Claimed] = []
    run_tick(rt, now=rt.now(), send=sent.extend)
    for claimed in sent:
        assert firing.fire(rt, claimed.run_id) is None
    return sent


def test_runs_due_while_beat_was_down_post_once_late_and_the_reconciler_counts_them(
    sessions: sessionmaker[Session], rt: Runtime, standin: SlackStandIn
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # Beat came back now: one run fell due past the grace (a catch-up, with the note), one within it.
    missed = add_trigger(sessions, once(now - 4 * GRACE), channel="C1", text="chaos 490")
    late = add_trigger(sessions, once(now - GRACE / 3), channel="C2", text="chaos 900")
    assert len(_tick_and_fire(rt)) == 2
    assert _tick_and_fire(rt) == []  # the next tick owes nothing more

    posts = standin.posts()
    expected = [Due(t.id, (t.next_run_at,), f"#{t.number}") for t in (missed, late)]
    result = reconcile(expected, [Seen.from_metadata(p.metadata) for p in posts])
    assert (result.due, result.posted_once, result.lost, result.duplicates, result.clean) == (2, 2, 0, 0, True)
    by_channel = {p.channel: p.text for p in posts}
    assert "missed" in by_channel["C1"] and by_channel["C1"] != "chaos 490", "the catch-up carries its note"
    assert by_channel["C2"] == "chaos 900"
