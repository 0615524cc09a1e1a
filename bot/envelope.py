"""The outer shape of a signed request, read before Bolt reads it.

Slack always sends JSON objects whose `user`, `team`, `view`, `actions` … have the documented types. A body
that does not (a bug in a proxy, a replayed or hand-made request) made Bolt raise before any listener ran:
an error in the log and an apology to nobody. `problem()` names what is wrong so the web process answers 400.

`slack_request()` is the BoltRequest for a body, read by its fields: Bolt takes any form body that merely
contains the word "payload" for an interaction and finds no fields in it, so `/schedule check the payload
every day at 9am` reached no listener and Slack showed the person an error.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltContext, BoltRequest
from slack_bolt.request.internals import build_context

# Fields Bolt reads as an object (or a plain id) wherever they appear.
OBJECT_OR_ID = ("user", "team", "enterprise", "channel")
OBJECTS = ("container", "message", "previous_message", "event", "item", "assistant_thread", "function_data")


def problem(body: str, content_type: str | None) -> str | None:
    """None when Bolt can read `body` as Slack sends it; else what is wrong with it."""
    try:
        parsed = _parse(body, content_type)
    except ValueError:
        return "the body is not the JSON Slack sends"
    if not isinstance(parsed, dict):
        return "the payload is not a JSON object"
    return _fields(parsed) or _interaction(parsed)


def slack_request(body: str, *, headers: dict[str, Any], query: str = "") -> BoltRequest:
    request = BoltRequest(body=body, query=query, headers=headers)
    if request.body or not body or request.content_type == "application/json" or body.startswith("{"):
        return request
    fields = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" not in fields:  # a slash command whose words say "payload": read its fields after all
        request.body = fields
        request.context = build_context(BoltContext(), fields)
    return request


def _parse(body: str, content_type: str | None) -> Any:
    """As slack_bolt.request.internals.parse_body reads it."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return json.loads(body)
    fields = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in body and "payload" in fields:
        return json.loads(fields["payload"])
    return fields


def _fields(payload: dict[str, Any]) -> str | None:
    if not isinstance(payload.get("type", ""), str):
        return "`type` is not a string"
    for name in OBJECT_OR_ID:
        if not isinstance(payload.get(name), dict | str | None):
            return f"`{name}` is neither an object nor an id"
    for name in OBJECTS:
        if not isinstance(payload.get(name), dict | None):
            return f"`{name}` is not an object"
    if "view" in payload and not isinstance(payload["view"], dict):
        return "`view` is not an object"
    authorizations = payload.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "`authorizations` is not a list of objects"
    return None


def _interaction(payload: dict[str, Any]) -> str | None:
    kind = payload.get("type")
    if kind == "block_actions" and "actions" in payload:
        actions = payload["actions"]
        if not (isinstance(actions, list) and actions and all(_is_action(a) for a in actions)):
            return "`actions` is not a list of actions with an action_id"
    view = payload.get("view")
    if (
        kind in ("view_submission", "view_closed")
        and isinstance(view, dict)
        and not isinstance(view.get("callback_id", ""), str)
    ):
        return "`view.callback_id` is not a string"
    return None


def _is_action(action: Any) -> bool:
    return (
        isinstance(action, dict)
        and isinstance(action.get("action_id"), str)
        and isinstance(action.get("block_id", ""), str | None)
    )
