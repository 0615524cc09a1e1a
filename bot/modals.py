"""The "New schedule" modal: message, channel and when, validated inline before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks import Block

CALLBACK_NEW = "schedulebot.new"
BLOCK_WHAT, BLOCK_CHANNEL, BLOCK_WHEN = "what", "channel", "when"
ACTION_WHAT, ACTION_CHANNEL, ACTION_WHEN = "what_input", "channel_input", "when_input"
MAX_WHAT_INPUT = 3000
MAX_WHEN_INPUT = 500


@dataclass(frozen=True)
class Submission:
    what: str
    channel_id: str
    when: str


def new_schedule_view() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CALLBACK_NEW,
        "title": {"type": "plain_text", "text": "New schedule"},
        "submit": {"type": "plain_text", "text": "Schedule"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(BLOCK_WHAT, "Message", _text(ACTION_WHAT, "Check the deploy dashboard", MAX_WHAT_INPUT, True)),
            _input(BLOCK_CHANNEL, "Post in", _channel_picker()),
            _input(
                BLOCK_WHEN,
                "When",
                _text(ACTION_WHEN, "every friday at 4pm", MAX_WHEN_INPUT, False),
                hint="Like `in 20 minutes`, `tomorrow at 9am`, `every weekday at 9:30`, `every other monday`.",
            ),
        ],
    }


def _input(block_id: str, label: str, element: Block, *, hint: str | None = None) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _text(action_id: str, placeholder: str, max_length: int, multiline: bool) -> Block:
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
        "placeholder": {"type": "plain_text", "text": placeholder},
    }


def _channel_picker() -> Block:
    return {
        "type": "conversations_select",
        "action_id": ACTION_CHANNEL,
        "default_to_current_conversation": True,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": {"type": "plain_text", "text": "Pick a channel"},
    }


def too_long(typed: str, posted: str, limit: int) -> str | None:
    """The message field's error when what would be posted (with `<`, `>`, `&` written out as Slack needs
    them, each several characters) is over `limit`; counted on the posted text, so nothing is cut later."""
    if len(posted) <= limit:
        return None
    if len(posted) == len(typed):
        return f"That is {len(posted):,} characters; I can post up to {limit:,}."
    return (
        f"That is {len(posted):,} characters as posted (each <, > and & takes several); "
        f"I can post up to {limit:,}, so take out {len(posted) - limit:,}."
    )


def read_submission(view: dict[str, Any]) -> Submission:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    values = values if isinstance(values, dict) else {}
    return Submission(
        what=_value(values, BLOCK_WHAT, ACTION_WHAT, "value"),
        channel_id=_value(values, BLOCK_CHANNEL, ACTION_CHANNEL, "selected_conversation")
        or _value(values, BLOCK_CHANNEL, ACTION_CHANNEL, "selected_channel"),
        when=_value(values, BLOCK_WHEN, ACTION_WHEN, "value"),
    )


def _value(values: dict[str, Any], block_id: str, action_id: str, key: str) -> str:
    block = values.get(block_id)
    element = block.get(action_id) if isinstance(block, dict) else None
    value = element.get(key) if isinstance(element, dict) else None
    return value.strip() if isinstance(value, str) else ""
