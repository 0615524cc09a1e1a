"""What a Web API method handler receives and how it says no."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schedulebot.standin.workspace import Team, Workspace


class ApiError(Exception):
    """A Slack error answer: HTTP 200 with {"ok": false, "error": code}."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class RateLimited(ApiError):
    """Slack's answer to a method called more often than its tier allows: HTTP 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ApiRequest:
    method: str
    params: dict[str, Any]
    token: str | None
    # None only for methods that take no token (oauth.v2.access).
    team: Team | None
    basic_auth: tuple[str, str] | None = None

    def authed(self) -> Team:
        """The caller's team; every method but oauth.v2.access has one."""
        if self.team is None:
            raise ApiError("not_authed")
        return self.team

    def get(self, name: str, default: Any = None) -> Any:
        value = self.params.get(name)
        return default if value is None or value == "" else value

    def require(self, name: str, error: str) -> str:
        value = self.get(name)
        if value is None:
            raise ApiError(error)
        return str(value)

    def flag(self, name: str) -> bool:
        value = self.params.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes")
        return bool(value)

    def integer(self, name: str, default: int) -> int:
        value = self.get(name)
        try:
            return default if value is None else int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError("invalid_arguments") from exc

    def structured(self, name: str) -> Any:
        """A JSON field (blocks, metadata, view...): a dict/list in JSON bodies, a JSON string in forms."""
        value = self.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ApiError(f"invalid_{name}") from exc
        return value


Handler = Callable[[Workspace, ApiRequest], dict[str, Any]]
