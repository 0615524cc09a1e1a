"""Who sees what, and where a person may post: two people, a private channel, a guest and an admin.

ana is in the private #secret; bo is not, and is no admin; gus is a guest in #guests only; ada is an
admin in no channel. Everything goes through the real app with signed requests and the stand-in Slack.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from schedulebot.standin.payloads import conversations_select
from storage import repository
from storage.db import transaction
from tests.bot.conftest import Served, Slack, text_of, trigger_state

ANA, BO, GUS, ADA = "UANA", "UBO", "UGUS", "UADA"
SECRET, GUESTS, OPEN = "GSECRET", "CGUESTS", "C1"
NOWHERE = "There is no schedule #{} you can see"


@pytest.fixture
def people(standin: SlackStandIn) -> SlackStandIn:
    standin.set_user(ANA, name="ana")
    standin.set_user(BO, name="bo")
    standin.set_user(GUS, name="gus", is_restricted=True)
    standin.set_user(ADA, name="ada", is_admin=True)
    standin.set_members(SECRET, [ANA], name="secret", private=True)
    standin.set_members(GUESTS, [GUS, ANA], name="guests")
    return standin


@pytest.fixture
def anas(slack: Slack, people: SlackStandIn) -> Slack:
    """#1 in #secret, #2 a `me to` reminder, #3 in the open #c1, #4 in #guests: all ana's."""
    assert "Scheduled *#1*" in text_of(
        slack.command("to rotate the keys every friday at 4pm", user=ANA, channel=SECRET)
    )
    assert "Scheduled *#2*" in text_of(slack.command("me to call the doctor tomorrow at 9am", user=ANA))
    assert "Scheduled *#3*" in text_of(slack.command("to water the plants every day at 9am", user=ANA))
    assert "Scheduled *#4*" in text_of(slack.command("to say hello every monday at 9am", user=ANA, channel=GUESTS))
    return slack


def _sees(slack: Slack, user: str, words: str = "list all", channel: str = OPEN) -> str:
    return text_of(slack.command(words, user=user, channel=channel))


def test_a_non_member_sees_none_of_a_private_channels_or_anyones_dm_schedules(
    anas: Slack, db: sessionmaker[Session]
) -> None:
    listed = _sees(anas, BO)
    assert "water the plants" in listed
    assert "rotate the keys" not in listed and "call the doctor" not in listed
    assert "rotate the keys" not in _sees(anas, BO, f"list <#{SECRET}>")
    assert "call the doctor" not in _sees(anas, BO, "list mine")
    for number in (1, 2, 999):
        for words in (f"show {number}", f"history {number}", f"pause {number}", f"cancel {number}", f"run {number}"):
            shown = _sees(anas, BO, words)
            assert NOWHERE.format(number) in shown, words
            assert "ana" not in shown.lower() and "rotate" not in shown, words
    assert trigger_state(db, 1) == "active" and trigger_state(db, 2) == "active"


def test_not_found_and_not_visible_answer_word_for_word_the_same(anas: Slack) -> None:
    hidden, missing = _sees(anas, BO, "history 1"), _sees(anas, BO, "history 999")
    assert hidden.replace("#1", "#N") == missing.replace("#999", "#N")


def test_buttons_on_old_messages_refuse_someone_who_may_not_see_and_change_nothing(
    anas: Slack, db: sessionmaker[Session]
) -> None:
    for action in ("pause", "cancel", "run", "skip", "snooze"):
        reply = anas.press(f"schedulebot.{action}", "1", user=BO, channel=SECRET)
        assert reply is not None and NOWHERE.format(1) in text_of(reply), action
    assert trigger_state(db, 1) == "active"
    seen_not_changed = anas.press("schedulebot.pause", "3", user=BO)
    assert seen_not_changed is not None and "Only <@UANA>, who created #3" in text_of(seen_not_changed)
    assert trigger_state(db, 3) == "active"


def test_members_see_their_channels_schedules_and_the_creator_sees_all_of_hers(
    anas: Slack, people: SlackStandIn
) -> None:
    people.set_members(SECRET, [ANA, BO], name="secret", private=True)  # before bo's first look: nothing cached
    listed = _sees(anas, BO)
    assert "rotate the keys" in listed and "call the doctor" not in listed
    assert "created by <@UANA>" in _sees(anas, BO, "show 1")
    assert "Only <@UANA>, who created #1" in _sees(anas, BO, "pause 1")
    own = _sees(anas, ANA)
    assert all(words in own for words in ("rotate the keys", "call the doctor", "water the plants", "say hello"))


def test_a_guest_sees_only_their_own_and_their_channels(anas: Slack) -> None:
    listed = _sees(anas, GUS, channel=GUESTS)
    assert "say hello" in listed
    assert not any(words in listed for words in ("rotate the keys", "call the doctor", "water the plants"))
    assert NOWHERE.format(3) in _sees(anas, GUS, "show 3", channel=GUESTS)


def test_an_admin_sees_every_channels_schedules_but_no_ones_dm_reminders(
    anas: Slack, db: sessionmaker[Session]
) -> None:
    listed = _sees(anas, ADA)
    assert "rotate the keys" in listed and "water the plants" in listed and "say hello" in listed
    assert "call the doctor" not in listed
    assert NOWHERE.format(2) in _sees(anas, ADA, "show 2")
    assert NOWHERE.format(2) in _sees(anas, ADA, "cancel 2")
    assert trigger_state(db, 2) == "active"
    assert "Paused *#1*" in _sees(anas, ADA, "pause 1")


def test_history_with_the_typed_command_reaches_only_those_who_may_see(anas: Slack) -> None:
    assert "/schedule to rotate the keys every friday at 4pm" in _sees(anas, ANA, "history 1")
    assert "rotate the keys" in _sees(anas, ADA, "history 1")
    assert "rotate the keys" not in _sees(anas, BO, "history 1")


def test_leaving_a_channel_takes_its_schedules_out_of_sight_at_once(
    anas: Slack, people: SlackStandIn, served: Served
) -> None:
    people.join(SECRET, BO)
    assert "rotate the keys" in _sees(anas, BO)
    asked = len(people.calls("users.conversations"))
    people.leave(SECRET, BO)
    assert anas.sender.member_left_channel(BO, SECRET, private=True).status_code == 200
    memberships = served.bot.services.memberships
    _wait_until(lambda: SECRET not in (memberships.channels(None, team_id="T1", user_id=BO) or {SECRET}))
    assert "rotate the keys" not in _sees(anas, BO)
    assert len(people.calls("users.conversations")) == asked, "the event, not a fresh lookup, took it away"
    people.join(SECRET, BO)
    assert anas.sender.member_joined_channel(BO, SECRET, private=True).status_code == 200
    _wait_until(lambda: SECRET in (memberships.channels(None, team_id="T1", user_id=BO) or set()))
    assert "rotate the keys" in _sees(anas, BO)


def test_when_slack_cannot_be_asked_a_person_sees_only_their_own_and_is_told(anas: Slack, people: SlackStandIn) -> None:
    anas.command("me to stretch tomorrow at 10am", user=BO)
    people.faults(rate_500=1.0, methods=("users.conversations",))
    listed = _sees(anas, BO)
    assert "stretch" in listed and "water the plants" not in listed
    assert "could not ask Slack which channels you are in" in listed
    refused = _sees(anas, BO, "to water more every day at 10am")
    assert "could not ask Slack whether you are in <#C1>" in refused and "saved nothing" in refused


def test_people_post_only_where_they_are_members(anas: Slack, people: SlackStandIn, db: sessionmaker[Session]) -> None:
    refused = _sees(anas, BO, f"<#{SECRET}|secret> to leak the keys every day at 9am")
    assert f"You are not a member of <#{SECRET}>" in refused and "ask a workspace admin" in refused
    assert "Scheduled" in _sees(anas, BO, "me to breathe tomorrow at 9am")
    assert "Scheduled" in _sees(anas, ADA, f"<#{SECRET}|secret> to audit the keys every day at 9am")
    assert "You are not a member of <#C1>" in _sees(anas, GUS, "<#C1|c1> to spam every day at 9am", channel=GUESTS)
    assert anas.sender.app_mention(f"remind <#{SECRET}|secret> to leak every day at 9am", user=BO).status_code == 200
    people.wait_for(lambda calls: any(c.method == "chat.postEphemeral" and c.params.get("user") == BO for c in calls))
    (mention,) = [c for c in people.calls("chat.postEphemeral") if c.params.get("user") == BO]
    assert f"You are not a member of <#{SECRET}>" in text_of(mention)
    values = {
        "what": {"what_input": "leak"},
        "channel": {"channel_input": conversations_select(SECRET)},
        "when": {"when_input": "every day at 9am"},
    }
    answer = anas.sender.view_submission("schedulebot.new", values, user_id=BO).json()
    assert answer["response_action"] == "errors" and "not a member of that channel" in answer["errors"]["channel"]
    values["channel"] = {"channel_input": conversations_select(ANA)}  # someone else's id is no DM of bo's
    answer = anas.sender.view_submission("schedulebot.new", values, user_id=BO).json()
    assert answer["response_action"] == "errors" and "not a member of that channel" in answer["errors"]["channel"]
    with transaction(db) as session:
        texts = {t.payload["text"] for t in repository.list_triggers(session, team_id="T1")}
    assert not {"leak the keys", "leak", "spam"} & texts
    assert {"breathe", "audit the keys"} <= texts


def _wait_until(probe: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, "the event was not handled in time"
        time.sleep(0.02)
