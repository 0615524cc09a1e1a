"""Crashes the fuzz found, each pinned by the smallest request that showed it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from bot import envelope, modals
from bot.commands import changes
from schedulebot.standin import payloads
from schedulebot.standin.payloads import AppIdentity
from scheduling import ParseError, parse
from storage.events.display import ACTION_GOING
from tests.bot.conftest import Slack
from tests.bot.fuzz_judge import judge_reply

FORM = "application/x-www-form-urlencoded"
NOW = datetime(2026, 3, 6, 10, tzinfo=UTC)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_command_whose_words_say_payload_reaches_the_command(slack: Slack) -> None:
    """Bolt read any form body containing "payload" as an interaction with no fields: the command got a 404."""
    reply = slack.command("to check the payload every day at 9am")
    assert reply.text.startswith("Scheduled #1: check the payload"), reply.text


MALFORMED = {
    "payload is not JSON": "not json",
    "payload is a list": "[1, 2]",
    "user is a list": json.dumps({"type": "block_actions", "user": [1], "actions": [{"action_id": "x"}]}),
    "actions without action_id": json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": [{}]}),
    "actions empty": json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": []}),
    "action_id a number": json.dumps({"type": "block_actions", "actions": [{"action_id": 3, "block_id": "b"}]}),
    "view null": json.dumps({"type": "view_submission", "view": None, "user": {"id": "U1"}}),
    "callback_id a list": json.dumps({"type": "view_submission", "view": {"callback_id": []}}),
    "authorizations an object": json.dumps({"type": "block_actions", "authorizations": {"a": 1}}),
}


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_body_slack_would_never_send_gets_400_and_no_error(
    slack: Slack, payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = slack.sender.send(urlencode({"payload": payload}), FORM)
    assert response.status_code == 400, response.text
    assert response.text.startswith("invalid request: ")
    assert errors_logged(caplog) == []


def slack_bodies() -> dict[str, tuple[str, str | None]]:
    """What Slack really sends, as the stand-in builds it: none of it may be refused."""
    app = AppIdentity()
    press = payloads.block_actions(
        app, action=payloads.button("schedulebot.pause", "1"), user_id="U1", team_id="T1", channel_id="C1",
        message=None, view=None, container=None, response_url="https://hooks.slack.com/x",
    )  # fmt: skip
    home = payloads.block_actions(
        app, action=payloads.button("schedulebot.new", "new"), user_id="U1", team_id="T1", channel_id=None,
        message=None, view=None, container=None, response_url=None,
    )  # fmt: skip
    submit = payloads.view_submission(
        app, callback_id="schedulebot.new", state={}, user_id="U1", team_id="T1", private_metadata="", view_id="V1"
    )
    command = payloads.slash_command(
        app, command="/schedule", text="check the payload", user_id="U1", channel_id="C1", channel_name="general",
        team_id="T1", response_url="https://hooks.slack.com/x", trigger="1.2.3",
    )  # fmt: skip
    opened = payloads.app_home_opened(user="U1", channel="D1", view=None)
    event = payloads.event_callback(app, event=opened, team_id="T1", event_id=None)
    return {
        "button on a message": (urlencode({"payload": json.dumps(press)}), FORM),
        "button in App Home": (urlencode({"payload": json.dumps(home)}), FORM),
        "modal submission": (urlencode({"payload": json.dumps(submit)}), FORM),
        "slash command": (urlencode(command), FORM),
        "event": (json.dumps(event), "application/json"),
        "url verification": (json.dumps(payloads.url_verification(app, "c")), "application/json"),
    }


@pytest.mark.parametrize("body", slack_bodies().values(), ids=slack_bodies().keys())
def test_what_slack_sends_passes_the_envelope_check(body: tuple[str, str | None]) -> None:
    assert envelope.problem(*body) is None


def test_a_modal_whose_state_is_not_objects_gets_inline_errors(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    """read_submission expected every block in `view.state.values` to be an object, and raised on anything else."""
    state: dict[str, Any] = {modals.BLOCK_WHAT: "x", modals.BLOCK_CHANNEL: 3, modals.BLOCK_WHEN: None}
    response = slack.sender.view_submission(modals.CALLBACK_NEW, state=state)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {modals.BLOCK_WHAT, modals.BLOCK_CHANNEL, modals.BLOCK_WHEN}
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("when", ["➇llllllist moine", "𐩃x tomorrow at 16:45", "on ➇/3", "on 3/➇", "on 2026-➇1-01"])
def test_a_digit_that_is_not_ascii_is_a_word_the_parser_names(when: str) -> None:
    """The written-date fallback took str.isdigit() (true for '➇', '²', '𐩃') for "int() will read it"."""
    with pytest.raises(ParseError, match="I don't understand"):
        parse(when, now=NOW, tz="UTC")


def test_a_command_with_such_a_digit_gets_a_refusal(slack: Slack) -> None:
    reply = slack.command("➇llllllist moine")
    assert judge_reply(reply.text) is None, reply.text  # SORRY starts with ":warning: " too


@pytest.mark.parametrize("value", ["abc", "", "99999999999", "42"])
def test_an_rsvp_button_naming_no_event_is_refused_by_name(
    slack: Slack, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The RSVP listener took int() of the button's value and let a missing event escape as an error."""
    reply = slack.press(ACTION_GOING, value)
    assert reply is not None
    assert reply.text.startswith(":warning: That "), reply.text
    assert "/event list" in reply.text
    assert errors_logged(caplog) == []


def test_run_now_of_a_schedule_cancelled_meanwhile_is_refused_by_name(
    slack: Slack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """`run 5` checked that #5 was live, then another command cancelled it before the claim: NotRunnable escaped."""
    assert slack.command("to stretch every day at 3pm").text.startswith("Scheduled #1")
    assert slack.command("cancel 1").text.startswith(":no_entry_sign: Cancelled")
    monkeypatch.setattr(changes, "require_live", lambda *args: None)  # the check ran before the cancel
    reply = slack.command("run 1")
    assert reply.text.startswith(":warning: Schedule #1 is cancelled, so it cannot run."), reply.text
    assert errors_logged(caplog) == []
