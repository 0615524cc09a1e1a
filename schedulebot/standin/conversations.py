"""Who is in which conversation: users.conversations, conversations.members and conversations.info."""

from __future__ import annotations

from typing import Any

from schedulebot.standin.api import ApiError, ApiRequest
from schedulebot.standin.workspace import Workspace

# Slack's own default and ceiling for these paged methods ("a max of 999").
DEFAULT_LIMIT = 100
MAX_LIMIT = 999
KINDS = ("public_channel", "private_channel", "mpim", "im")


def channel_object(ws: Workspace, channel_id: str) -> dict[str, Any]:
    """A conversation the way Slack describes it (the fields the bot and most apps read)."""
    private = ws.is_private(channel_id)
    kind = channel_id[:1]
    name = ws.channel_name(channel_id)
    return {
        "id": channel_id,
        "name": name,
        "is_channel": kind == "C" and not private,
        "is_group": private and kind != "D",
        "is_im": kind == "D",
        "is_mpim": False,
        "is_private": private,
        "is_member": True,
        "is_archived": False,
        "is_general": name == "general",
    }


def _kind(ws: Workspace, channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "im"
    return "private_channel" if ws.is_private(channel_id) else "public_channel"


def _page(items: list[Any], req: ApiRequest) -> tuple[list[Any], str]:
    """One page of `items` and the next cursor ("" on the last page), as Slack pages its lists."""
    limit = req.integer("limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError("invalid_limit")
    cursor = str(req.get("cursor", "") or "")
    try:
        start = int(cursor.removeprefix("next:")) if cursor else 0
    except ValueError as exc:
        raise ApiError("invalid_cursor") from exc
    following = start + limit
    return items[start:following], f"next:{following}" if following < len(items) else ""


def users_conversations(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    user_id = str(req.get("user") or team.bot_user_id)
    wanted = {kind.strip() for kind in str(req.get("types", "public_channel")).split(",")}
    unknown = wanted - set(KINDS)
    if unknown:
        raise ApiError("invalid_types")
    found = [cid for cid in ws.conversations_of(user_id) if _kind(ws, cid) in wanted]
    page, cursor = _page(found, req)
    return {
        "ok": True,
        # Slack leaves is_member and num_members out of this method's objects.
        "channels": [{k: v for k, v in channel_object(ws, cid).items() if k != "is_member"} for cid in page],
        "response_metadata": {"next_cursor": cursor},
    }


def conversations_members(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    channel_id = req.require("channel", "channel_not_found")
    page, cursor = _page(ws.members(channel_id, team.id), req)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}


def conversations_info(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    channel_id = req.require("channel", "channel_not_found")
    channel = channel_object(ws, channel_id)
    if req.flag("include_num_members"):
        channel["num_members"] = len(ws.members(channel_id, team.id))
    return {"ok": True, "channel": channel}
