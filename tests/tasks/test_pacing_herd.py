"""A herd in one workspace whose Slack limit is far below the configured rate: real workers learn the limit.

Slack (the stand-in) allows this workspace 60 posts a minute, 5 at once, and one per second per channel; the
workers start from the default of 300 a minute. 40 runs fall due at the same second across 10 channels.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from tests.tasks.conftest import all_finished, run_ids, runs, wait_until
from tests.tasks.factories import add_trigger, once
from tests.tasks.processes import Processes

pytestmark = pytest.mark.slow

RUNS, CHANNELS = 40, 10
PER_MINUTE, BURST = 60, 5
# Without learning, every post past the burst meets a 429 once the first Retry-After ends (the workers would
# go on at 300 a minute): 31 in a run with the rate never lowered. Learning halves the rate after two
# unexplained 429s, in two channels, three times down to below 60 a minute: about two 429s per halving, and more
# for the slots handed out at the old rate, which stand until Slack refuses them (tasks/pacing.py): 11 in a run
# on the development machine (11aca4b), and the drain took 51.9 s against the 35 s the limits allow.
MAX_429S = 20


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_herd_against_a_low_workspace_limit_posts_each_run_once_with_few_429s(
    sessions: sessionmaker[Session], procs: Processes, standin: SlackStandIn
) -> None:
    standin.faults(channel_min_interval=1.0, workspace_per_minute=PER_MINUTE, workspace_burst=BURST)
    due = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
    for n in range(RUNS):
        add_trigger(sessions, once(due), channel=f"C{n % CHANNELS}", text=f"herd {n}")
    procs.start(workers=["w1"], beat=True)

    bound = (RUNS - BURST) * 60 / PER_MINUTE
    wait_until(all_finished(sessions, RUNS), timeout=bound * 4 + 60, what=f"{RUNS} runs finished")

    found = runs(sessions)
    posts = standin.posts()
    assert [(r.state, r.error) for r in found if r.state != "succeeded"] == []
    assert sorted(run_ids(posts)) == [r.id for r in found]  # each run posted, and once
    limited = standin.rate_limited()
    drain = max(p.received_wall for p in posts) - due.timestamp()
    print(f"429s {limited}; last post {drain:.1f}s after the due second; the limits allow {bound:.0f}s")
    assert limited["workspace_rate"] + limited["channel_rate"] <= MAX_429S, limited
    assert limited["workspace_rate"] > 0  # the workers did meet the limit, and learned from it
