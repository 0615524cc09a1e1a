"""chat.* and conversations.*: messages in channels, with their metadata."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any

from schedulebot.standin.api import ApiError, ApiRequest, RateLimited
from schedulebot.standin.workspace import Workspace, ts_key

# Slack's Tier 3, which chat.update is in: about 50 calls a minute per workspace.
UPDATE_LIMIT_PER_MINUTE = 50

DEFAULT_HISTORY_LIMIT = 100
MAX_HISTORY_LIMIT = 999


def _content(req: ApiRequest) -> dict[str, Any]:
    content: dict[str, Any] = {"text": str(req.get("text", ""))}
    for name in ("blocks", "attachments", "metadata"):
        value = req.structured(name)
        if value is not None:
            content[name] = value
    return content


def _channel(ws: Workspace, req: ApiRequest) -> str:
    channel = req.require("channel", "channel_not_found")
    if channel.startswith("#"):
        with ws.lock:
            named = [cid for cid, name in ws.channel_names.items() if name == channel[1:]]
        return named[0] if named else channel[1:]
    return channel


def post_message(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    channel = _channel(ws, req)
    content = _content(req)
    if not (content["text"] or content.get("blocks") or content.get("attachments")):
        raise ApiError("no_text")
    message: dict[str, Any] = {
        "type": "message",
        "user": team.bot_user_id,
        "bot_id": team.bot_id,
        "app_id": ws.app_id,
        "team": team.id,
        "ts": ws.next_ts(),
        **content,
    }
    if req.get("thread_ts"):
        message["thread_ts"] = str(req.get("thread_ts"))
    ws.add_message(channel, message)
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}


def post_ephemeral(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    req.authed()
    channel = _channel(ws, req)
    req.require("user", "user_not_in_channel")
    content = _content(req)
    if not (content["text"] or content.get("blocks") or content.get("attachments")):
        raise ApiError("no_text")
    return {"ok": True, "channel": channel, "message_ts": ws.next_ts()}


class MethodLimit:
    """At most `calls` calls in any `seconds`, per workspace: a sliding window, as Slack's tiers count."""

    def __init__(self, calls: int = UPDATE_LIMIT_PER_MINUTE, seconds: float = 60.0) -> None:
        if calls < 1 or seconds <= 0:
            raise ValueError("a method limit needs at least one call in a positive number of seconds")
        self.calls, self.seconds = calls, seconds
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, team_id: str) -> None:
        """Count one call, or raise RateLimited with the whole seconds until the window has room."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(team_id, deque())
            while recent and now - recent[0] >= self.seconds:
                recent.popleft()
            if len(recent) >= self.calls:
                raise RateLimited(max(1, math.ceil(self.seconds - (now - recent[0]))))
            recent.append(now)


def update(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    limit = ws.limits.get("chat.update")
    if isinstance(limit, MethodLimit):
        limit.take(team.id)
    channel = _channel(ws, req)
    ts = req.require("ts", "message_not_found")
    with ws.lock:
        message = ws.find_message(channel, ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.get("bot_id") != team.bot_id:
            raise ApiError("cant_update_message")
        content = {k: v for k, v in _content(req).items() if k != "text" or req.get("text") is not None}
        message.update(content)
        message["edited"] = {"user": team.bot_user_id, "ts": ws.next_ts()}
        snapshot = dict(message)
    return {"ok": True, "channel": channel, "ts": ts, "text": snapshot.get("text", ""), "message": snapshot}


def delete(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    req.authed()
    channel = _channel(ws, req)
    ts = req.require("ts", "message_not_found")
    if not ws.remove_message(channel, ts):
        raise ApiError("message_not_found")
    return {"ok": True, "channel": channel, "ts": ts}


def get_permalink(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    channel = _channel(ws, req)
    ts = req.require("message_ts", "message_not_found")
    if ws.find_message(channel, ts) is None:
        raise ApiError("message_not_found")
    link = f"https://{team.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return {"ok": True, "channel": channel, "permalink": link}


def history(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    req.authed()
    channel = _channel(ws, req)
    return {**_paged(_within(ws.history(channel), req), req), "pin_count": 0}


def replies(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    """A thread as Slack gives it: the parent first, then the replies oldest first, `oldest`/`latest` applying
    to the replies; continuation pages carry only replies."""
    req.authed()
    channel = _channel(ws, req)
    ts = req.require("ts", "thread_not_found")
    thread = ws.thread(channel, ts)
    if thread is None:
        raise ApiError("thread_not_found")
    parent, *rest = thread
    return _paged([_as_parent(parent, rest), *_within(rest, req)], req)


def _paged(messages: list[dict[str, Any]], req: ApiRequest) -> dict[str, Any]:
    """One page of `messages` (metadata only when asked for) with `has_more` and the next cursor."""
    limit = min(max(req.integer("limit", DEFAULT_HISTORY_LIMIT), 1), MAX_HISTORY_LIMIT)
    start = req.integer("cursor", 0)
    page = messages[start : start + limit]
    has_more = start + limit < len(messages)
    with_metadata = req.flag("include_all_metadata")
    return {
        "ok": True,
        "messages": [_visible(m, with_metadata) for m in page],
        "has_more": has_more,
        "response_metadata": {"next_cursor": str(start + limit) if has_more else ""},
    }


def _as_parent(parent: dict[str, Any], replies: list[dict[str, Any]]) -> dict[str, Any]:
    """A thread's parent carries its own ts as thread_ts and counts its replies."""
    if not replies:
        return parent
    return {**parent, "thread_ts": parent["ts"], "reply_count": len(replies), "latest_reply": replies[-1]["ts"]}


def _within(messages: list[dict[str, Any]], req: ApiRequest) -> list[dict[str, Any]]:
    oldest, latest, inclusive = ts_key(req.get("oldest")), ts_key(req.get("latest")), req.flag("inclusive")

    def keep(message: dict[str, Any]) -> bool:
        key = ts_key(message["ts"])
        assert key is not None
        after = oldest is None or key > oldest or (inclusive and key == oldest)
        before = latest is None or key < latest or (inclusive and key == latest)
        return after and before

    return [m for m in messages if keep(m)]


def _visible(message: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
    shown = dict(message)
    if not with_metadata:
        shown.pop("metadata", None)
    return shown
