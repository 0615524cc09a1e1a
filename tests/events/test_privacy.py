"""`/event` reads and calendar links follow the same rule as schedules: yours, your channels', or an admin's.

ana is in the private #secret; bo is not and is no admin; ada is an admin in no channel.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.db import transaction
from storage.events import repository as events
from storage.events.display import ACTION_GOING
from tests.bot.conftest import Served, Slack, text_of

ANA, BO, ADA = "UANA", "UBO", "UADA"
SECRET = "GSECRET"


@pytest.fixture
def people(standin: SlackStandIn) -> SlackStandIn:
    standin.set_user(ANA, name="ana")
    standin.set_user(BO, name="bo")
    standin.set_user(ADA, name="ada", is_admin=True)
    standin.set_members(SECRET, [ANA], name="secret", private=True)
    return standin


def _event(slack: Slack, text: str, *, user: str, channel: str = "C1") -> str:
    return text_of(slack.command(text, user=user, channel=channel, command="/event"))


@pytest.fixture
def planned(slack: Slack, people: SlackStandIn) -> Slack:
    """Event #1 in #secret, event #2 in the open #c1: both ana's."""
    assert "Event added" in _event(slack, 'add "Key ceremony" tomorrow 3pm', user=ANA, channel=SECRET)
    assert "Event added" in _event(slack, 'add "Lunch" tomorrow 1pm', user=ANA)
    return slack


def test_event_reads_show_a_non_member_nothing_of_a_private_channel(planned: Slack) -> None:
    for words in ("list", f"list <#{SECRET}|secret>"):
        listed = _event(planned, words, user=BO)
        assert "Key ceremony" not in listed, words
    assert "Lunch" in _event(planned, "list", user=BO)
    for words in ("show 1", "history 1", "cancel 1", "postpone 1 tomorrow 5pm", "show 99"):
        refused = _event(planned, words, user=BO)
        number = re.search(r"\d+", words)
        assert number is not None and f"There is no event #{number.group(0)} you can see" in refused, words
        assert "Key ceremony" not in refused and "ana" not in refused.lower(), words
    assert "Key ceremony" in _event(planned, "list", user=ANA)


def test_an_admin_sees_every_channels_events(planned: Slack) -> None:
    assert "Key ceremony" in _event(planned, "list", user=ADA)
    assert "Key ceremony" in _event(planned, "show 1", user=ADA)
    assert "created" in _event(planned, "history 1", user=ADA)


def test_events_go_only_where_their_maker_is_a_member(planned: Slack, people: SlackStandIn) -> None:
    refused = _event(planned, f'add "Leak" tomorrow 3pm in <#{SECRET}|secret>', user=BO)
    assert f"You are not a member of <#{SECRET}>" in refused
    assert "Leak" not in _event(planned, "list", user=ANA)
    assert "Event added" in _event(planned, f'add "Audit" tomorrow 4pm in <#{SECRET}|secret>', user=ADA)


def test_calendar_links_only_for_members_and_a_leaver_loses_theirs(
    planned: Slack, people: SlackStandIn, served: Served
) -> None:
    refused = _event(planned, "feed", user=BO, channel=SECRET)
    assert "Only members of <#GSECRET> can have a link" in refused and ".ics" not in refused
    people.join(SECRET, BO)
    assert planned.sender.member_joined_channel(BO, SECRET, private=True).status_code == 200
    memberships = served.bot.services.memberships
    _wait_until(lambda: SECRET in (memberships.channels(None, team_id="T1", user_id=BO) or set()))
    bos = _link(_event(planned, "feed", user=BO, channel=SECRET))
    anas = _link(_event(planned, "feed", user=ANA, channel=SECRET))
    assert b"Key ceremony" in requests.get(served.url + bos, timeout=5).content
    people.leave(SECRET, BO)
    assert planned.sender.member_left_channel(BO, SECRET, private=True).status_code == 200
    _wait_for_status(served.url + bos, 404)
    assert requests.get(served.url + anas, timeout=5).status_code == 200


def test_only_an_admins_rotate_stops_every_link_of_the_channel(
    planned: Slack, people: SlackStandIn, served: Served
) -> None:
    anas = _link(_event(planned, "feed", user=ANA, channel=SECRET))
    adas = _link(_event(planned, "feed rotate", user=ADA, channel=SECRET))
    assert requests.get(served.url + anas, timeout=5).status_code == 404
    assert requests.get(served.url + adas, timeout=5).status_code == 200
    again = _link(_event(planned, "feed", user=ANA, channel=SECRET))
    mine_only = _event(planned, "feed rotate", user=ANA, channel=SECRET)
    assert "a workspace admin's `/event feed rotate` stops them all" in mine_only
    assert requests.get(served.url + again, timeout=5).status_code == 404
    assert requests.get(served.url + adas, timeout=5).status_code == 200


def _link(reply: str) -> str:
    found = re.search(r"/calendar/[A-Za-z0-9_-]+\.ics", reply)
    assert found is not None, reply
    return found.group(0)


def _wait_until(probe: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, "the event was not handled in time"
        time.sleep(0.02)


def _wait_for_status(url: str, status: int, timeout: float = 10.0) -> None:
    """The leave event is handled after its 200; wait for the link to stop working, not for a fixed time."""
    deadline = time.monotonic() + timeout
    while requests.get(url, timeout=5).status_code != status:
        assert time.monotonic() < deadline, f"{url} never answered {status}"
        time.sleep(0.05)


def test_an_rsvp_from_someone_who_may_not_see_the_event_is_refused_and_not_recorded(
    planned: Slack, people: SlackStandIn, sessions: sessionmaker[Session]
) -> None:
    assert planned.sender.block_action(ACTION_GOING, "1", user_id=ANA, channel_id=SECRET).status_code == 200
    people.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))
    refused = planned.press(ACTION_GOING, "1", user=BO, channel=SECRET)
    assert refused is not None and "not one you can see" in text_of(refused)
    with transaction(sessions) as session:
        going, _ = events.rsvps(session, team_id="T1", event_id=1)
    assert going == [ANA]
