"""Who is who: auth.test, users.info, team.info and the OAuth code exchange."""

from __future__ import annotations

from typing import Any

from schedulebot.standin.api import ApiError, ApiRequest
from schedulebot.standin.workspace import DEFAULT_BOT_SCOPES, DEFAULT_TEAM_ID, Workspace

DEFAULT_INSTALLER = "U1"


def auth_test(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    return {
        "ok": True,
        "url": f"https://{team.domain}.slack.com/",
        "team": team.name,
        "user": "schedulebot",
        "team_id": team.id,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    user_id = req.require("user", "user_not_found")
    return {"ok": True, "user": ws.user(user_id, team.id).to_api()}


def team_info(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    team = req.authed()
    wanted = req.get("team")
    return {"ok": True, "team": (ws.team(str(wanted)) if wanted else team).to_api()}


def installation(
    ws: Workspace,
    *,
    team_id: str = DEFAULT_TEAM_ID,
    team_name: str | None = None,
    bot_token: str | None = None,
    installer_user_id: str = DEFAULT_INSTALLER,
    scope: str = DEFAULT_BOT_SCOPES,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
    rotating_lifetime: int | None = None,
) -> dict[str, Any]:
    """The oauth.v2.access answer for installing the app in `team_id`.

    Inside an Enterprise Grid org (`enterprise_id`), and org-wide with `is_enterprise_install` (then the answer
    names no team, as Slack's does). `rotating_lifetime` (seconds) issues an expiring token and a refresh token.
    """
    team = ws.team(team_id)
    if team_name:
        with ws.lock:
            team = ws.teams[team_id] = type(team)(team.id, team_name, team.domain, team.bot_user_id, team.bot_id)
    answer: dict[str, Any] = {
        "ok": True,
        "app_id": ws.app_id,
        "authed_user": {"id": installer_user_id},
        "scope": scope,
        "token_type": "bot",
        "access_token": bot_token or f"xoxb-standin-{team_id.lower()}",
        "bot_user_id": team.bot_user_id,
        "team": None if is_enterprise_install else {"id": team.id, "name": team.name},
        "enterprise": {"id": enterprise_id, "name": f"Org {enterprise_id}"} if enterprise_id else None,
        "is_enterprise_install": is_enterprise_install,
    }
    if rotating_lifetime is not None:
        with ws.lock:
            answer.update(ws.rotation.issue(team.id, ws.next_id("R"), lifetime=rotating_lifetime))
            ws.add_token(answer["access_token"], team.id)
    return answer


def oauth_v2_access(ws: Workspace, req: ApiRequest) -> dict[str, Any]:
    _check_client(ws, req)
    if req.get("grant_type") == "refresh_token":
        return _refresh(ws, req.require("refresh_token", "invalid_refresh_token"))
    code = req.require("code", "invalid_code")
    with ws.lock:
        answer = ws.oauth_codes.pop(code, None)
        if answer is None:
            # Codes are single-use in Slack; a replayed OAuth redirect must fail the same way here.
            if not ws.accept_any_oauth_code or code in ws.used_oauth_codes:
                raise ApiError("invalid_code")
            answer = installation(ws)
        ws.used_oauth_codes.add(code)
        ws.add_token(answer["access_token"], (answer["team"] or {}).get("id") or DEFAULT_TEAM_ID)
    return answer


def _refresh(ws: Workspace, refresh_token: str) -> dict[str, Any]:
    """grant_type=refresh_token: a new bot token and refresh token for the grant's team."""
    with ws.lock:
        grant = ws.rotation.redeem(refresh_token)
        if grant is None:
            raise ApiError("invalid_refresh_token")
        issued = ws.rotation.issue(grant.team_id, ws.next_id("R"))
        ws.add_token(issued["access_token"], grant.team_id)
        team = ws.team(grant.team_id)
    return {"ok": True, "app_id": ws.app_id, "token_type": "bot", "team": {"id": team.id}, **issued}


def _check_client(ws: Workspace, req: ApiRequest) -> None:
    client_id, client_secret = req.basic_auth or (req.get("client_id"), req.get("client_secret"))
    if ws.client_id is not None and client_id != ws.client_id:
        raise ApiError("invalid_client_id")
    if ws.client_secret is not None and client_secret != ws.client_secret:
        raise ApiError("bad_client_secret")
