"""Nothing lost, nothing twice: a worker killed mid-batch, Redis flushed mid-batch, two beats at once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from bot.standin import SlackStandIn
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
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    _assert_exactly_once(sessions, standin, 100)
    assert _recovered(procs, "w1"), "the tick re-sent what Redis lost"


def test_two_beats_for_several_ticks_post_nothing_twice(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    procs.start(workers=["w1", "w2"], beats=2)
    start = _soon(1)
    for n in range(20):
        add_trigger(sessions, every(2, anchor=start + timedelta(seconds=n % 2), count=3), channel=f"C{n}")
    _assert_exactly_once(sessions, standin, 60)
