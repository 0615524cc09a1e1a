"""The one module that posts to Slack from workers: slack_sdk's WebClient on SLACK_API_URL.

Every failure is turned into one of four outcomes the firing code acts on: rate limited (come back
after Retry-After), unavailable (5xx: retry with backoff), unknown (a timeout: Slack may have posted,
look before posting again), refused (a permanent API error).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

import telemetry
from config import Settings
from storage.slack_stores import installation_store

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


class NoToken(Refused):
    """No bot token for the workspace."""


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] | None = None


class SlackPoster:
    """Posts for workers; tokens come from the installation store per workspace, or SLACK_BOT_TOKEN."""

    def __init__(self, settings: Settings, engine: Engine, *, timeout: float) -> None:
        self._settings = settings
        self._store = installation_store(engine, settings.slack_client_id) if settings.oauth_enabled else None
        self._timeout = timeout

    def post(
        self, *, team_id: str, channel: str, message: Message, run_id: int, event_type: str = RUN_EVENT_TYPE
    ) -> str:
        """Post `message`, tagged with the run id in its metadata; return the message ts."""
        metadata = {"event_type": event_type, "event_payload": {"run_id": run_id}}
        response = self._call(
            team_id,
            "chat_postMessage",
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            metadata=metadata,
            unfurl_links=False,
        )
        return str(response["ts"])

    def find_posted(self, *, team_id: str, channel: str, run_id: int, since: datetime) -> str | None:
        """The ts of the run's message among the channel's messages since `since`, if Slack has it.

        Reads every page back to `since`; None only when all of them were read. A channel too busy to
        read within MAX_HISTORY_PAGES raises UnknownOutcome: the caller must not post on a guess.
        """
        cursor: str | None = None
        for _ in range(MAX_HISTORY_PAGES):
            response = self._call(
                team_id,
                "conversations_history",
                channel=channel,
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

    def announce(self, *, team_id: str, channel: str, message: Message) -> str:
        """Post a message that belongs to no run (an event's announcement); return its ts."""
        response = self._call(
            team_id, "chat_postMessage", channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
        )
        return str(response["ts"])

    def update(self, *, team_id: str, channel: str, ts: str, message: Message) -> None:
        """Replace a posted message's text and blocks (`chat.update`)."""
        self._call(team_id, "chat_update", channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    def _call(self, team_id: str, method: str, **params: Any) -> Any:
        try:
            return self._call_once(team_id, method, **params)
        except SlackFailure as failure:
            telemetry.record_slack_error(_METRIC_KINDS.get(type(failure), "refused"))
            raise

    def _call_once(self, team_id: str, method: str, **params: Any) -> Any:
        client = WebClient(
            token=self._token(team_id), base_url=self._settings.slack_api_url, timeout=self._timeout, retry_handlers=[]
        )
        try:
            return getattr(client, method)(**params)
        except SlackApiError as exc:
            raise _classified(exc) from None
        except URLError as exc:  # before an answer: refused means nothing was sent; anything else may have been
            if isinstance(exc.reason, ConnectionRefusedError):
                raise Unavailable(f"could not reach Slack ({exc.reason})") from exc
            raise UnknownOutcome(f"no answer from Slack ({exc.reason})") from exc
        except OSError as exc:  # a timeout or a dropped connection after the request went out
            raise UnknownOutcome(f"no answer from Slack within {self._timeout:g}s ({exc.__class__.__name__})") from exc

    def _token(self, team_id: str) -> str:
        if self._store is not None:
            bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
            if bot is not None and bot.bot_token:
                return bot.bot_token
        if self._settings.slack_bot_token:
            return self._settings.slack_bot_token
        raise NoToken(f"schedulebot is not installed in workspace {team_id} (no bot token)")


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


def _classified(exc: SlackApiError) -> SlackFailure:
    status = exc.response.status_code
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(exc.response.headers))
    if status >= 500:
        return Unavailable(f"Slack answered {status} ({error or 'server error'})")
    return Refused(f"Slack refused the call: {error or status}")


def _retry_after(headers: dict[str, Any]) -> int:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(1, int(str(value).strip()))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER
