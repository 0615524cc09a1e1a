"""The control API under /_standin/: drive and read a stand-in that runs in another process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from schedulebot.standin.dispatch import Dispatcher, Reply
from schedulebot.standin.faults import FaultPlan
from schedulebot.standin.records import Call

# Long enough for a loaded machine, short enough that a hung stand-in fails a test quickly.
DEFAULT_CONTROL_TIMEOUT = 10.0
# Upper bound on a single long-poll wait, so a request never outlives its client by much.
MAX_WAIT_SECONDS = 120.0


class ControlApi:
    """Server side: GET calls|posts|faults|limited|history|health|wait,
    POST faults|unreachable|reset|users|channels|members."""

    def __init__(self, dispatcher: Dispatcher, reset: Callable[[], None], api_url: Callable[[], str]) -> None:
        self._dispatcher = dispatcher
        self._reset = reset
        self._api_url = api_url

    def handle(self, command: str, path: str, params: dict[str, Any]) -> Reply:
        route = self._routes().get((command, path.strip("/")))
        if route is None:
            return Reply(404, {"ok": False, "error": "not_found"})
        try:
            return route(params)
        except (TypeError, ValueError) as exc:
            return Reply(400, {"ok": False, "error": "invalid_arguments", "detail": str(exc)})

    def _routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Reply]]:
        return {
            ("GET", "health"): lambda p: Reply(200, {"ok": True, "api_url": self._api_url()}),
            ("GET", "calls"): self._calls,
            ("GET", "posts"): self._posts,
            ("GET", "wait"): self._wait,
            ("GET", "history"): self._history,
            ("GET", "faults"): lambda p: Reply(200, self._dispatcher.faults.plan.to_dict()),
            ("GET", "limited"): lambda p: Reply(200, self._dispatcher.faults.rate_limited()),
            ("POST", "faults"): self._set_faults,
            ("POST", "unreachable"): self._set_unreachable,
            ("POST", "reset"): self._reset_all,
            ("POST", "users"): self._set_user,
            ("POST", "channels"): self._set_channel,
            ("POST", "members"): self._set_members,
        }

    def _calls(self, params: dict[str, Any]) -> Reply:
        calls = self._dispatcher.log.calls(params.get("method") or None)
        channel = params.get("channel")
        return Reply(200, [c.to_dict() for c in calls if not channel or c.channel == channel])

    def _posts(self, params: dict[str, Any]) -> Reply:
        return Reply(200, [c.to_dict() for c in self._dispatcher.log.posts(params.get("channel") or None)])

    def _wait(self, params: dict[str, Any]) -> Reply:
        timeout = min(float(params.get("timeout", 5)), MAX_WAIT_SECONDS)
        try:
            posts = self._dispatcher.log.wait_for_posts(int(params["posts"]), timeout, params.get("channel") or None)
        except TimeoutError as exc:
            return Reply(408, {"ok": False, "error": "timeout", "detail": str(exc)})
        return Reply(200, [c.to_dict() for c in posts])

    def _history(self, params: dict[str, Any]) -> Reply:
        return Reply(200, self._dispatcher.workspace.history(str(params["channel"])))

    def _set_faults(self, params: dict[str, Any]) -> Reply:
        plan = FaultPlan.from_dict(params)
        self._dispatcher.faults.configure(plan)
        return Reply(200, plan.to_dict())

    def _set_unreachable(self, params: dict[str, Any]) -> Reply:
        """{"on": true}: the Web API refuses every connection (this control API too) until it is set off."""
        self._dispatcher.faults.set_unreachable(bool(params.get("on")))
        return Reply(200, {"ok": True, "unreachable": self._dispatcher.faults.unreachable})

    def _reset_all(self, params: dict[str, Any]) -> Reply:
        self._reset()
        return Reply(200, {"ok": True})

    def _set_user(self, params: dict[str, Any]) -> Reply:
        attrs = {k: v for k, v in params.items() if k != "id"}
        return Reply(200, self._dispatcher.workspace.set_user(str(params["id"]), **attrs).to_api())

    def _set_channel(self, params: dict[str, Any]) -> Reply:
        self._dispatcher.workspace.set_channel(str(params["id"]), str(params["name"]))
        return Reply(200, {"ok": True})

    def _set_members(self, params: dict[str, Any]) -> Reply:
        members = params["members"]
        if not isinstance(members, list):
            raise ValueError("members: a list of user ids")
        name = params.get("name")
        self._dispatcher.workspace.set_members(
            str(params["id"]),
            [str(m) for m in members],
            name=str(name) if name else None,
            private=bool(params.get("private")),
        )
        return Reply(200, {"ok": True})


class StandInControl:
    """Client side, for a process that did not start the stand-in (chaos workers, the console)."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_CONTROL_TIMEOUT) -> None:
        root = url.rstrip("/")
        for suffix in ("/api", "/_standin"):
            root = root.removesuffix(suffix)
        self.base_url = root
        self.timeout = timeout
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def health(self) -> dict[str, Any]:
        return self._get("health")

    def calls(self, method: str | None = None, channel: str | None = None) -> list[Call]:
        return [Call.from_dict(c) for c in self._get("calls", method=method, channel=channel)]

    def posts(self, channel: str | None = None) -> list[Call]:
        return [Call.from_dict(c) for c in self._get("posts", channel=channel)]

    def wait_for_posts(self, n: int, timeout: float, channel: str | None = None) -> list[Call]:
        query: dict[str, str | int | float] = {"posts": n, "timeout": timeout}
        if channel:
            query["channel"] = channel
        response = self._session.get(
            f"{self.base_url}/_standin/wait",
            params=query,
            timeout=timeout + self.timeout,
        )
        if response.status_code == 408:
            raise TimeoutError(response.json().get("detail", "timed out waiting for posts"))
        response.raise_for_status()
        return [Call.from_dict(c) for c in response.json()]

    def history(self, channel: str) -> list[dict[str, Any]]:
        return self._get("history", channel=channel)

    def faults(self, **options: Any) -> FaultPlan:
        return FaultPlan.from_dict(self._post("faults", FaultPlan(**options).to_dict()))

    def rate_limited(self) -> dict[str, int]:
        """429s sent since the fault plan was set, by kind."""
        return {str(k): int(v) for k, v in self._get("limited").items()}

    def reset(self) -> None:
        self._post("reset", {})

    def unreachable(self, on: bool) -> None:
        """Refuse every connection; once on, only the process that runs the stand-in can turn it off."""
        self._post("unreachable", {"on": on})

    def set_user(self, user_id: str, **attrs: Any) -> dict[str, Any]:
        return self._post("users", {"id": user_id, **attrs})

    def set_channel(self, channel_id: str, name: str) -> None:
        self._post("channels", {"id": channel_id, "name": name})

    def set_members(
        self, channel_id: str, members: list[str], *, name: str | None = None, private: bool = False
    ) -> None:
        self._post("members", {"id": channel_id, "members": members, "name": name, "private": private})

    def _get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = self._session.get(f"{self.base_url}/_standin/{path}", params=query, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = self._session.post(f"{self.base_url}/_standin/{path}", json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()
