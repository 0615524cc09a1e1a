"""Faults a production deployment meets, each short: Slack unreachable, PostgreSQL connections killed, beat
and a worker down past the misfire grace. Every verdict is the reconciliation of what Slack saw."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from schedulebot.bench.reconcile import Due, Reconciled, Seen, reconcile
from schedulebot.standin import SlackStandIn
from storage.models import Trigger
from tests.tasks.conftest import all_finished, runs, wait_until
from tests.tasks.factories import add_trigger, every, once
from tests.tasks.fastapp import FAST
from tests.tasks.processes import Processes

pytestmark = pytest.mark.slow

TERMINATE = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _soon(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds + 1)).replace(microsecond=0)


def _one_offs(sessions: sessionmaker[Session], count: int, *, due: datetime, spread: int) -> list[Due]:
    triggers = [
        add_trigger(sessions, once(due + timedelta(seconds=n % spread)), channel=f"C{n}", text=f"run {n}")
        for n in range(count)
    ]
    return [Due(t.id, (t.next_run_at,), f"run {t.number}") for t in triggers]  # type: ignore[arg-type]


def _reconciled(standin: SlackStandIn, expected: list[Due]) -> Reconciled:
    return reconcile(expected, [Seen.from_metadata(post.metadata) for post in standin.posts()])


def test_slack_unreachable_then_back_drops_nothing_and_the_timeout_path_posts_nothing_twice(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    # The first post lands but its answer comes after the worker gave up; its retry meets Slack unreachable.
    standin.faults(script=["timeout"], timeout_seconds=FAST.http_timeout + 1, deliver_on_timeout=True)
    procs.start(workers=["w1"], beat=True)
    expected = _one_offs(sessions, 12, due=_soon(2), spread=3)
    standin.wait_for(lambda calls: any(c.fault == "timeout" for c in calls), timeout=30)
    standin.unreachable(True)
    # Down until the workers have been turned away many times (backoff caps at FAST.backoff_cap).
    wait_until(lambda: standin.refused >= 40, timeout=45, what="workers refused by an unreachable Slack")
    standin.unreachable(False)
    wait_until(all_finished(sessions, 12), timeout=45, what="12 runs finished")
    result = _reconciled(standin, expected)
    assert (result.posted_once, result.lost, result.duplicates, result.clean) == (12, 0, 0, True), result
    assert [r.state for r in runs(sessions)] == ["succeeded"] * 12, "an outage shorter than the retry window fails none"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_connections_killed_mid_window_lose_nothing_and_double_nothing(
    engine: Engine, sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    procs.start(workers=["w1", "w2"], beat=True)
    expected = _one_offs(sessions, 30, due=_soon(1), spread=6)
    killer = create_engine(engine.url, poolclass=NullPool)
    killed, deadline = 0, time.monotonic() + 5
    try:
        while time.monotonic() < deadline:  # this database's backends only: the pool's, the workers', the tick's
            with killer.connect() as conn:
                killed += int(conn.execute(TERMINATE).scalar_one())
            time.sleep(0.3)
    finally:
        killer.dispose()
    assert killed > 0, "no connection was there to kill"
    wait_until(all_finished(sessions, 30), timeout=50, what="30 runs finished after the database came back")
    result = _reconciled(standin, expected)
    assert (result.posted_once, result.lost, result.duplicates, result.clean) == (30, 0, 0, True), result


def test_beat_and_a_worker_down_past_the_misfire_grace_catch_up_per_policy_and_tell_the_channel_once(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    procs.start(workers=["w1"])
    doomed, beat = procs.worker("w2"), procs.beat("beat")
    anchor, count = _soon(1), 12
    series = {
        policy: add_trigger(
            sessions, every(2, anchor=anchor, count=count), channel=f"C-{policy}", misfire_policy=policy
        )
        for policy in ("once", "all")
    }
    standin.wait_for_posts(4, timeout=20)  # both series are firing
    procs.kill(beat)
    procs.kill(doomed)
    outage = FAST.misfire_grace * 4  # the outage itself is the fault: well past the grace
    time.sleep(outage.total_seconds())
    procs.beat("beat-again")
    procs.worker("w2-again", wait=False)
    wait_until(lambda: _series_done(sessions, series), timeout=45, what="both series completed")
    instants = tuple(anchor + timedelta(seconds=2 * k) for k in range(count))
    expected = [Due(t.id, instants, f"every 2s ({p})", p) for p, t in series.items()]
    result = _reconciled(standin, expected)
    assert (result.due, result.lost, result.duplicates, result.clean) == (2 * count, 0, 0, True), result
    for policy in series:
        seen = [(Seen.from_metadata(p.metadata), p.text) for p in standin.posts(f"C-{policy}")]
        notes = [body for meta, body in seen if meta.missed > 0]
        assert len(notes) == 1 and "missed" in notes[0], f"{policy}: the channel is told once, got {notes}"
    once_posts, all_posts = (len(standin.posts(f"C-{p}")) for p in ("once", "all"))
    assert once_posts < all_posts == count, "policy once posts one catch-up, policy all every missed run"


def _series_done(sessions: sessionmaker[Session], series: dict[str, Trigger]) -> bool:
    with sessions() as session:
        states = [session.get_one(Trigger, t.id).state for t in series.values()]
    return states == ["completed"] * len(series) and all_finished(sessions, 1)()
