"""The one module that calls Slack from workers: the Web API on SLACK_API_URL, over kept-alive connections.

slack_sdk's WebClient opens a new connection (and, against Slack, a new TLS session) for every call;
a worker posts many messages, so it keeps a small pool of connections open instead and speaks the
Web API directly: JSON bodies for writes, query parameters for reads, a bearer token on each call.

Every failure is turned into one of four outcomes the firing code acts on: rate limited (come back
after Retry-After), unavailable (5xx: retry with backoff), unknown (a timeout: Slack may have posted,
look before posting again), refused (a permanent API error).
"""

from __future__ import annotations

import json
import logging
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import urllib3
from sqlalchemy.engine import Engine
from urllib3.exceptions import ConnectTimeoutError, HTTPError

from schedulebot import telemetry
from schedulebot.config import Settings
from tasks.tokens import NotInstalled, RefreshFailed, RefreshUnavailable, Tokens

logger = logging.getLogger(__name__)

# The event type of the metadata every run's message carries, so a later attempt can find it.
RUN_EVENT_TYPE = "schedulebot_run"
FAILURE_EVENT_TYPE = "schedulebot_run_failed"
# Messages read back per page when looking for a run's message after an unknown outcome.
HISTORY_LIMIT = 200
# Pages read at most per look; a channel busier than that since the first attempt leaves the outcome unknown.
MAX_HISTORY_PAGES = 25
# Retry-After when Slack sends a 429 without one.
DEFAULT_RETRY_AFTER = 5
# Connections kept open per worker process, which makes one call at a time.
POOL_SIZE = 2
# The longest wait for a connection to Slack; then nothing was sent and the call is retried later.
CONNECT_TIMEOUT = 5.0
# Methods that only read, sent as GET with query parameters (as slack_sdk sends them).
READ_METHODS = frozenset({"conversations.history", "conversations.replies"})


class SlackFailure(Exception):
    """A Slack call that did not succeed; subclasses say what the caller should do."""


class RateLimited(SlackFailure):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Slack rate limited the call; retry after {retry_after}s")
        self.retry_after = retry_after


class Unavailable(SlackFailure):
    """Slack answered 5xx: nothing was posted; retry with backoff."""


class UnknownOutcome(SlackFailure):
    """No answer in time: Slack may or may not have posted."""


class Refused(SlackFailure):
    """A permanent API error (channel_not_found, not_in_channel, invalid_auth...)."""


class AuthRefused(Refused):
    """Slack does not accept the token (revoked, uninstalled, invalid)."""


# The answers that mean the token itself is refused.
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})


class NoToken(Refused):
    """No bot token for the workspace."""


# (team id, Enterprise Grid org id or None): whose token a call uses.
Workspace = tuple[str, str | None]


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] | None = None
    # Posted as a reply in this message's thread (a reminder's repeats).
    thread_ts: str | None = None


@dataclass(frozen=True)
class RunIdentity:
    """Which due instant a post stands for, carried in its metadata so Slack's record alone names it.

    `missed` is how many missed instants a catch-up run speaks for (its note); 0 for an ordinary run.
    """

    trigger_id: int
    due_at: datetime
    kind: str
    missed: int = 0

    def payload(self) -> dict[str, Any]:
        due = self.due_at.astimezone(UTC).isoformat()
        return {"trigger_id": self.trigger_id, "due_at": due, "kind": self.kind, "missed": self.missed}


class SlackPoster:
    """Posts for workers; tokens come from the installation store per workspace, or SLACK_BOT_TOKEN."""

    def __init__(self, settings: Settings, engine: Engine, *, timeout: float) -> None:
        self._settings = settings
        self._tokens = Tokens(settings, engine, timeout=timeout)
        self._timeout = timeout
        connect = urllib3.Timeout(connect=min(CONNECT_TIMEOUT, timeout), read=timeout)
        self._http = urllib3.PoolManager(maxsize=POOL_SIZE, timeout=connect, retries=False)
        weakref.finalize(self, self._http.clear)

    def post(
        self,
        *,
        team_id: str,
        channel: str,
        message: Message,
        run_id: int,
        event_type: str = RUN_EVENT_TYPE,
        enterprise_id: str | None = None,
        identity: RunIdentity | None = None,
    ) -> str:
        """Post `message`, tagged in its metadata with the run id (and the due instant it stands for); return its ts."""
        payload: dict[str, Any] = {"run_id": run_id, **(identity.payload() if identity else {})}
        metadata = {"event_type": event_type, "event_payload": payload}
        return self._post_message(
            (team_id, enterprise_id), channel, message, metadata=metadata, thread_ts=message.thread_ts
        )

    def find_posted(
        self,
        *,
        team_id: str,
        channel: str,
        run_id: int,
        since: datetime,
        thread_ts: str | None = None,
        enterprise_id: str | None = None,
    ) -> str | None:
        """The ts of the run's message among the channel's messages since `since`, if Slack has it.

        A run posted in a thread (`thread_ts`) is looked for among that thread's replies: the channel's
        history lists only top-level messages. Reads every page back to `since`; None only when all of
        them were read. Too much to read within MAX_HISTORY_PAGES raises UnknownOutcome: the caller must
        not post on a guess.
        """
        method = "conversations.history" if thread_ts is None else "conversations.replies"
        thread = {} if thread_ts is None else {"ts": thread_ts}
        cursor: str | None = None
        for _ in range(MAX_HISTORY_PAGES):
            response = self._call(
                (team_id, enterprise_id),
                method,
                channel=channel,
                **thread,
                oldest=f"{since.timestamp():.6f}",
                limit=HISTORY_LIMIT,
                include_all_metadata=True,
                cursor=cursor,
            )
            for message in response.get("messages") or []:
                if _is_run_message(message, run_id):
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        raise UnknownOutcome(
            f"could not tell whether run {run_id} posted: more than {MAX_HISTORY_PAGES * HISTORY_LIMIT} messages"
            f" in {channel} since the first attempt"
        )

    def announce(self, *, team_id: str, channel: str, message: Message, enterprise_id: str | None = None) -> str:
        """Post a message that belongs to no run (an event's announcement); return its ts."""
        return self._post_message((team_id, enterprise_id), channel, message)

    def update(
        self, *, team_id: str, channel: str, ts: str, message: Message, enterprise_id: str | None = None
    ) -> None:
        """Replace a posted message's text and blocks (`chat.update`)."""
        self._call(
            (team_id, enterprise_id), "chat.update", channel=channel, ts=ts, text=message.text, blocks=message.blocks
        )

    def _post_message(self, workspace: Workspace, channel: str, message: Message, **extra: Any) -> str:
        """`chat.postMessage` of `message`, its links not unfurled; return its ts."""
        response = self._call(
            workspace,
            "chat.postMessage",
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            **extra,
        )
        return str(response["ts"])

    def _call(self, workspace: Workspace, method: str, **params: Any) -> Any:
        try:
            try:
                return self._call_once(workspace, method, **params)
            except AuthRefused:
                # A token kept from an earlier read may have been replaced (a reinstall): read the install
                # again and try once more. Refused, the call did nothing, so trying again cannot post twice.
                if not self._tokens.forget(*workspace):
                    raise
                return self._call_once(workspace, method, **params)
        except SlackFailure as failure:
            telemetry.record_slack_error(_METRIC_KINDS.get(type(failure), "refused"))
            raise

    def _call_once(self, workspace: Workspace, method: str, **params: Any) -> dict[str, Any]:
        url = f"{self._settings.slack_api_url}{method}"
        headers = {"Authorization": f"Bearer {self._token(*workspace)}"}
        given = {name: value for name, value in params.items() if value is not None}
        try:
            if method in READ_METHODS:
                fields = {name: _query_value(value) for name, value in given.items()}
                response = self._http.request("GET", url, fields=fields, headers=headers)
            else:
                body = json.dumps(given).encode("utf-8")
                headers["Content-Type"] = "application/json; charset=utf-8"
                response = self._http.request("POST", url, body=body, headers=headers)
        except ConnectTimeoutError as exc:  # refused or no connection in time: nothing was sent
            raise Unavailable(f"could not reach Slack ({exc.__class__.__name__})") from None
        except HTTPError as exc:  # a read timeout or a dropped connection after the request went out
            raise UnknownOutcome(f"no answer from Slack within {self._timeout:g}s ({exc.__class__.__name__})") from None
        return _answer(response)

    def _token(self, team_id: str, enterprise_id: str | None) -> str:
        try:
            return self._tokens.bot_token(team_id=team_id, enterprise_id=enterprise_id)
        except NotInstalled as exc:
            raise NoToken(str(exc)) from None
        except RefreshFailed as exc:
            raise Refused(str(exc)) from None
        except RefreshUnavailable as exc:
            raise Unavailable(str(exc)) from None


def _is_run_message(message: dict[str, Any], run_id: int) -> bool:
    meta = message.get("metadata") or {}
    return bool(meta.get("event_type") == RUN_EVENT_TYPE and (meta.get("event_payload") or {}).get("run_id") == run_id)


# The `kind` label of schedulebot_slack_api_errors_total for each failure.
_METRIC_KINDS: dict[type[SlackFailure], str] = {
    RateLimited: "ratelimited",
    Unavailable: "server_error",
    UnknownOutcome: "timeout",
    NoToken: "no_token",
}


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _answer(response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    """The API's answer, or the failure it stands for."""
    status = response.status
    try:
        data = json.loads(response.data)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if status == 429 or error == "ratelimited":
        raise RateLimited(_retry_after(dict(response.headers)))
    if status >= 500:
        raise Unavailable(f"Slack answered {status} ({error or 'server error'})")
    if not isinstance(data, dict):  # an answer that is not the API's: whether it posted cannot be told
        raise UnknownOutcome(f"Slack answered {status} with a body that is not JSON")
    if error == "token_expired":  # expired between the check and the call: the next attempt refreshes it
        raise Unavailable("Slack answered token_expired; the token is refreshed on the next attempt")
    if error in AUTH_ERRORS:
        raise AuthRefused(f"Slack refused the call: {error}")
    if status >= 400 or not data.get("ok"):
        raise Refused(f"Slack refused the call: {error or status}")
    return data


def _retry_after(headers: dict[str, Any]) -> int:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(1, int(str(value).strip()))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER
