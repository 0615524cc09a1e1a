"""`/event` over real HTTP with Slack-signed requests and the stand-in Web API."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.db import transaction
from storage.events import repository as events
from tests.bot.conftest import Served, Slack, text_of


def _command(slack: Slack, text: str, user: str = "U1") -> str:
    return text_of(slack.command(text, user=user, command="/event"))


def test_add_announces_with_rsvp_buttons_and_escapes_the_title(
    slack: Slack, standin: SlackStandIn, sessions: sessionmaker[Session]
) -> None:
    reply = _command(slack, 'add "Review <!channel> & <b>" tomorrow 2pm for 30m remind 10m before')
    assert "Event added" in reply and "#1" in reply
    (post,) = standin.posts(channel="C1")
    shown = text_of(post)
    assert "Review &lt;!channel&gt; &amp; &lt;b&gt;" in shown and "<!channel>" not in shown
    buttons = [e["action_id"] for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["schedulebot.event_going", "schedulebot.event_not_going"]
    assert post.params["blocks"][-1]["elements"][0]["text"] == "Scheduled by <@U1>"
    with transaction(sessions) as session:
        event = events.get_event(session, team_id="T1", number=1)
        assert (event.ends_at - event.starts_at).total_seconds() == 1800 and event.remind_seconds == [600]
        assert event.announcement_ts == post.ts
    pressed = slack.sender.block_action(
        "schedulebot.event_going", str(event.id), user_id="U2", team_id="T1", channel_id="C1"
    )
    assert pressed.status_code == 200
    update = standin.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))[-1]
    assert "<@U2>" in text_of(update)


def test_the_design_form_without_add_and_workspace_defaults(slack: Slack, sessions: sessionmaker[Session]) -> None:
    assert "New events last *1h*" in _command(slack, "defaults")
    assert "admin" in _command(slack, "defaults duration 30m")
    assert "Event added" in _command(slack, '"Sprint review" friday 2pm')
    with transaction(sessions) as session:
        event = events.get_event(session, team_id="T1", number=1)
        assert ((event.ends_at - event.starts_at).total_seconds(), event.remind_seconds) == (3600, [900])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('add "Retro" yesterday 3pm', "past"),
        ('add "Retro" tomorrow 3pm for 31 days', "between 1 minute and 30 days"),
        ('add "' + "x" * 201 + '" tomorrow 3pm', "201 characters"),
        ("add Retro tomorrow", "quotes"),
        ("show 42", "no event #42"),
        ("postpone 42 tomorrow", "no event #42"),
        ("frobnicate", "/event help"),
    ],
)
def test_bad_input_gets_a_clear_ephemeral_error(slack: Slack, standin: SlackStandIn, text: str, expected: str) -> None:
    reply = _command(slack, text)
    assert ":warning:" in reply and expected in reply
    assert standin.posts(channel="C1") == []


def test_only_the_creator_or_an_admin_changes_and_everyone_can_look(
    slack: Slack, sessions: sessionmaker[Session]
) -> None:
    _command(slack, 'add "Retro" tomorrow 3pm', user="U1")
    assert "Only <@U1>" in _command(slack, "cancel 1", user="U2")
    assert "Retro" in _command(slack, "list", user="U2")
    assert "cancelled" in _command(slack, "cancel 1", user="U1")
    history = _command(slack, "history 1", user="U2")
    assert "scheduled → cancelled by <@U1>" in history
    with transaction(sessions) as session:
        kinds = [
            t.action_kind for t in events.event_triggers(session, team_id="T1", event_id=1) if t.state != "cancelled"
        ]
    assert "event_notice" in kinds


def test_each_member_gets_a_link_of_their_own_and_asking_again_replaces_it(slack: Slack) -> None:
    first = _command(slack, "feed")
    assert "https://bot.example.com/calendar/" in first and ".ics" in first and "save it now" in first
    second = _command(slack, "feed")
    assert "the one I gave you before no longer works" in second and _url(second) != _url(first)
    rotated = _command(slack, "feed rotate")
    assert "no longer works" in rotated and "a workspace admin's `/event feed rotate` stops them all" in rotated
    assert len({_url(first), _url(second), _url(rotated), _url(_command(slack, "feed", user="U2"))}) == 4


def _url(reply: str) -> str:
    found = re.search(r"/calendar/[A-Za-z0-9_-]+\.ics", reply)
    assert found is not None, reply
    return found.group(0)


def test_mentions_accept_the_same_words(slack: Slack, standin: SlackStandIn) -> None:
    _command(slack, 'add "Retro" tomorrow 3pm')
    response = slack.sender.app_mention("<@UBOT> event list", user="U1", channel="C1", team_id="T1")
    assert response.status_code == 200
    ephemeral = standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    assert "Retro" in text_of([c for c in ephemeral if c.method == "chat.postEphemeral"][-1])


def test_the_web_app_serves_the_feed_the_command_hands_out(slack: Slack, served: Served) -> None:
    _command(slack, 'add "Retro" tomorrow 3pm')
    path = re.search(r"/calendar/[A-Za-z0-9_-]+\.ics", _command(slack, "feed"))
    assert path is not None
    feed = requests.get(served.url + path.group(0), timeout=5)
    assert feed.status_code == 200 and b"SUMMARY:Retro" in feed.content
    assert requests.get(served.url + "/calendar/not-a-token.ics", timeout=5).status_code == 404
