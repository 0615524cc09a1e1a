"""views.*: App Home tabs and modals, kept so tests can look at what the app showed."""

from __future__ import annotations

import time
from typing import Any

from schedulebot.standin.api import ApiError, ApiRequest
from schedulebot.standin.workspace import Team, Workspace


def _view_from(req: ApiRequest) -> dict[str, Any]:
    view = req.structured("view")
    if not isinstance(view, dict) or "type" not in view:
        raise ApiError("invalid_arguments")
    return view


def _stored(ws: Workspace, team: Team, view: dict[str, Any], view_id: str, previous: str | None) -> dict[str, Any]:
    stored = {
        "id": view_id,
        "team_id": team.id,
        "type": view["type"],
        "title": view.get("title"),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": f"{time.time():.6f}.{ws.next_id('h')}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": view_id,
        "previous_view_id": previous,
        "app_id": ws.app_id,
        "app_installed_team_id": team.id,
        "bot_id": team.bot_id,
    }
    with ws.lock:
        ws.views[view_id] = stored
    return dict(stored)


def publish(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    user_id = req.require("user_id", "user_not_found")
    view = _view_from(req)
    if view["type"] != "home":
        raise ApiError("invalid_arguments")
    with ws.lock:
        view_id = ws.home_views.get(user_id) or ws.next_id("VHOME")
        _check_hash(ws.views.get(view_id), req)
        ws.home_views[user_id] = view_id
        return {"ok": True, "view": _stored(ws, team, view, view_id, None)}


def open_modal(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    req.require("trigger_id", "invalid_trigger_id")
    view = _view_from(req)
    return {"ok": True, "view": _stored(ws, team, view, ws.next_id("VMODAL"), None)}


def update(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    view = _view_from(req)
    with ws.lock:
        view_id = req.get("view_id") or _by_external_id(ws, req.get("external_id"))
        current = ws.views.get(str(view_id)) if view_id else None
        if current is None:
            raise ApiError("not_found")
        _check_hash(current, req)
        return {"ok": True, "view": _stored(ws, team, view, current["id"], current.get("previous_view_id"))}


def _by_external_id(ws: Workspace, external_id: Any) -> str | None:
    if not external_id:
        return None
    return next((vid for vid, v in ws.views.items() if v.get("external_id") == external_id), None)


def _check_hash(current: dict[str, Any] | None, req: ApiRequest) -> None:
    wanted = req.get("hash")
    if wanted is not None and current is not None and wanted != current["hash"]:
        raise ApiError("hash_conflict")
