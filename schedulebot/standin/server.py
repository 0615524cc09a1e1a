"""SlackStandIn: a local HTTP server that speaks the Slack Web API, records every call and fails on demand."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from schedulebot.standin import directory
from schedulebot.standin.chat import MethodLimit
from schedulebot.standin.control import ControlApi
from schedulebot.standin.dispatch import Dispatcher, ResponseUrlContext
from schedulebot.standin.faults import FaultInjector, FaultPlan
from schedulebot.standin.handler import StandInHTTPServer
from schedulebot.standin.records import Call, CallListener, CallLog, CallPredicate
from schedulebot.standin.workspace import DEFAULT_APP_ID, DEFAULT_TEAM_ID, User, Workspace

DEFAULT_HOST = "127.0.0.1"
# How often serve_forever looks for a shutdown request; small so stop() is quick in tests.
POLL_INTERVAL = 0.05


class SlackStandIn:
    """Start it, point slack_sdk at `.api_url`, then read `.calls()` / `.posts()`."""

    def __init__(
        self,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        valid_tokens: Iterable[str] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        accept_any_oauth_code: bool = True,
        app_id: str = DEFAULT_APP_ID,
    ) -> None:
        self._address = (host, port)
        self.workspace = Workspace(
            valid_tokens=set(valid_tokens) if valid_tokens is not None else None,
            accept_any_oauth_code=accept_any_oauth_code,
            client_id=client_id,
            client_secret=client_secret,
            app_id=app_id,
        )
        self.log = CallLog()
        self._faults = FaultInjector()
        self._dispatcher = Dispatcher(self.workspace, self.log, self._faults)
        self._server: StandInHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._server is not None:
            return self
        control = ControlApi(self._dispatcher, self.reset, lambda: self.api_url)
        self._server = StandInHTTPServer(self._address, self._dispatcher, control)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"slack-standin-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, with its trailing slash, as WebClient(base_url=...) wants it."""
        return f"{self.base_url}/api/"

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should talk to this stand-in."""
        return {"SLACK_API_URL": self.api_url}

    def response_url(
        self,
        key: str | None = None,
        *,
        channel: str | None = None,
        user: str | None = None,
        team_id: str = DEFAULT_TEAM_ID,
    ) -> str:
        """A response_url on this server; POSTs to it are recorded as method "response_url"."""
        key = key or uuid.uuid4().hex
        self._dispatcher.remember_response_url(key, ResponseUrlContext(channel, user, team_id))
        return f"{self.base_url}/response/{key}"

    # --- the record -----------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        return self.log.calls(method)

    def posts(self, channel: str | None = None) -> list[Call]:
        """Delivered chat.postMessage calls, oldest first."""
        return self.log.posts(channel)

    def on_call(self, callback: CallListener) -> Callable[[], None]:
        """Notify `callback(call)` of each successful call; returns an unsubscribe function."""
        return self.log.on_call(callback)

    def wait_for(self, predicate: CallPredicate, timeout: float = 5.0) -> list[Call]:
        return self.log.wait_for(predicate, timeout)

    def wait_for_posts(self, n: int, timeout: float = 5.0, channel: str | None = None) -> list[Call]:
        return self.log.wait_for_posts(n, timeout, channel)

    def clear(self) -> None:
        """Forget recorded calls, messages and views (users, channels, tokens and faults stay)."""
        self.log.clear()
        self.workspace.clear()

    def reset(self) -> None:
        """clear(), and no more faults."""
        self.clear()
        self._faults.configure(FaultPlan())

    # --- faults ---------------------------------------------------------------------------------

    def faults(self, **options: Any) -> FaultPlan:
        """Replace the fault plan: faults(rate_429=0.1, retry_after=1, rate_500=0.05, seed=7, ...)."""
        plan = FaultPlan.from_dict(options)
        self._faults.configure(plan)
        return plan

    def unreachable(self, on: bool = True) -> None:
        """Slack cannot be reached: every connection is closed unanswered until `unreachable(False)`."""
        self._faults.set_unreachable(on)

    @property
    def refused(self) -> int:
        """How many connections or requests were closed unanswered while Slack was unreachable."""
        return self._faults.refused

    def rate_limited(self) -> dict[str, int]:
        """429s sent since the fault plan was set, by kind: "429" (injected), "channel_rate", "workspace_rate"."""
        return self._faults.rate_limited()

    @property
    def fault_plan(self) -> FaultPlan:
        return self._faults.plan

    def limit(self, method: str, calls: int, seconds: float = 60.0) -> None:
        """Rate-limit `method` per workspace as Slack's tiers do (only chat.update counts its calls so far)."""
        self.workspace.limits[method] = MethodLimit(calls, seconds)

    # --- the workspace --------------------------------------------------------------------------

    def set_user(self, user_id: str, **attrs: Any) -> User:
        """Set users.info fields: tz, is_admin, is_owner, name, team_id, is_bot."""
        return self.workspace.set_user(user_id, **attrs)

    def set_channel(self, channel_id: str, name: str) -> None:
        self.workspace.set_channel(channel_id, name)

    def set_members(
        self, channel_id: str, members: list[str], *, name: str | None = None, private: bool = False
    ) -> None:
        """Give a channel its own member list; `private` makes it a private channel."""
        self.workspace.set_members(channel_id, members, name=name, private=private)

    def join(self, channel_id: str, user_id: str) -> None:
        """`user_id` joins the channel (send member_joined_channel with SignedSender to tell the app)."""
        self.workspace.join(channel_id, user_id)

    def leave(self, channel_id: str, user_id: str) -> None:
        """`user_id` leaves the channel (send member_left_channel with SignedSender to tell the app)."""
        self.workspace.leave(channel_id, user_id)

    def add_token(self, token: str, team_id: str = DEFAULT_TEAM_ID) -> None:
        """Accept `token` as the bot token of `team_id` (auth.test and records report that team)."""
        self.workspace.add_token(token, team_id)

    def add_oauth_code(self, code: str, **installation: Any) -> dict[str, Any]:
        """Make oauth.v2.access answer `code` with an install of installation["team_id"]; returns that answer."""
        answer = directory.installation(self.workspace, **installation)
        with self.workspace.lock:
            self.workspace.oauth_codes[code] = answer
        return answer

    def history(self, channel: str) -> list[dict[str, Any]]:
        """The channel's top-level messages, newest first, with their metadata."""
        return self.workspace.history(channel)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            view_id = self.workspace.home_views.get(user_id)
            return dict(self.workspace.views[view_id]) if view_id else None

    def views(self) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return [dict(v) for v in self.workspace.views.values()]
