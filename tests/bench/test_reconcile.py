"""Reconciliation of what Slack received against what was due: pure, so tested on made-up posts."""

from datetime import UTC, datetime, timedelta

from schedulebot.bench.reconcile import FAILURE_EVENT, RUN_EVENT, Due, Seen, reconcile

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _once(trigger: int, seconds: int) -> Due:
    return Due(trigger, (_at(seconds),), f"run {trigger}")


def _post(trigger: int, seconds: int, *, kind: str = "scheduled", missed: int = 0, event: str = RUN_EVENT) -> Seen:
    return Seen(event, trigger, _at(seconds), kind, missed)


def test_each_due_instant_posted_once_is_clean() -> None:
    result = reconcile([_once(1, 0), _once(2, 1)], [_post(2, 1), _post(1, 0)])
    assert (result.due, result.posted_once, result.clean) == (2, 2, True)


def test_a_late_catch_up_post_with_its_note_counts_for_its_instant() -> None:
    result = reconcile([_once(1, 0)], [_post(1, 0, kind="catch_up", missed=1)])
    assert (result.posted_once, result.lost) == (1, 0)


def test_a_repost_is_a_duplicate_and_a_missing_one_is_lost() -> None:
    result = reconcile([_once(1, 0), _once(2, 1)], [_post(1, 0), _post(1, 0, kind="catch_up", missed=1)])
    assert (result.duplicates, result.extra_posts, result.lost, result.lost_examples) == (
        1,
        1,
        1,
        [f"run 2 @ {_at(1).isoformat()}"],
    )


def test_one_failure_notice_handles_an_instant_but_a_post_and_a_notice_are_two() -> None:
    notice = _post(1, 0, event=FAILURE_EVENT)
    assert reconcile([_once(1, 0)], [notice]).failed_noticed == 1
    assert reconcile([_once(1, 0)], [notice, _post(1, 0)]).duplicates == 1


def test_posts_without_identity_or_for_instants_never_due_fail_the_reconciliation() -> None:
    result = reconcile([_once(1, 0)], [_post(1, 0), Seen(None, None, None), _post(1, 5), _post(9, 0)])
    assert (result.posted_once, result.unidentified, result.unexpected, result.clean) == (1, 1, 2, False)


def test_a_once_catch_up_speaks_for_every_missed_instant_and_all_posts_each() -> None:
    instants = tuple(_at(s) for s in (0, 10, 20, 30, 40))
    once = Due(1, instants, "every 10s, once")
    every = Due(2, instants, "every 10s, all", policy="all")
    posts = [_post(1, 0), _post(1, 30, kind="catch_up", missed=3), _post(1, 40)]
    posts += [_post(2, 0), _post(2, 10, kind="catch_up", missed=3), _post(2, 20, kind="catch_up")]
    posts += [_post(2, 30, kind="catch_up"), _post(2, 40)]
    result = reconcile([once, every], posts)
    assert (result.posted_once, result.lost, result.duplicates) == (10, 0, 0)
    doubled = reconcile([once], [*posts[:3], _post(1, 20, kind="catch_up", missed=2)])
    assert (doubled.duplicates, doubled.extra_posts) == (2, 2)


def test_metadata_as_the_poster_writes_it_is_read_back() -> None:
    metadata = {
        "event_type": RUN_EVENT,
        "event_payload": {"run_id": 7, "trigger_id": 3, "due_at": _at(5).isoformat(), "kind": "catch_up", "missed": 2},
    }
    assert Seen.from_metadata(metadata) == Seen(RUN_EVENT, 3, _at(5), "catch_up", 2, run_id=7)
    assert not Seen.from_metadata({"event_type": RUN_EVENT, "event_payload": {"run_id": 7}}).identified
