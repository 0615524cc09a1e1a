"""Reconciliation of what Slack received against the runs: pure, so tested on made-up lists."""

from schedulebot.bench.reconcile import reconcile


def test_each_due_instant_posted_once_is_clean() -> None:
    result = reconcile(["a", "b", "c"], ["c", "a", "b"], [])
    assert result.summary() == {"due": 3, "posted_once": 3, "duplicates": 0, "lost": 0, "failed_recorded": 0}


def test_a_second_post_is_a_duplicate_and_a_missing_one_is_lost() -> None:
    result = reconcile(["a", "b", "c"], ["a", "a", "a", "b"], [])
    assert (result.duplicates, result.extra_posts, result.lost, result.lost_texts) == (1, 2, 1, ("c",))


def test_a_recorded_failure_is_not_lost() -> None:
    result = reconcile(["a", "b"], ["a"], ["b"])
    assert (result.lost, result.failed_recorded) == (0, 1)


def test_posts_that_were_not_due_are_ignored() -> None:
    result = reconcile(["a"], ["a", "someone else's message"], [])
    assert (result.posted_once, result.duplicates) == (1, 0)
