"""The channel feed parses back with icalendar, matches the events, and is isolated by workspace and channel."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import register_calendar_routes
from storage.db import transaction
from storage.events import repository as events
from storage.events.feeds import new_feed_link, revoke_feed_links
from storage.events.models import EventFeed
from tests.events.helpers import HOUR, NOW, add_event


@pytest.fixture
def web(sessions: sessionmaker[Session]) -> FlaskClient:
    app = Flask(__name__)
    register_calendar_routes(app, sessions=sessions, clock=lambda: NOW)
    return app.test_client()


def _token(sessions: sessionmaker[Session], team_id: str, channel_id: str, user_id: str = "U1") -> str:
    with transaction(sessions) as session:
        return new_feed_link(session, team_id=team_id, channel_id=channel_id, user_id=user_id, now=NOW)[0]


def _feed(web: FlaskClient, token: str) -> list[dict[str, object]]:
    response = web.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    return [
        {
            "summary": str(item["summary"]),
            "start": item.decoded("dtstart"),
            "end": item.decoded("dtend"),
            "status": str(item["status"]),
            "uid": str(item["uid"]),
        }
        for item in calendar.walk("VEVENT")
    ]


def test_the_feed_parses_back_and_matches_the_events(sessions: sessionmaker[Session], web: FlaskClient) -> None:
    with transaction(sessions) as session:
        add_event(session, title="Sprint review <b> & friends")
        add_event(session, title="Retro", starts_at=NOW + 3 * HOUR, length=timedelta(minutes=30))
        events.cancel_event(session, team_id="TA", number=2, actor_id="U1", now=NOW)
    feed = _feed(web, _token(sessions, "TA", "C1"))
    assert [(e["summary"], e["start"], e["end"], e["status"]) for e in feed] == [
        ("Sprint review <b> & friends", NOW + HOUR, NOW + 2 * HOUR, "CONFIRMED"),
        ("Retro", NOW + 3 * HOUR, NOW + 3 * HOUR + timedelta(minutes=30), "CANCELLED"),
    ]
    assert len({e["uid"] for e in feed}) == 2


def test_feeds_are_isolated_by_workspace_and_channel(sessions: sessionmaker[Session], web: FlaskClient) -> None:
    with transaction(sessions) as session:
        add_event(session, team_id="TA", channel_id="C1", title="A1")
        add_event(session, team_id="TA", channel_id="C2", title="A2")
        add_event(session, team_id="TB", channel_id="C1", title="B1")
    titles = {
        key: [e["summary"] for e in _feed(web, _token(sessions, *key))]
        for key in [("TA", "C1"), ("TA", "C2"), ("TB", "C1"), ("TB", "C2")]
    }
    assert titles == {("TA", "C1"): ["A1"], ("TA", "C2"): ["A2"], ("TB", "C1"): ["B1"], ("TB", "C2"): []}


@pytest.mark.parametrize("token", ["nope", "x" * 65, "%00", "..%2F..%2Fetc"])
def test_a_wrong_token_gets_a_bare_404(sessions: sessionmaker[Session], web: FlaskClient, token: str) -> None:
    _token(sessions, "TA", "C1")
    response = web.get(f"/calendar/{token}.ics")
    unknown = web.get("/no/such/path")
    assert response.status_code == 404
    assert response.data == unknown.data


def test_a_new_link_retires_that_persons_old_one_and_revoking_stops_them(
    sessions: sessionmaker[Session], web: FlaskClient
) -> None:
    old = _token(sessions, "TA", "C1")
    new = _token(sessions, "TA", "C1")
    theirs = _token(sessions, "TA", "C1", user_id="U2")
    assert len({old, new, theirs}) == 3
    assert web.get(f"/calendar/{old}.ics").status_code == 404
    assert web.get(f"/calendar/{new}.ics").status_code == 200
    assert web.get(f"/calendar/{theirs}.ics").status_code == 200
    with transaction(sessions) as session:
        assert revoke_feed_links(session, team_id="TA", channel_id="C1", user_id="U2") == 1
    assert web.get(f"/calendar/{theirs}.ics").status_code == 404
    assert web.get(f"/calendar/{new}.ics").status_code == 200
    with transaction(sessions) as session:
        assert revoke_feed_links(session, team_id="TA", channel_id="C1") == 1
    assert web.get(f"/calendar/{new}.ics").status_code == 404


def test_only_the_hash_of_a_token_is_stored(sessions: sessionmaker[Session], web: FlaskClient) -> None:
    token = _token(sessions, "TA", "C1")
    with transaction(sessions) as session:
        stored = [(row.token_hash, row.user_id) for row in session.scalars(select(EventFeed))]
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), "U1")]
    assert web.get(f"/calendar/{stored[0][0]}.ics").status_code == 404  # the hash itself opens nothing


def test_a_dms_calendar_shows_its_holder_only_their_own_events(
    sessions: sessionmaker[Session], web: FlaskClient
) -> None:
    with transaction(sessions) as session:
        add_event(session, channel_id="D1", creator_id="U1", title="Mine")
        add_event(session, channel_id="D1", creator_id="U2", title="Theirs")
        add_event(session, channel_id="C1", creator_id="U2", title="In the channel")
    assert [e["summary"] for e in _feed(web, _token(sessions, "TA", "D1", user_id="U1"))] == ["Mine"]
    assert [e["summary"] for e in _feed(web, _token(sessions, "TA", "D1", user_id="U2"))] == ["Theirs"]
    assert [e["summary"] for e in _feed(web, _token(sessions, "TA", "C1", user_id="U1"))] == ["In the channel"]
