"""Nothing lost, nothing twice: a worker killed mid-batch, Redis flushed mid-batch, two beats at once."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from tests.tasks.conftest import all_finished, run_ids, runs, wait_until
from tests.tasks.factories import add_trigger, every, once
from tests.tasks.processes import Processes

pytestmark = pytest.mark.slow

BATCH = 200
CHANNELS = 100


def _soon(seconds: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds + 1)).replace(microsecond=0)


def _batch(sessions: sessionmaker[Session], size: int, *, due: datetime, channels: int = CHANNELS) -> None:
    for n in range(size):
        add_trigger(sessions, once(due), channel=f"C{n % channels}", text=f"run {n}")


def _recovered(procs: Processes, *names: str) -> bool:
    return any("stalled, re-sent" in procs.log(name) for name in names)


def _assert_exactly_once(sessions: sessionmaker[Session], standin: SlackStandIn, expected: int) -> None:
    wait_until(all_finished(sessions, expected), timeout=90, what=f"{expected} runs finished")
    found = runs(sessions)
    posted = Counter(run_ids(standin.posts()))
    assert [r.state for r in found] == ["succeeded"] * expected
    assert sorted(posted) == sorted(r.id for r in found), "every run posted"
    assert max(posted.values()) == 1, f"posted twice: {[k for k, v in posted.items() if v > 1]}"
    assert all(r.slack_ts for r in found)


def test_kill_9_a_worker_mid_batch_and_every_run_posts_exactly_once(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    victim = procs.worker("victim", wait=False)
    procs.start(workers=["survivor"], beat=True)
    procs.wait_for_line("victim", "ready.")
    _batch(sessions, BATCH, due=_soon(2))
    standin.wait_for_posts(BATCH // 5, timeout=30)
    procs.kill(victim)
    procs.worker("replacement", wait=False)
    _assert_exactly_once(sessions, standin, BATCH)
    assert _recovered(procs, "survivor", "replacement"), "the tick re-sent what the dead worker held"


def test_redis_flushed_mid_batch_and_every_run_posts_exactly_once(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn, redis_url: str
) -> None:
    procs.start(workers=["w1"], beat=True)
    _batch(sessions, 100, due=_soon(2), channels=20)  # paced: five posts per channel take about five seconds
    standin.wait_for_posts(30, timeout=30)
    _flush(redis_url)
    _assert_exactly_once(sessions, standin, 100)


def test_redis_emptied_with_the_worker_lost_and_the_tick_re_sends_every_run_once(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn, redis_url: str
) -> None:
    """A flush while the worker holds tasks in memory loses nothing; so freeze it, flush, then lose it too."""
    first = procs.worker("w1", wait=False)
    procs.start(workers=[], beat=True)
    procs.wait_for_line("w1", "ready.")
    _batch(sessions, 100, due=_soon(2), channels=20)
    standin.wait_for_posts(30, timeout=30)
    first.send_signal(signal.SIGSTOP)
    _flush(redis_url)
    procs.kill(first)
    procs.worker("w2", wait=False)
    _assert_exactly_once(sessions, standin, 100)
    assert _recovered(procs, "w2"), "the tick re-sent what Redis and the worker lost"


def _flush(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()


def test_two_beats_for_several_ticks_post_nothing_twice(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    procs.start(workers=["w1", "w2"], beats=2)
    start = _soon(1)
    for n in range(20):
        add_trigger(sessions, every(2, anchor=start + timedelta(seconds=n % 2), count=3), channel=f"C{n}")
    _assert_exactly_once(sessions, standin, 60)
