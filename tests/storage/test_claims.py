"""storage.claims on SQLite and PostgreSQL: one Run per (trigger, due instant), whoever claims."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.claims import (
    KIND_CATCH_UP,
    KIND_MANUAL,
    NotRunnable,
    claim_due,
    claim_run_now,
    claim_trigger,
    find_stalled,
    release_claimed,
)
from storage.db import transaction
from storage.errors import NotFound
from storage.models import Run, RunState, Trigger, TriggerState
from storage.repository import set_trigger_state, update_trigger
from tests.tasks.factories import TEAM, add_trigger, every, once

NOW = datetime(2026, 3, 6, 15, 0, 0, tzinfo=UTC)
TICK = timedelta(seconds=60)


def _runs(sessions: sessionmaker[Session]) -> list[Run]:
    with sessions() as session:
        return list(session.scalars(select(Run).order_by(Run.due_at)))


def _trigger(sessions: sessionmaker[Session], trigger_id: int) -> Trigger:
    with sessions() as session:
        trigger = session.get(Trigger, trigger_id)
        assert trigger is not None
        return trigger


def test_a_due_one_off_is_claimed_once_and_its_trigger_stops(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, once(NOW + timedelta(seconds=20)))
    first = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    again = claim_due(sessions, now=NOW + timedelta(seconds=1), horizon=NOW + TICK)
    assert [(c.due_at, c.eta) for c in first] == [(NOW + timedelta(seconds=20), NOW + timedelta(seconds=20))]
    assert first[0].task_id == f"run-{first[0].run_id}"
    assert again == []
    assert [(r.state, r.kind, r.enqueued_at) for r in _runs(sessions)] == [(RunState.QUEUED, "scheduled", NOW)]
    assert _trigger(sessions, trigger.id).next_run_at is None


def test_nothing_beyond_the_horizon_is_claimed(sessions: sessionmaker[Session]) -> None:
    add_trigger(sessions, once(NOW + TICK + timedelta(seconds=1)))
    assert claim_due(sessions, now=NOW, horizon=NOW + TICK) == []


@pytest.mark.parametrize("state", [TriggerState.PAUSED, TriggerState.CANCELLED])
def test_paused_and_cancelled_triggers_are_not_claimed(sessions: sessionmaker[Session], state: str) -> None:
    trigger = add_trigger(sessions, once(NOW))
    with transaction(sessions) as session:
        set_trigger_state(session, team_id=TEAM, number=trigger.number, state=state)
    assert claim_due(sessions, now=NOW, horizon=NOW + TICK) == []


def test_the_look_ahead_claims_each_instant_before_the_next_tick(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, every(15, anchor=NOW + timedelta(seconds=5)))
    claimed = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    assert [c.eta for c in claimed] == [NOW + timedelta(seconds=s) for s in (5, 20, 35, 50)]
    assert _trigger(sessions, trigger.id).next_run_at == NOW + timedelta(seconds=65)


def test_a_slightly_late_instant_fires_at_once(sessions: sessionmaker[Session]) -> None:
    add_trigger(sessions, once(NOW - timedelta(seconds=30)))
    claimed = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    assert [(c.due_at, c.eta) for c in claimed] == [(NOW - timedelta(seconds=30), None)]


def _down_across_five(sessions: sessionmaker[Session], policy: str, cap: int = 50) -> tuple[Trigger, list]:
    # Due every minute from 14:55; the beat was down until 15:00 + 10 s, so 14:55..14:59 were missed.
    trigger = add_trigger(sessions, every(60, anchor=NOW - timedelta(minutes=5)), misfire_policy=policy)
    now = NOW + timedelta(seconds=10)
    claimed = claim_due(
        sessions,
        now=now,
        horizon=now + timedelta(seconds=30),
        grace=timedelta(minutes=1) - timedelta(seconds=1),
        catch_up_cap=cap,
    )
    return trigger, claimed


def test_misfire_once_fires_one_catch_up_run_that_counts_the_missed(sessions: sessionmaker[Session]) -> None:
    trigger, claimed = _down_across_five(sessions, "once")
    runs = _runs(sessions)
    assert [(r.kind, r.missed_count, r.due_at) for r in runs] == [
        (KIND_CATCH_UP, 5, NOW - timedelta(minutes=1)),
        ("scheduled", 0, NOW),
    ]
    assert [c.eta for c in claimed] == [None, None]
    assert _trigger(sessions, trigger.id).next_run_at == NOW + timedelta(minutes=1)


def test_misfire_all_fires_every_missed_run_up_to_the_cap(sessions: sessionmaker[Session]) -> None:
    _, claimed = _down_across_five(sessions, "all", cap=3)
    runs = _runs(sessions)
    assert [r.due_at for r in runs] == [NOW - timedelta(minutes=m) for m in (3, 2, 1, 0)]
    assert [r.missed_count for r in runs] == [5, 0, 0, 0]
    assert len(claimed) == 4


def test_misfire_all_without_reaching_the_cap(sessions: sessionmaker[Session]) -> None:
    _down_across_five(sessions, "all")
    assert [r.kind for r in _runs(sessions)] == [KIND_CATCH_UP] * 5 + ["scheduled"]


def test_misfire_skip_records_the_skip_and_sends_nothing_missed(sessions: sessionmaker[Session]) -> None:
    _, claimed = _down_across_five(sessions, "skip")
    runs = _runs(sessions)
    assert [(r.state, r.missed_count) for r in runs] == [(RunState.SKIPPED, 5), (RunState.QUEUED, 0)]
    assert [c.due_at for c in claimed] == [NOW]


def test_a_long_outage_costs_a_bounded_walk(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, every(60, anchor=NOW - timedelta(days=30)))
    claimed = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    assert len(claimed) == 5  # the catch-up run, 14:58..15:00 (within the grace window) and 15:01
    assert _runs(sessions)[0].missed_count == 10_000
    assert _trigger(sessions, trigger.id).next_run_at == NOW + timedelta(minutes=2)


def test_claims_go_in_batches(sessions: sessionmaker[Session]) -> None:
    for n in range(25):
        add_trigger(sessions, once(NOW + timedelta(seconds=n)))
    assert len(claim_due(sessions, now=NOW, horizon=NOW + TICK, batch_size=10)) == 25


def test_triggers_sharing_a_schedule_and_instant_are_each_claimed_and_moved_on(sessions: sessionmaker[Session]) -> None:
    schedule = every(60, anchor=NOW - timedelta(seconds=30))
    shared = [add_trigger(sessions, schedule, channel=f"C{n}") for n in range(3)]
    later = add_trigger(sessions, schedule, next_run_at=NOW + timedelta(seconds=30))
    claimed = claim_due(sessions, now=NOW, horizon=NOW + TICK, batch_size=2)
    instants = [NOW - timedelta(seconds=30), NOW + timedelta(seconds=30)]
    assert sorted((c.trigger_id, c.due_at) for c in claimed) == [
        *((t.id, due) for t in shared for due in instants),
        (later.id, instants[1]),
    ]
    moved = [_trigger(sessions, t.id) for t in [*shared, later]]
    assert [(t.next_run_at, t.state) for t in moved] == [(NOW + timedelta(seconds=90), TriggerState.ACTIVE)] * 4
    assert all(t.updated_at > t.created_at for t in moved)


def test_an_unreadable_schedule_pauses_its_trigger_and_the_batch_goes_on(sessions: sessionmaker[Session]) -> None:
    broken = add_trigger(sessions, once(NOW))
    fine = add_trigger(sessions, once(NOW + timedelta(seconds=1)))
    with transaction(sessions) as session:
        stored = session.get(Trigger, broken.id)
        assert stored is not None
        stored.schedule = "not a schedule"
    assert [c.trigger_id for c in claim_due(sessions, now=NOW, horizon=NOW + TICK)] == [fine.id]
    paused = _trigger(sessions, broken.id)
    assert (paused.state, paused.next_run_at) == (TriggerState.PAUSED, NOW)
    assert _trigger(sessions, fine.id).next_run_at is None


def test_a_series_stops_after_its_last_occurrence(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, every(10, anchor=NOW, count=3))
    assert len(claim_due(sessions, now=NOW, horizon=NOW + TICK)) == 3
    assert _trigger(sessions, trigger.id).next_run_at is None


def test_concurrent_tickers_never_claim_an_instant_twice(sessions: sessionmaker[Session]) -> None:
    for n in range(30):
        add_trigger(sessions, every(7, anchor=NOW + timedelta(seconds=n % 7)), channel=f"C{n}")
    results: list[int] = []
    errors: list[BaseException] = []

    def ticker(offset: int) -> None:
        try:
            for step in range(6):
                now = NOW + timedelta(seconds=step * 5 + offset)
                results.extend(
                    c.run_id for c in claim_due(sessions, now=now, horizon=now + timedelta(seconds=6), batch_size=7)
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ticker, args=(i % 2,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    runs = _runs(sessions)
    assert len(results) == len(set(results)) == len(runs)
    assert len({(r.trigger_id, r.due_at) for r in runs}) == len(runs)


def test_claim_trigger_claims_one_saved_trigger_through_the_same_code(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, once(NOW + timedelta(seconds=5)))
    other = add_trigger(sessions, once(NOW + timedelta(seconds=6)))
    with transaction(sessions) as session:
        claimed = claim_trigger(session, team_id=TEAM, number=trigger.number, now=NOW, horizon=NOW + TICK)
    assert [c.eta for c in claimed] == [NOW + timedelta(seconds=5)]
    assert [c.trigger_id for c in claim_due(sessions, now=NOW, horizon=NOW + TICK)] == [other.id]


def test_run_now_makes_a_manual_run_each_time(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, once(NOW + timedelta(days=1)))
    with transaction(sessions) as session:
        first = claim_run_now(session, team_id=TEAM, number=trigger.number, now=NOW)
        second = claim_run_now(session, team_id=TEAM, number=trigger.number, now=NOW)
    assert first.run_id != second.run_id and first.eta is None
    assert {r.kind for r in _runs(sessions)} == {KIND_MANUAL}


def test_run_now_refuses_a_cancelled_trigger(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(
        sessions,
        once(NOW + timedelta(days=1)),
    )
    with transaction(sessions) as session:
        set_trigger_state(session, team_id=TEAM, number=trigger.number, state=TriggerState.CANCELLED)
    with pytest.raises(NotRunnable, match="cancelled"), transaction(sessions) as session:
        claim_run_now(session, team_id=TEAM, number=trigger.number, now=NOW)


def test_stalled_runs_are_found_after_their_lease_and_resent_once(sessions: sessionmaker[Session]) -> None:
    add_trigger(sessions, once(NOW))
    [claimed] = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    lease = timedelta(seconds=30)
    assert find_stalled(sessions, now=NOW + timedelta(seconds=29), lease=lease) == []
    later = NOW + timedelta(seconds=31)
    assert [c.run_id for c in find_stalled(sessions, now=later, lease=lease)] == [claimed.run_id]
    assert find_stalled(sessions, now=later + timedelta(seconds=1), lease=lease) == []


def test_an_abandoned_running_run_is_found_after_the_running_lease(sessions: sessionmaker[Session]) -> None:
    add_trigger(sessions, once(NOW))
    [claimed] = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    with transaction(sessions) as session:
        run = session.get(Run, claimed.run_id)
        assert run is not None
        run.state, run.started_at = RunState.RUNNING.value, NOW
    lease, running = timedelta(seconds=10), timedelta(seconds=60)
    assert find_stalled(sessions, now=NOW + timedelta(seconds=30), lease=lease, running_lease=running) == []
    found = find_stalled(sessions, now=NOW + timedelta(seconds=61), lease=lease, running_lease=running)
    assert [c.run_id for c in found] == [claimed.run_id]


def test_an_events_trigger_is_claimed_after_a_save_but_cannot_be_run_by_number(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, once(NOW + timedelta(seconds=5)), action_kind="event_start")
    with transaction(sessions) as session:
        claimed = claim_trigger(session, team_id=TEAM, number=trigger.number, now=NOW, horizon=NOW + TICK)
    assert [c.trigger_id for c in claimed] == [trigger.id]
    with pytest.raises(NotFound, match=f"There is no schedule #{trigger.number} "), transaction(sessions) as session:
        claim_run_now(session, team_id=TEAM, number=trigger.number, now=NOW)
    assert len(_runs(sessions)) == 1


def test_release_claimed_gives_back_the_runs_not_yet_started(sessions: sessionmaker[Session]) -> None:
    trigger = add_trigger(sessions, every(15, anchor=NOW + timedelta(seconds=5)))
    claimed = claim_due(sessions, now=NOW, horizon=NOW + TICK)  # 15:00:05, :20, :35, :50
    with transaction(sessions) as session:
        started = session.get(Run, claimed[2].run_id)
        assert started is not None
        started.state, started.started_at = RunState.RUNNING.value, NOW
        claim_run_now(session, team_id=TEAM, number=trigger.number, now=NOW + timedelta(seconds=30))
    now = NOW + timedelta(seconds=10)
    with transaction(sessions) as session:
        assert release_claimed(session, team_id="T-other", trigger_id=trigger.id, now=now) == []
        released = release_claimed(session, team_id=TEAM, trigger_id=trigger.id, now=now, why="skipped by U1")
    assert released == [NOW + timedelta(seconds=20), NOW + timedelta(seconds=50)]
    runs = {(r.kind, r.due_at): r for r in _runs(sessions)}
    assert [(r.state, r.outcome) for r in runs.values() if r.state == RunState.SKIPPED] == [
        (RunState.SKIPPED, "released: skipped by U1")
    ] * 2
    assert runs[("scheduled", NOW + timedelta(seconds=5))].state == RunState.QUEUED  # already due: left alone
    assert runs[("scheduled", NOW + timedelta(seconds=35))].state == RunState.RUNNING
    assert runs[(KIND_MANUAL, NOW + timedelta(seconds=30))].state == RunState.QUEUED
    resent = find_stalled(sessions, now=NOW + timedelta(hours=1))  # the released runs are never re-sent
    assert sorted(c.due_at for c in resent) == [NOW + timedelta(seconds=s) for s in (5, 30, 35)]


def test_a_released_instant_claimed_again_is_taken_back(sessions: sessionmaker[Session]) -> None:
    due = NOW + timedelta(seconds=30)
    trigger = add_trigger(sessions, once(due))
    [first] = claim_due(sessions, now=NOW, horizon=NOW + TICK)
    with transaction(sessions) as session:
        assert release_claimed(session, team_id=TEAM, trigger_id=trigger.id, now=NOW) == [due]
        update_trigger(session, team_id=TEAM, number=trigger.number, next_run_at=due)  # edited to the same time
    with transaction(sessions) as session:
        again = claim_trigger(session, team_id=TEAM, number=trigger.number, now=NOW, horizon=NOW + TICK)
    assert [(c.run_id, c.eta) for c in again] == [(first.run_id, due)]
    assert [(r.state, r.outcome, r.finished_at) for r in _runs(sessions)] == [(RunState.QUEUED, None, None)]
