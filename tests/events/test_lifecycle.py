"""The lifecycle on a controllable clock: states, triggers moved with them, transitions recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage.db import transaction
from storage.errors import NotFound
from storage.events import repository as events
from storage.events.lifecycle import EventError, clock_state
from tests.events.helpers import HOUR, NOW, add_event

START, END = NOW + HOUR, NOW + 2 * HOUR
SEC = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        ("scheduled", START - SEC, "scheduled"),
        ("scheduled", START, "ongoing"),
        ("scheduled", END - SEC, "ongoing"),
        ("scheduled", END, "completed"),
        ("ongoing", START - HOUR, "ongoing"),  # started early by hand: the clock never moves it back
        ("ongoing", END + HOUR, "completed"),
        ("cancelled", END + HOUR, "cancelled"),
        ("completed", START - SEC, "completed"),
    ],
)
def test_clock_state_only_moves_forward(state: str, now: object, expected: str) -> None:
    assert clock_state(state, START, END, now) == expected  # type: ignore[arg-type]


def _triggers(session: Session, event_id: int) -> list[tuple[str, str, object]]:
    rows = events.event_triggers(session, team_id="TA", event_id=event_id)
    return [(t.action_kind, t.state, t.next_run_at) for t in rows]


def _states(session: Session, event_id: int) -> list[tuple[str | None, str, str]]:
    return [
        (t.from_state, t.to_state, t.cause) for t in events.list_transitions(session, team_id="TA", event_id=event_id)
    ]


def test_the_clock_moves_an_event_through_its_states_once(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
        assert _triggers(session, event.id) == [
            ("event_reminder", "active", START - timedelta(minutes=15)),
            ("event_start", "active", START),
            ("event_end", "active", END),
        ]
    for now in (START - SEC, START, START + SEC, END, END + HOUR):
        with transaction(sessions) as session:
            events.apply_clock(session, team_id="TA", event_id=event.id, now=now, cause="clock")
    with transaction(sessions) as session:
        assert _states(session, event.id) == [
            (None, "scheduled", "user"),
            ("scheduled", "ongoing", "clock"),
            ("ongoing", "completed", "clock"),
        ]
        assert events.get_event(session, team_id="TA", number=event.number).state == "completed"


def test_postponing_an_ongoing_event_schedules_it_again_and_moves_its_triggers(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
    with transaction(sessions) as session:
        events.apply_clock(session, team_id="TA", event_id=event.id, now=START + SEC, cause="clock")
    later = NOW + 24 * HOUR
    with transaction(sessions) as session:
        events.postpone_event(session, team_id="TA", number=1, actor_id="U1", starts_at=later, now=START + 2 * SEC)
    with transaction(sessions) as session:
        moved = events.get_event(session, team_id="TA", number=1)
        assert (moved.state, moved.starts_at, moved.ends_at) == ("scheduled", later, later + HOUR)
        active = [(k, at) for k, state, at in _triggers(session, event.id) if state == "active" and k != "event_notice"]
        assert sorted(active, key=lambda row: str(row[1])) == [
            ("event_reminder", later - timedelta(minutes=15)),
            ("event_start", later),
            ("event_end", later + HOUR),
        ]
        assert _states(session, event.id)[-1] == ("ongoing", "scheduled", "user")


def test_cancelling_removes_pending_reminders(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session, remind=(3600 - 60, 900, 300))
    with transaction(sessions) as session:
        events.cancel_event(session, team_id="TA", number=1, actor_id="U1", now=NOW + SEC)
    with transaction(sessions) as session:
        timed = [state for kind, state, _ in _triggers(session, event.id) if kind != "event_notice"]
        assert timed == ["cancelled"] * 5
        with pytest.raises(EventError, match="already cancelled"):
            events.cancel_event(session, team_id="TA", number=1, actor_id="U1", now=NOW + SEC)


def test_reminders_already_past_are_not_scheduled(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session, starts_at=NOW + timedelta(minutes=10), remind=(900, 300))
        kinds = [kind for kind, _, _ in _triggers(session, event.id)]
    assert kinds == ["event_reminder", "event_start", "event_end"]


def test_starting_early_and_ending_early_by_hand(sessions: sessionmaker[Session]) -> None:
    early = NOW + timedelta(minutes=5)
    with transaction(sessions) as session:
        event = add_event(session)
    with transaction(sessions) as session:
        events.start_event(session, team_id="TA", number=1, actor_id="U1", now=early)
    with transaction(sessions) as session:
        started = events.get_event(session, team_id="TA", number=1)
        assert (started.state, started.starts_at, started.ends_at) == ("ongoing", early, END)
        active = [(k, at) for k, s, at in _triggers(session, event.id) if s == "active"]
        assert active == [("event_notice", early), ("event_end", END)]
        # The sweep agrees with a hand-started event and changes nothing.
        assert events.apply_clock(session, team_id="TA", event_id=event.id, now=early + SEC, cause="sweep") is None
    with transaction(sessions) as session:
        events.end_event(session, team_id="TA", number=1, actor_id="U1", now=early + HOUR)
        ended = events.get_event(session, team_id="TA", number=1)
        assert (ended.state, ended.ends_at) == ("completed", early + HOUR)
        assert {s for k, s, _ in _triggers(session, event.id) if k != "event_notice"} == {"cancelled"}


@pytest.mark.parametrize(
    ("title", "starts_at", "length", "message"),
    [
        ("", START, HOUR, "needs a title"),
        ("x" * 201, START, HOUR, "201 characters"),
        ("ok", NOW - SEC, HOUR, "in the past"),
        ("ok", START, timedelta(seconds=30), "between 1 minute and 30 days"),
        ("ok", START, timedelta(days=31), "between 1 minute and 30 days"),
        ("ok", START, -HOUR, "end must come after the start"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    sessions: sessionmaker[Session], title: str, starts_at: object, length: timedelta, message: str
) -> None:
    with transaction(sessions) as session, pytest.raises(EventError, match=message):
        add_event(session, title=title, starts_at=starts_at, length=length)  # type: ignore[arg-type]


def test_unknown_ids_and_wrong_states_say_what_to_do(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        add_event(session)
        with pytest.raises(NotFound, match="no event #7"):
            events.get_event(session, team_id="TA", number=7)
        with pytest.raises(EventError, match="cancel 1"):
            events.end_event(session, team_id="TA", number=1, actor_id="U1", now=NOW)


def test_a_change_lost_to_a_race_is_not_recorded_twice(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
    with transaction(sessions) as first, transaction(sessions) as second:
        assert events.apply_clock(first, team_id="TA", event_id=event.id, now=START, cause="clock") is not None
        first.commit()
        assert events.apply_clock(second, team_id="TA", event_id=event.id, now=START, cause="sweep") is None
    with transaction(sessions) as session:
        assert [to for _, to, _ in _states(session, event.id)] == ["scheduled", "ongoing"]


def test_workspace_defaults(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        assert events.get_defaults(session, team_id="TA") == (HOUR, timedelta(minutes=15))
        events.set_defaults(session, team_id="TA", duration=timedelta(minutes=30))
        events.set_defaults(session, team_id="TA", reminder=timedelta(minutes=10))
    with transaction(sessions) as session:
        assert events.get_defaults(session, team_id="TA") == (timedelta(minutes=30), timedelta(minutes=10))
        assert events.get_defaults(session, team_id="TB") == (HOUR, timedelta(minutes=15))
        with pytest.raises(EventError):
            events.set_defaults(session, team_id="TA", duration=timedelta(days=40))


def test_rsvps_change_their_mind(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
        events.set_rsvp(session, team_id="TA", event_id=event.id, user_id="U2", going=True, now=NOW)
        events.set_rsvp(session, team_id="TA", event_id=event.id, user_id="U3", going=True, now=NOW + SEC)
        events.set_rsvp(session, team_id="TA", event_id=event.id, user_id="U2", going=False, now=NOW + 2 * SEC)
    with transaction(sessions) as session:
        assert events.rsvps(session, team_id="TA", event_id=event.id) == (["U3"], ["U2"])


def test_a_change_by_a_person_leaves_a_notice_to_post_once(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
        transition = events.cancel_event(session, team_id="TA", number=1, actor_id="U1", now=NOW)
        notices = [t for t in events.event_triggers(session, team_id="TA", event_id=event.id) if t.state == "active"]
        assert [(t.action_kind, t.next_run_at, t.payload["transition_id"]) for t in notices] == [
            ("event_notice", NOW, transition.id)
        ]
        assert events.due_trigger_numbers(session, team_id="TA", event_id=event.id, before=NOW) == [notices[0].number]
    with transaction(sessions) as session:
        assert events.mark_posted(session, team_id="TA", transition_id=transition.id, now=NOW)
        assert not events.mark_posted(session, team_id="TA", transition_id=transition.id, now=NOW)


def test_the_clock_leaves_no_notice_since_its_own_trigger_tells_the_channel(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
        events.apply_clock(session, team_id="TA", event_id=event.id, now=START, cause="clock")
        kinds = {t.action_kind for t in events.event_triggers(session, team_id="TA", event_id=event.id)}
    assert "event_notice" not in kinds
