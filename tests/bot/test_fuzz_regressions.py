"""Crashes the fuzz found, each pinned by the smallest request that showed it."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot import modals
from storage.events.display import ACTION_GOING
from tests.bot.conftest import Slack


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_modal_whose_state_is_not_objects_gets_inline_errors(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    """read_submission expected every block in `view.state.values` to be an object, and raised on anything else."""
    state: dict[str, Any] = {modals.BLOCK_WHAT: "x", modals.BLOCK_CHANNEL: 3, modals.BLOCK_WHEN: None}
    response = slack.sender.view_submission(modals.CALLBACK_NEW, state=state)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {modals.BLOCK_WHAT, modals.BLOCK_CHANNEL, modals.BLOCK_WHEN}
    assert errors_logged(caplog) == []


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
