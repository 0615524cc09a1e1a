"""One Web API call from request to record: authenticate, maybe inject a fault, run, record, reply."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from schedulebot.standin.api import ApiError, ApiRequest, RateLimited
from schedulebot.standin.faults import MISSING_SCOPE, RATE_KINDS, Fault, FaultInjector
from schedulebot.standin.methods import METHODS, TOKENLESS_METHODS
from schedulebot.standin.records import RESPONSE_URL_METHOD, Call, CallLog
from schedulebot.standin.workspace import DEFAULT_TEAM_ID, Team, Workspace


@dataclass(frozen=True)
class Reply:
    """What the HTTP layer writes back, after waiting `delay` seconds (a timeout fault)."""

    status: int
    body: dict[str, Any] | list[Any] | str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class ResponseUrlContext:
    channel: str | None = None
    user: str | None = None
    team_id: str = DEFAULT_TEAM_ID


class Dispatcher:
    def __init__(self, workspace: Workspace, log: CallLog, faults: FaultInjector) -> None:
        self.workspace = workspace
        self.log = log
        self.faults = faults
        self._contexts: dict[str, ResponseUrlContext] = {}
        self._lock = threading.Lock()

    def api(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        basic_auth: tuple[str, str] | None = None,
    ) -> Reply:
        channel = _channel_of(params)
        handler = METHODS.get(method)
        if handler is None:
            return self._refuse(method, params, token, channel, "unknown_method")
        team = None
        if method not in TOKENLESS_METHODS:
            with self.workspace.lock:
                expired = self.workspace.rotation.expired(token)
            if expired:
                return self._refuse(method, params, token, channel, "token_expired")
            team = self.workspace.authenticate(token)
            if team is None:
                return self._refuse(method, params, token, channel, "invalid_auth" if token else "not_authed")
        fault = self.faults.decide(method, channel, team.id if team else None)
        if fault is not None and not (fault.kind == "timeout" and fault.deliver):
            return self._injected(fault, Call(method, params, token, team.id if team else None, channel=channel))
        try:
            result = handler(self.workspace, ApiRequest(method, params, token, team, basic_auth))
        except RateLimited as exc:
            refused = Call(method, params, token, team.id if team else None, status=429, ok=False, error=exc.error)
            self.log.append(_with(refused, channel=channel, delivered=False))
            return Reply(429, {"ok": False, "error": exc.error}, {"Retry-After": str(exc.retry_after)})
        except ApiError as exc:
            return self._refuse(method, params, token, channel, exc.error, team)
        return self._delivered(method, params, token, team, result, fault)

    def _delivered(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        team: Team | None,
        result: dict[str, Any],
        fault: Fault | None,
    ) -> Reply:
        call = Call(
            method,
            params,
            token,
            team.id if team else _oauth_team(result),
            ts=result.get("ts") or result.get("message_ts"),
            channel=result.get("channel") if isinstance(result.get("channel"), str) else _channel_of(params),
            fault=fault.kind if fault else None,
        )
        self.log.append(call)
        return Reply(200, result, delay=fault.timeout_seconds if fault else 0.0)

    def _refuse(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        channel: str | None,
        error: str,
        team: Team | None = None,
    ) -> Reply:
        call = Call(
            method, params, token, team.id if team else None, ok=False, error=error, channel=channel, delivered=False
        )
        self.log.append(call)
        return Reply(200, {"ok": False, "error": error})

    def _injected(self, fault: Fault, call: Call) -> Reply:
        if fault.kind in RATE_KINDS:
            body: dict[str, Any] = {"ok": False, "error": "ratelimited"}
            reply = Reply(429, body, {"Retry-After": str(fault.retry_after)})
        elif fault.kind == "500":
            reply = Reply(500, {"ok": False, "error": "internal_error"})
        elif fault.kind == MISSING_SCOPE:  # Slack answers 200 and names no scope the caller could fix at run time
            reply = Reply(200, {"ok": False, "error": MISSING_SCOPE})
        else:  # a timeout that Slack never acted on
            reply = Reply(504, {"ok": False, "error": "request_timeout"}, delay=fault.timeout_seconds)
        error = str(reply.body["error"]) if isinstance(reply.body, dict) else None
        self.log.append(_with(call, status=reply.status, ok=False, error=error, fault=fault.kind, delivered=False))
        return reply

    # --- response_url ---------------------------------------------------------------------------

    def remember_response_url(self, key: str, context: ResponseUrlContext) -> None:
        with self._lock:
            self._contexts[key] = context

    def response_url(self, key: str, body: dict[str, Any]) -> Reply:
        with self._lock:
            context = self._contexts.get(key, ResponseUrlContext())
        fault = self.faults.decide(RESPONSE_URL_METHOD, context.channel)
        base = Call(RESPONSE_URL_METHOD, body, channel=context.channel, key=key)
        if fault is not None and not (fault.kind == "timeout" and fault.deliver):
            return self._injected(fault, base)
        ts = self._post_in_channel(context, body)
        self.log.append(_with(base, ts=ts, fault=fault.kind if fault else None))
        return Reply(200, "ok", delay=fault.timeout_seconds if fault else 0.0)

    def _post_in_channel(self, context: ResponseUrlContext, body: dict[str, Any]) -> str | None:
        """An in_channel response becomes a channel message, as it does in Slack."""
        if body.get("response_type") != "in_channel" or not context.channel:
            return None
        team = self.workspace.team(context.team_id)
        ts = self.workspace.next_ts()
        message = {"type": "message", "user": team.bot_user_id, "bot_id": team.bot_id, "ts": ts}
        message.update({k: body[k] for k in ("text", "blocks", "attachments") if k in body})
        self.workspace.add_message(context.channel, message)
        return ts


def _with(call: Call, **changes: Any) -> Call:
    return Call(**{**call.to_dict(), **changes})


def _channel_of(params: dict[str, Any]) -> str | None:
    value = params.get("channel") or params.get("channel_id")
    return value if isinstance(value, str) and value else None


def _oauth_team(result: dict[str, Any]) -> str | None:
    team = result.get("team")
    return team.get("id") if isinstance(team, dict) else None
