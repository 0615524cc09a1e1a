from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import storage.repository as repository
from storage.db import transaction
from storage.errors import NotFound
from storage.models import Run, Trigger

WHEN = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


def _add(
    session: Session, team_id: str, channel_id: str = "C1", creator_id: str = "U1", action_kind: str = "message"
) -> Trigger:
    return repository.create_trigger(
        session,
        team_id=team_id,
        channel_id=channel_id,
        creator_id=creator_id,
        schedule='{"kind": "once"}',
        schedule_text="in 5 hours",
        zone="America/New_York",
        next_run_at=WHEN,
        payload={"text": "check the deploy"},
        action_kind=action_kind,
    )


def test_numbers_are_short_and_per_workspace(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        numbers = [_add(session, "TA").number, _add(session, "TA").number, _add(session, "TB").number]
    assert numbers == [1, 2, 1]


def test_list_filters_by_channel_creator_and_state(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        _add(session, "TA", channel_id="C1", creator_id="U1")
        _add(session, "TA", channel_id="C2", creator_id="U2")
        third = _add(session, "TA", channel_id="C1", creator_id="U2")
        repository.set_trigger_state(session, team_id="TA", number=third.number, state="cancelled")
    with transaction(sessions) as session:
        assert [t.number for t in repository.list_triggers(session, team_id="TA")] == [1, 2]
        assert [t.number for t in repository.list_triggers(session, team_id="TA", channel_id="C1")] == [1]
        assert [t.number for t in repository.list_triggers(session, team_id="TA", creator_id="U2")] == [2]
        everything = repository.list_triggers(session, team_id="TA", states=("active", "paused", "cancelled"))
        assert len(everything) == 3


def test_update_refuses_identity_columns(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        _add(session, "TA")
        with pytest.raises(ValueError, match="id"):
            repository.update_trigger(session, team_id="TA", number=1, id=7)


def test_unknown_state_is_refused(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        _add(session, "TA")
        with pytest.raises(ValueError):
            repository.set_trigger_state(session, team_id="TA", number=1, state="exploded")


def test_user_zone_override_is_kept(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        repository.set_user_zone(session, team_id="TA", user_id="U1", zone="Europe/Berlin", overridden=True)
    with transaction(sessions) as session:
        row = repository.get_user_zone(session, team_id="TA", user_id="U1")
        assert row is not None and (row.zone, row.overridden) == ("Europe/Berlin", True)
        assert repository.get_user_zone(session, team_id="TB", user_id="U1") is None


def test_audit_trail_records_who_what_and_from_which_command(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        trigger = _add(session, "TA")
        repository.record_audit(
            session, team_id="TA", actor_id="U9", action="pause", target_id=trigger.id, command="/schedule pause 1"
        )
    with transaction(sessions) as session:
        (entry,) = repository.list_audit(session, team_id="TA", target_id=trigger.id)
        assert (entry.actor_id, entry.action, entry.command) == ("U9", "pause", "/schedule pause 1")
        assert entry.at.tzinfo is not None


# Each repository function, called as workspace TB against rows that belong to workspace TA.
# Reads must see nothing; changes must fail with NotFound and leave TA's rows as they were.
CROSS_WORKSPACE_CALLS: dict[str, Callable[[Session, int], Any]] = {
    "create_trigger": lambda s, n: _add(s, "TB"),
    "get_trigger": lambda s, n: repository.get_trigger(s, team_id="TB", number=n),
    "list_triggers": lambda s, n: repository.list_triggers(s, team_id="TB"),
    "set_trigger_state": lambda s, n: repository.set_trigger_state(s, team_id="TB", number=n, state="paused"),
    "update_trigger": lambda s, n: repository.update_trigger(s, team_id="TB", number=n, channel_id="CX"),
    "list_runs": lambda s, n: repository.list_runs(s, team_id="TB", number=n),
    "record_audit": lambda s, n: repository.record_audit(s, team_id="TB", actor_id="U", action="x", target_id=None),
    "list_audit": lambda s, n: repository.list_audit(s, team_id="TB", target_id=n),
    "get_user_zone": lambda s, n: repository.get_user_zone(s, team_id="TB", user_id="U1"),
    "set_user_zone": lambda s, n: repository.set_user_zone(s, team_id="TB", user_id="U1", zone="UTC"),
    "lock_numbers": lambda s, n: repository.lock_numbers(s, team_id="TB"),
}


def _public_functions() -> list[str]:
    return sorted(
        name
        for name, value in vars(repository).items()
        if inspect.isfunction(value) and value.__module__ == repository.__name__ and not name.startswith("_")
    )


def test_every_repository_function_takes_the_workspace_as_a_required_keyword() -> None:
    for name in _public_functions():
        parameter = inspect.signature(getattr(repository, name)).parameters.get("team_id")
        assert parameter is not None, f"{name} has no team_id"
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameter.default is inspect.Parameter.empty, name


def test_the_isolation_table_covers_every_repository_function() -> None:
    assert sorted(CROSS_WORKSPACE_CALLS) == _public_functions()


@pytest.mark.parametrize("name", sorted(CROSS_WORKSPACE_CALLS))
def test_no_function_reads_or_touches_another_workspace(sessions: sessionmaker[Session], name: str) -> None:
    with transaction(sessions) as session:
        theirs = _add(session, "TA")
        session.add(Run(trigger_id=theirs.id, team_id="TA", due_at=WHEN))
        repository.record_audit(session, team_id="TA", actor_id="U1", action="create", target_id=theirs.number)
        repository.set_user_zone(session, team_id="TA", user_id="U1", zone="Asia/Tokyo")
    with transaction(sessions) as session:
        try:
            result = CROSS_WORKSPACE_CALLS[name](session, theirs.number)
        except NotFound:
            result = None
        rows = list(result) if isinstance(result, Sequence) and not isinstance(result, str) else [result]
        for row in rows or []:
            assert row is None or getattr(row, "team_id", "TB") == "TB", f"{name} returned {row!r}"
    with transaction(sessions) as session:
        mine = repository.get_trigger(session, team_id="TA", number=theirs.number)
        assert (mine.state, mine.channel_id) == ("active", "C1")
        assert repository.get_user_zone(session, team_id="TA", user_id="U1").zone == "Asia/Tokyo"  # type: ignore[union-attr]


def test_events_triggers_are_left_out_unless_asked_for(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        mine = _add(session, "TA")
        for kind in ("event_reminder", "event_start", "event_end", "event_notice"):
            _add(session, "TA", action_kind=kind)
        # `_` is a LIKE wildcard: a kind that merely looks like the prefix is still a schedule.
        lookalike = _add(session, "TA", action_kind="eventXreport")
    with transaction(sessions) as session:
        assert [t.number for t in repository.list_triggers(session, team_id="TA")] == [mine.number, lookalike.number]
        everything = repository.list_triggers(session, team_id="TA", include_events=True)
        # Events' triggers count down from -1, so schedules keep 1, 2, 3 … (issue 18).
        assert [t.number for t in everything] == [-4, -3, -2, -1, 1, 2]
        for number in (-1, -2, -3, -4):
            with pytest.raises(NotFound, match=f"There is no schedule #{number} "):
                repository.get_trigger(session, team_id="TA", number=number)
            with pytest.raises(NotFound):
                repository.set_trigger_state(session, team_id="TA", number=number, state="cancelled")
            with pytest.raises(NotFound):
                repository.update_trigger(session, team_id="TA", number=number, channel_id="CX")
            assert repository.get_trigger(session, team_id="TA", number=number, include_events=True).state == "active"
