"""The bodies Slack sends to an app: slash commands, interactions and Events API envelopes.

Pure builders, shaped after Slack's reference payloads; `SignedSender` signs and sends them.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from schedulebot.standin.workspace import DEFAULT_APP_ID, Team

# The legacy verification token Slack still puts in every payload; Bolt ignores it.
DEFAULT_VERIFICATION_TOKEN = "standin-verification-token"


@dataclass(frozen=True)
class AppIdentity:
    api_app_id: str = DEFAULT_APP_ID
    verification_token: str = DEFAULT_VERIFICATION_TOKEN


def trigger_id() -> str:
    return f"{random.randrange(10**12, 10**13)}.{random.randrange(10**9, 10**10)}.{uuid.uuid4().hex}"


def message_ts() -> str:
    return f"{time.time():.6f}"


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": Team.named(team_id).domain}


def slash_command(
    app: AppIdentity,
    *,
    command: str,
    text: str,
    user_id: str,
    channel_id: str,
    channel_name: str,
    team_id: str,
    response_url: str,
    trigger: str,
) -> dict[str, str]:
    """Form fields, all strings, in the order Slack sends them."""
    return {
        "token": app.verification_token,
        "team_id": team_id,
        "team_domain": Team.named(team_id).domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": app.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }


# --- interactions -------------------------------------------------------------------------------


def button(action_id: str, value: str, *, block_id: str = "actions", text: str | None = None) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text or action_id, "emoji": True},
        "value": value,
        "action_ts": message_ts(),
    }


def home_view(team_id: str, *, view_id: str = "VHOME", blocks: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "home",
        "blocks": blocks or [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{time.time():.6f}.standin",
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_installed_team_id": team_id,
        "bot_id": Team.named(team_id).bot_id,
    }


def block_actions(
    app: AppIdentity,
    *,
    action: dict[str, Any],
    user_id: str,
    team_id: str,
    channel_id: str | None,
    message: dict[str, Any] | None,
    view: dict[str, Any] | None,
    container: dict[str, Any] | None,
    response_url: str | None,
    ephemeral: bool = False,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """From a message when `channel_id` is given (container type message), else from a view (App Home)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": app.api_app_id,
        "token": app.verification_token,
        "trigger_id": trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state or {}},
        "actions": [action],
    }
    if channel_id is not None:
        ts = (message or {}).get("ts") or message_ts()
        payload["container"] = container or {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        if not ephemeral:  # Slack leaves the message out when it was ephemeral
            bot = Team.named(team_id)
            default = {"type": "message", "user": bot.bot_user_id, "bot_id": bot.bot_id, "text": "", "ts": ts}
            payload["message"] = message or default
    else:
        shown = view or home_view(team_id)
        payload["view"] = shown
        payload["container"] = container or {"type": "view", "view_id": shown["id"]}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(
    app: AppIdentity,
    *,
    callback_id: str,
    state: dict[str, Any],
    user_id: str,
    team_id: str,
    private_metadata: str,
    view_id: str,
    blocks: list[Any] | None = None,
) -> dict[str, Any]:
    bot = Team.named(team_id)
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "title": {"type": "plain_text", "text": "Schedule", "emoji": True},
        "submit": {"type": "plain_text", "text": "Save", "emoji": True},
        "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": state},
        "hash": f"{time.time():.6f}.standin",
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": app.api_app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": bot.bot_id,
    }
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": app.api_app_id,
        "token": app.verification_token,
        "trigger_id": trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


# View state values: block_id -> action_id -> one of these.


def plain_text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def conversations_select(channel_id: str | None) -> dict[str, Any]:
    return {"type": "conversations_select", "selected_conversation": channel_id}


def channels_select(channel_id: str | None) -> dict[str, Any]:
    return {"type": "channels_select", "selected_channel": channel_id}


def users_select(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def static_select(value: str | None, text: str | None = None) -> dict[str, Any]:
    if value is None:
        return {"type": "static_select", "selected_option": None}
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def datepicker(date: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": date}


def timepicker(time_of_day: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": time_of_day}


def state_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Accept {block: {action: "text" | element_state}}; a bare string is a plain_text_input."""
    return {
        block_id: {
            action_id: plain_text_input(v) if v is None or isinstance(v, str) else dict(v)
            for action_id, v in actions.items()
        }
        for block_id, actions in values.items()
    }


# --- events -------------------------------------------------------------------------------------


def event_callback(app: AppIdentity, *, event: dict[str, Any], team_id: str, event_id: str | None) -> dict[str, Any]:
    now = time.time()
    event = {"event_ts": f"{now:.6f}", **event}
    return {
        "token": app.verification_token,
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": app.api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": Team.named(team_id).bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-standin-{uuid.uuid4().hex[:16]}",
    }


def app_mention(*, text: str, user: str, channel: str, team_id: str) -> dict[str, Any]:
    bot = Team.named(team_id).bot_user_id
    if not text.startswith("<@"):
        text = f"<@{bot}> {text}"
    ts = message_ts()
    return {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "team": team_id}


def message_im(*, text: str, user: str, channel: str, team_id: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "client_msg_id": str(uuid.uuid4()),
        "user": user,
        "text": text,
        "ts": message_ts(),
        "channel": channel,
        "team": team_id,
    }


def app_home_opened(*, user: str, channel: str, view: dict[str, Any] | None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": channel, "tab": "home"}
    if view is not None:
        event["view"] = view
    return event


def member_channel(kind: str, *, user: str, channel: str, team_id: str, private: bool) -> dict[str, Any]:
    """member_joined_channel or member_left_channel, as Slack sends them."""
    event = {
        "type": kind,
        "user": user,
        "channel": channel,
        "channel_type": "G" if private else "C",
        "team": team_id,
        "event_ts": message_ts(),
    }
    if kind == "member_joined_channel":
        event["inviter"] = ""
    return event


def user_change(*, user: dict[str, Any]) -> dict[str, Any]:
    return {"type": "user_change", "user": user, "cache_ts": int(time.time())}


def url_verification(app: AppIdentity, challenge: str) -> dict[str, Any]:
    return {"token": app.verification_token, "challenge": challenge, "type": "url_verification"}
