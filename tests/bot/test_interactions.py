"""Buttons, App Home, the New schedule modal, mentions, DMs and user_change, all over real HTTP."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import quotas
from bot.errors import Conflict
from bot.listeners import views
from schedulebot.standin import SlackStandIn
from schedulebot.standin.payloads import conversations_select
from storage import repository
from storage.db import transaction
from tests.bot.conftest import Slack, text_of, trigger_state


def _home_text(standin: SlackStandIn, user: str = "U1") -> str:
    view = standin.home_view(user)
    assert view is not None, "no Home tab was published"
    return text_of_view(view)


def text_of_view(view: dict) -> str:
    from schedulebot.standin import Call

    return text_of(Call("views.publish", {"text": "", "blocks": view["blocks"]}))


def test_confirmation_buttons_pause_and_cancel(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command("to check the deploy every friday at 4pm")
    reply = slack.press("schedulebot.pause", "1", ephemeral=True)
    assert reply is not None and "Paused *#1*" in text_of(reply)
    assert reply.params["response_type"] == "ephemeral"
    assert trigger_state(db, 1) == "paused"
    slack.press("schedulebot.resume", "1")
    assert trigger_state(db, 1) == "active"
    slack.press("schedulebot.cancel", "1")
    assert trigger_state(db, 1) == "cancelled"
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        actions = [e.action for e in repository.list_audit(session, team_id="T1", target_id=trigger.id)]
        assert actions == ["cancel", "resume", "pause", "create"]


def test_worker_post_buttons_skip_pause_and_snooze(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command("to check the deploy every friday at 4pm")
    slack.command("to stretch tomorrow at 9am")
    assert "Skipping the run of *#1*" in text_of(slack.press("schedulebot.skip", "1"))  # type: ignore[arg-type]
    assert "Snoozed *#2*" in text_of(slack.press("schedulebot.snooze", "2"))  # type: ignore[arg-type]
    assert "Paused *#1*" in text_of(slack.press("schedulebot.pause", "1"))  # type: ignore[arg-type]
    assert "does not name a schedule" in text_of(slack.press("schedulebot.pause", "one"))  # type: ignore[arg-type]


def test_app_home_lists_the_users_schedules_with_buttons(slack: Slack, standin: SlackStandIn) -> None:
    slack.command("to check the deploy every friday at 4pm", channel="C9")
    slack.command("remind me to stretch tomorrow at 9am")
    slack.command("to not mine every day at 9am", user="U2")
    assert slack.sender.app_home_opened(user="U1").status_code == 200
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))
    shown = _home_text(standin)
    assert "Channel schedules you own" in shown and "check the deploy" in shown
    assert "Reminders for you" in shown and "stretch" in shown
    assert "not mine" not in shown
    assert "New schedule" in shown and "Pause" in shown and "Run now" in shown


def test_app_home_buttons_change_and_republish(slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]) -> None:
    slack.command("to check the deploy every friday at 4pm")
    slack.press("schedulebot.pause", "1", channel=None)
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))
    assert trigger_state(db, 1) == "paused"
    shown = _home_text(standin)
    assert "Paused *#1*" in shown and "Resume" in shown


def test_new_schedule_modal_opens_validates_inline_and_saves(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    slack.press("schedulebot.new", "new", channel=None)
    standin.wait_for(lambda calls: any(c.method == "views.open" for c in calls))
    values = {
        "what": {"what_input": "Water the <plants> & herbs"},
        "channel": {"channel_input": conversations_select("C4")},
        "when": {"when_input": "every blursday"},
    }
    bad = slack.sender.view_submission("schedulebot.new", values)
    assert bad.status_code == 200
    answer = bad.json()
    assert answer["response_action"] == "errors" and "when" in answer["errors"]
    with transaction(db) as session:
        assert repository.list_triggers(session, team_id="T1") == []
    empty = slack.sender.view_submission("schedulebot.new", {"what": {"what_input": ""}, "when": {"when_input": ""}})
    assert set(empty.json()["errors"]) == {"what", "channel", "when"}
    values["when"] = {"when_input": "every monday at 10am"}
    good = slack.sender.view_submission("schedulebot.new", values)
    assert good.status_code == 200 and not good.text
    standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    with transaction(db) as session:
        (trigger,) = repository.list_triggers(session, team_id="T1")
        assert trigger.channel_id == "C4" and trigger.payload["text"] == "Water the &lt;plants&gt; &amp; herbs"
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))


def test_mentions_and_dms_speak_the_same_words(slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]) -> None:
    assert slack.sender.app_mention("remind <#C8|ops> to check the deploy every friday at 4pm").status_code == 200
    standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    (reply,) = standin.calls("chat.postEphemeral")
    assert "Scheduled *#1*" in text_of(reply) and reply.params["user"] == "U1"
    assert slack.sender.message_im("list all").status_code == 200
    standin.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    (listing,) = standin.calls("chat.postMessage")
    assert listing.channel == "D1" and "check the deploy" in text_of(listing)
    with transaction(db) as session:
        assert repository.get_trigger(session, team_id="T1", number=1).channel_id == "C8"


def test_user_change_refreshes_the_cached_zone(slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]) -> None:
    slack.command("tz")
    assert slack.sender.user_change("U1", tz="Asia/Tokyo").status_code == 200
    slack.sender.user_change("U1", tz="Asia/Tokyo")  # Slack may send it twice
    for _ in range(50):
        with transaction(db) as session:
            row = repository.get_user_zone(session, team_id="T1", user_id="U1")
        if row is not None and row.zone == "Asia/Tokyo":
            break
        time.sleep(0.05)
    assert "Asia/Tokyo" in text_of(slack.command("tz"))


def test_a_limit_reached_between_the_form_check_and_the_save_is_told_not_logged(
    slack: Slack,
    standin: SlackStandIn,
    db: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The form is checked before Slack is answered and saved after: another save may take the last place between.

    The form is closed by then, so the refusal goes where the confirmation would, and nothing is logged as an error.
    """
    monkeypatch.setattr(views, "check_new", lambda *args, **kwargs: None)  # the check ran before the other save
    monkeypatch.setattr(quotas, "check_room", _full)
    values = {
        "what": {"what_input": "Water the plants"},
        "channel": {"channel_input": conversations_select("C4")},
        "when": {"when_input": "every monday at 10am"},
    }
    answer = slack.sender.view_submission("schedulebot.new", values)
    assert answer.status_code == 200 and not answer.text
    # The App Home is published last, after the refusal: waiting for it lets the listener return its connection.
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))
    (told,) = standin.calls("chat.postEphemeral")
    assert text_of(told).startswith(":warning: You already have 100 live schedules"), text_of(told)
    with transaction(db) as session:
        assert repository.list_triggers(session, team_id="T1") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def _full(*args: object, **kwargs: object) -> None:
    raise Conflict("You already have 100 live schedules, the limit per person", "/schedule list mine")
