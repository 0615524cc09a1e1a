"""Mentions are answered first and worked on after; Slack's retries of a received event do nothing."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage.db import transaction
from storage.models import Trigger
from tests.bot.conftest import Slack

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def _triggers(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(Trigger)) or 0)


def _ephemerals(standin: SlackStandIn) -> int:
    return sum(1 for c in standin.calls() if c.method == "chat.postEphemeral")


def _ignored(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.getMessage().startswith("ignored a redelivered"))


def test_a_retried_event_mention_creates_nothing(
    slack: Slack, standin: SlackStandIn, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    text = '<@UBOT> event add "Retro" tomorrow 3pm'
    assert slack.sender.app_mention(text, headers={"X-Slack-Retry-Num": "1"}).status_code == 200
    assert slack.sender.app_mention(text, headers=RETRY).status_code == 200
    assert slack.sender.app_mention("<@UBOT> event list").status_code == 200  # a fresh one is still answered
    standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    # Decided on the request's own thread, before the 200: nothing was handed to the listener threads.
    assert _ignored(caplog) == 2
    assert _ephemerals(standin) == 1 and _triggers(sessions) == 0


def test_a_retried_schedule_mention_or_dm_creates_nothing(
    slack: Slack, standin: SlackStandIn, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert slack.sender.app_mention("to check the deploy every friday at 4pm", headers=RETRY).status_code == 200
    assert slack.sender.message_im("to stretch tomorrow at 9am", headers=RETRY).status_code == 200
    assert _ignored(caplog) == 2  # decided before the 200: no work was handed on
    assert _triggers(sessions) == 0 and _ephemerals(standin) == 0


def test_a_retry_of_a_delivery_that_never_arrived_is_handled(
    slack: Slack, standin: SlackStandIn, sessions: sessionmaker[Session]
) -> None:
    headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "connection_failed"}
    assert slack.sender.app_mention("to check the deploy every friday at 4pm", headers=headers).status_code == 200
    standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    assert _triggers(sessions) == 1
