"""The herd benchmark end to end at a tiny size (2 workspaces × 5 channels): real worker, beat and stand-in limits.

Only the shape of its figures and its correctness are asserted, never a speed.
"""

import pytest

from schedulebot.bench.herd import Herd, run_herd
from schedulebot.bench.services import ServiceUnavailable
from tests.services import unavailable

KEYS = {"herd_last_post_s", "herd_bound_s", "herd_lost", "herd_duplicates", "herd_429s", "herd_ratio"}


@pytest.mark.slow
def test_a_tiny_herd_posts_every_run_once_and_reports_every_figure() -> None:
    # 30 posts a minute with a bucket of 1: each workspace's 5 posts take 8 s at the stand-in.
    herd = Herd(workspaces=2, channels=5, per_minute=30)
    try:
        results = run_herd(herd, lambda message: None, noop_per_s=1000.0)
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL or Redis", exc)
    assert set(results) >= KEYS
    assert results["herd_runs"] == 10
    assert (results["herd_lost"], results["herd_duplicates"]) == (0, 0)
    assert results["herd_bound_s"] == pytest.approx(8.0)
    assert results["herd_last_post_s"] >= results["herd_bound_s"] - 1  # the stand-in enforced its limit
    assert results["herd_ratio"] == pytest.approx(results["herd_last_post_s"] / results["herd_bound_s"], rel=0.01)
    assert results["herd_429s"] == sum(results["herd_429s_by_kind"].values())
