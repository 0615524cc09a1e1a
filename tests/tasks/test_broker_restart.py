"""The broker's server really restarted empty (not a FLUSHDB): a redis-server this test owns is killed and
started again on its port with no persistence; worker and beat reconnect, and every run posts once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.bench.reconcile import Due, Seen, reconcile
from schedulebot.bench.redis_server import NoRedisServer, RedisServer, private_redis
from schedulebot.standin import SlackStandIn
from tests.tasks.conftest import all_finished, wait_until
from tests.tasks.factories import add_trigger, once
from tests.tasks.processes import Processes

pytestmark = pytest.mark.slow


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    try:
        with private_redis() as server:
            yield server
    except NoRedisServer as exc:
        pytest.fail(f"this test owns its broker and needs redis-server: {exc}")


@pytest.fixture
def redis_url(broker: RedisServer) -> str:
    """Workers, beat and the pacer use the private server, not a leased db of the shared one."""
    return broker.url


def test_the_broker_restarted_empty_mid_batch_loses_nothing_and_doubles_nothing(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn, broker: RedisServer
) -> None:
    procs.start(workers=["w1", "w2"], beat=True)
    due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    # Paced: three posts per channel at one a second, so work is still held when the server goes.
    triggers = [add_trigger(sessions, once(due), channel=f"C{n % 20}", text=f"run {n}") for n in range(60)]
    standin.wait_for_posts(10, timeout=30)
    before, after, keys = broker.restart_empty()
    assert before != after and keys > 0, "a new server, and the old one held work"
    wait_until(all_finished(sessions, 60), timeout=50, what="60 runs finished after the broker came back")
    expected = [Due(t.id, (t.next_run_at,), f"run {t.number}") for t in triggers]  # type: ignore[arg-type]
    result = reconcile(expected, [Seen.from_metadata(post.metadata) for post in standin.posts()])
    assert (result.posted_once, result.lost, result.duplicates, result.clean) == (60, 0, 0, True), result
