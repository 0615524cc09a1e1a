"""respond() through the process's connection pool sends what Bolt's own respond() sends."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.models.blocks import SectionBlock

from bot.responses import ResponseUrls, build_message
from schedulebot.standin import SlackStandIn

MESSAGES: list[dict[str, Any]] = [
    {"text": "hi"},
    {"text": "hi", "response_type": "ephemeral", "replace_original": False},
    {"text": "", "blocks": [], "attachments": [], "delete_original": True},
    {"text": "hi", "blocks": [{"type": "divider"}], "attachments": [{"text": "a"}], "unfurl_links": False},
    {"text": "hi", "blocks": [SectionBlock(text="*b*")], "thread_ts": "1.2", "metadata": {"event_type": "x"}},
    {"text": "hi", "unfurl_media": True, "response_type": "in_channel"},
]


@pytest.mark.parametrize("arguments", MESSAGES)
def test_the_body_is_the_one_bolt_builds(arguments: dict[str, Any]) -> None:
    assert build_message(**arguments) == _build_message(**arguments)


def test_an_unknown_argument_is_refused_as_bolt_refuses_it() -> None:
    with pytest.raises(TypeError):
        build_message(text="hi", colour="red")


def test_replies_reach_the_response_url_one_after_another(slack_standin: SlackStandIn) -> None:
    replies = ResponseUrls()
    try:
        keys = [f"k{i}" for i in range(3)]
        for key in keys:
            answer = replies.post(slack_standin.response_url(key), {"text": key, "response_type": "ephemeral"})
            assert answer.status_code == 200
    finally:
        replies.close()
    received = {call.key: call.params for call in slack_standin.calls("response_url")}
    assert received == {key: {"text": key, "response_type": "ephemeral"} for key in keys}
