"""Every events repository function, called as workspace TB against TA's rows, sees and changes nothing."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from datetime import timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduling import parse
from storage.db import transaction
from storage.errors import NotFound
from storage.events import feeds, series, sweep
from storage.events import repository as events
from storage.events.lifecycle import EventError
from storage.events.models import EventFeed
from tests.events.helpers import HOUR, NOW, add_event

MODULES = (events, feeds, series)
# The sweep serves every workspace, and a feed token is its own credential: both unscoped on purpose.
# hash_token is a pure function of the token.
UNSCOPED = {"resolve_feed_token", "events_out_of_step", "series_to_extend", "hash_token"}
T = "TB"


def _none(found: object) -> list[Any]:
    """A call that must find nothing of the other workspace's (no link replaced, none revoked)."""
    assert not found, found
    return []


def _ran(_: object) -> list[Any]:
    """A call whose effect the snapshot checks (it returns a count of the caller's own rows)."""
    return []


CROSS_WORKSPACE_CALLS: dict[str, Callable[[Session, int, int], Any]] = {
    "create_event": lambda s, n, i: add_event(s, team_id=T),
    "get_event": lambda s, n, i: events.get_event(s, team_id=T, number=n),
    "get_event_by_id": lambda s, n, i: events.get_event_by_id(s, team_id=T, event_id=i),
    "list_events": lambda s, n, i: events.list_events(s, team_id=T),
    "list_transitions": lambda s, n, i: events.list_transitions(s, team_id=T, event_id=i),
    "event_triggers": lambda s, n, i: events.event_triggers(s, team_id=T, event_id=i),
    "cancel_event": lambda s, n, i: events.cancel_event(s, team_id=T, number=n, actor_id="U", now=NOW),
    "postpone_event": lambda s, n, i: events.postpone_event(
        s, team_id=T, number=n, actor_id="U", starts_at=NOW + 5 * HOUR, now=NOW
    ),
    "start_event": lambda s, n, i: events.start_event(s, team_id=T, number=n, actor_id="U", now=NOW),
    "end_event": lambda s, n, i: events.end_event(s, team_id=T, number=n, actor_id="U", now=NOW),
    "apply_clock": lambda s, n, i: events.apply_clock(s, team_id=T, event_id=i, now=NOW + 3 * HOUR, cause="sweep"),
    "set_rsvp": lambda s, n, i: events.set_rsvp(s, team_id=T, event_id=i, user_id="U9", going=True, now=NOW),
    "rsvps": lambda s, n, i: [] if events.rsvps(s, team_id=T, event_id=i) == ([], []) else ["leak"],
    "set_announcement": lambda s, n, i: events.set_announcement(s, team_id=T, event_id=i, ts="999.1"),
    "get_transition": lambda s, n, i: events.get_transition(s, team_id=T, transition_id=1),
    "mark_posted": lambda s, n, i: [] if not events.mark_posted(s, team_id=T, transition_id=2, now=NOW) else ["leak"],
    "due_trigger_numbers": lambda s, n, i: (
        events.due_trigger_numbers(s, team_id=T, event_id=i, before=NOW + 9 * HOUR) or []
    ),
    "get_defaults": lambda s, n, i: [] if events.get_defaults(s, team_id=T)[0] == HOUR else ["leak"],
    "set_defaults": lambda s, n, i: events.set_defaults(s, team_id=T, duration=timedelta(minutes=5)),
    # TA's U1 has a link to C1: TB's must be new, and revoking TB's C1 links must stop none of TA's.
    "new_feed_link": lambda s, n, i: _none(
        feeds.new_feed_link(s, team_id=T, channel_id="C1", user_id="U1", now=NOW)[1]
    ),
    "revoke_feed_links": lambda s, n, i: _ran(feeds.revoke_feed_links(s, team_id=T, channel_id="C1")),
    "feed_events": lambda s, n, i: feeds.feed_events(s, team_id=T, channel_id="C1", now=NOW),
    "create_series": lambda s, n, i: series.create_series(
        s,
        team_id=T,
        channel_id="C1",
        creator_id="U",
        title="x",
        schedule=parse("every day at 9am", now=NOW, tz="UTC"),
        schedule_text="every day at 9am",
        duration=HOUR,
        remind_seconds=[],
        now=NOW,
    )[1],
    "materialize": lambda s, n, i: series.materialize(s, team_id=T, series_id=1, now=NOW),
    "end_series": lambda s, n, i: series.end_series(s, team_id=T, series_id=1),
    "get_series": lambda s, n, i: series.get_series(s, team_id=T, series_id=1),
}


def _public(module: ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")
    ]


def test_every_scoped_function_takes_the_workspace_as_a_required_keyword() -> None:
    for module in MODULES:
        for name in set(_public(module)) - UNSCOPED:
            parameter = inspect.signature(getattr(module, name)).parameters.get("team_id")
            assert parameter is not None, f"{name} has no team_id"
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
            assert parameter.default is inspect.Parameter.empty, name


def test_the_isolation_table_covers_every_scoped_function() -> None:
    scoped = {name for module in MODULES for name in _public(module)} - UNSCOPED
    assert sorted(CROSS_WORKSPACE_CALLS) == sorted(scoped)
    assert set(_public(sweep)) <= UNSCOPED


def _theirs(session: Session) -> tuple[int, int]:
    event = add_event(session, team_id="TA")
    series.create_series(
        session,
        team_id="TA",
        channel_id="C1",
        creator_id="U1",
        title="Standup",
        schedule=parse("every day at 9am", now=NOW, tz="UTC"),
        schedule_text="every day at 9am",
        duration=timedelta(minutes=15),
        remind_seconds=[],
        now=NOW,
    )
    events.set_rsvp(session, team_id="TA", event_id=event.id, user_id="U2", going=True, now=NOW)
    events.set_defaults(session, team_id="TA", duration=timedelta(minutes=30))
    other = add_event(session, team_id="TA", title="Retro")
    events.cancel_event(session, team_id="TA", number=other.number, actor_id="U1", now=NOW)
    feeds.new_feed_link(session, team_id="TA", channel_id="C1", user_id="U1", now=NOW)
    return event.number, event.id


def test_no_function_reads_or_touches_another_workspace(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        number, event_id = _theirs(session)
        before = _snapshot(session, number)
    for name, call in sorted(CROSS_WORKSPACE_CALLS.items()):
        with transaction(sessions) as session:
            try:
                result = call(session, number, event_id)
            except (NotFound, EventError):
                result = None
            rows = list(result) if isinstance(result, Sequence) and not isinstance(result, str) else [result]
            for row in rows or []:
                assert row is None or getattr(row, "team_id", T) == T, f"{name} returned {row!r}"
        with transaction(sessions) as session:
            assert _snapshot(session, number) == before, name


def _snapshot(session: Session, number: int) -> tuple[Any, ...]:
    event = events.get_event(session, team_id="TA", number=number)
    return (
        event.state,
        event.starts_at,
        event.announcement_ts,
        len(events.list_events(session, team_id="TA")),
        [(t.to_state, t.posted_at) for t in events.list_transitions(session, team_id="TA", event_id=event.id)],
        [t.state for t in events.event_triggers(session, team_id="TA", event_id=event.id)],
        events.rsvps(session, team_id="TA", event_id=event.id),
        events.get_defaults(session, team_id="TA"),
        [(f.channel_id, f.user_id, f.token_hash) for f in session.scalars(select(EventFeed)) if f.team_id == "TA"],
        series.get_series(session, team_id="TA", series_id=1).state,  # type: ignore[union-attr]
    )
