"""respond(): replies through a request's response_url over connections the process keeps open.

Bolt's own respond() opens a new connection for every reply (slack_sdk's WebhookClient on urllib); one
pool per web process saves a connect, and a thread on the other end, per command.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import urllib3
from slack_bolt import BoltContext, Respond
from slack_bolt.util.utils import convert_to_dict_list
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookResponse
from urllib3.exceptions import NewConnectionError, ProtocolError

logger = logging.getLogger(__name__)

# Connections kept open to one host (Slack's response URLs share one): more than the threads of a worker that reply.
DEFAULT_POOL_SIZE = 16
# slack_sdk's WebhookClient waits 30 s; a reply that slow is no use to the person waiting for it either.
DEFAULT_TIMEOUT = urllib3.Timeout(connect=5.0, read=15.0)
HEADERS = {"Content-Type": "application/json;charset=utf-8"}
# What Bolt's respond() takes besides the text and the lists of blocks and attachments.
OPTIONAL_FIELDS = (
    "response_type",
    "replace_original",
    "delete_original",
    "unfurl_links",
    "unfurl_media",
    "thread_ts",
    "metadata",
)


class ResponseUrls:
    """Posts replies to response URLs through one connection pool; safe to share between threads."""

    def __init__(self, *, pool_size: int = DEFAULT_POOL_SIZE, timeout: urllib3.Timeout = DEFAULT_TIMEOUT) -> None:
        self._pool = urllib3.PoolManager(maxsize=pool_size, timeout=timeout, retries=False)
        # Close the kept-alive connections with the app, whoever drops it, not when their sockets are collected.
        self._closer = weakref.finalize(self, self._pool.clear)

    def post(self, url: str, message: dict[str, Any]) -> WebhookResponse:
        body = json.dumps(message).encode("utf-8")
        try:
            response = self._pool.request("POST", url, body=body, headers=HEADERS)
        except (ProtocolError, NewConnectionError) as exc:
            # A kept-alive connection the far end had just closed, or a refused connect: one more try,
            # as slack_sdk's WebhookClient makes.
            logger.info("response_url post failed (%s); trying once more", type(exc).__name__)
            response = self._pool.request("POST", url, body=body, headers=HEADERS)
        text = response.data.decode("utf-8", "replace")
        return WebhookResponse(url=url, status_code=response.status, body=text, headers=dict(response.headers))

    def close(self) -> None:
        self._closer()


class PooledRespond(Respond):
    """Bolt's respond(), posted through ResponseUrls."""

    def __init__(self, *, response_url: str, replies: ResponseUrls) -> None:
        super().__init__(response_url=response_url)
        self._replies = replies

    def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if isinstance(text, dict):
            return self._replies.post(str(self.response_url), build_message(**text))
        optional = {
            "response_type": response_type,
            "replace_original": replace_original,
            "delete_original": delete_original,
            "unfurl_links": unfurl_links,
            "unfurl_media": unfurl_media,
            "thread_ts": thread_ts,
            "metadata": metadata,
        }
        message = build_message(text, blocks, attachments, **optional)
        return self._replies.post(str(self.response_url), message)


def build_message(
    text: str = "",
    blocks: Sequence[dict[str, Any] | Block] | None = None,
    attachments: Sequence[dict[str, Any] | Attachment] | None = None,
    **optional: Any,
) -> dict[str, Any]:
    """The JSON body Bolt's respond() sends: the text, lists only when not empty, the rest only when given."""
    unknown = set(optional) - set(OPTIONAL_FIELDS)
    if unknown:
        raise TypeError(f"respond() got unexpected arguments {sorted(unknown)}")
    message: dict[str, Any] = {"text": text}
    if blocks:
        message["blocks"] = convert_to_dict_list(blocks)
    if attachments:
        message["attachments"] = convert_to_dict_list(attachments)
    message.update({name: value for name, value in optional.items() if value is not None})
    return message


def pooled_respond(replies: ResponseUrls) -> Callable[..., None]:
    """Global middleware: every listener's respond() for a request with a response_url goes through `replies`.

    A client with a proxy or its own TLS settings keeps Bolt's respond(), which honours them.
    """

    def middleware(context: BoltContext, next: Callable[[], None]) -> None:
        client = context.client
        if context.response_url and (client is None or (client.proxy is None and client.ssl is None)):
            context["respond"] = PooledRespond(response_url=context.response_url, replies=replies)
        next()

    return middleware
