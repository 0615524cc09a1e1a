"""The `webhook` action: one HTTP request with a timeout; its status and a short excerpt are posted back.

The URL's host is resolved and checked by `tasks.netguard` and the request goes to the checked
address; redirects are not followed, since one could lead anywhere. The answer is read raw, at most
MAX_RESPONSE_BYTES of it, and only then decoded, by a decompressor that stops at the same bound, so
neither a huge body nor a gzip bomb costs the worker more than that.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass

import urllib3

from storage.events.display import escape
from tasks.actions import ActionContext, ActionFailed, ActionResult, ActionRetry
from tasks.netguard import AddressRefused, Destination, check_url

# Characters of the response body quoted back to the channel.
EXCERPT_CHARS = 300
# Bytes of the answer read off the wire (before decompression) and the most a decompression may yield.
MAX_RESPONSE_BYTES = 64 * 1024
READ_CHUNK_BYTES = 8 * 1024
ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Content-Encoding values decoded for the excerpt; zlib's 32 + MAX_WBITS reads a gzip or zlib header.
DECODED_ENCODINGS = ("gzip", "x-gzip", "deflate")
# A backtick would end the excerpt's code block; this letter looks the same and ends nothing.
BACKTICK_STAND_IN = "\u02cb"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    encoding: str
    # False when the body was cut at MAX_RESPONSE_BYTES, the deadline, or a broken connection.
    complete: bool


def webhook(context: ActionContext) -> ActionResult:
    url = str(context.payload.get("url") or "")
    method = str(context.payload.get("method") or "POST").upper()
    if method not in ALLOWED_METHODS:
        raise ActionFailed(
            f"Schedule #{context.trigger_number}: {escape(method[:20])} is not a webhook method schedulebot sends."
        )
    try:
        destination = check_url(url, allowed=context.settings.webhook_allowed)
    except AddressRefused as exc:
        raise ActionFailed(escape(str(exc))) from None
    answer = _send(destination, method, _body(context), timeout=context.timeout)
    return ActionResult(text=_report(method, destination, answer))


def _report(method: str, destination: Destination, answer: Answer) -> str:
    head = f"Webhook {method} {escape(destination.shown)} answered {answer.status}"
    excerpt = excerpt_of(answer)
    return head + (f":\n```{excerpt}```" if excerpt else ".")


def excerpt_of(answer: Answer) -> str:
    """The start of the body as text that can neither leave its code block nor mention anyone."""
    text, decoded_all = _decoded(answer)
    text = text.strip()
    cut = len(text) > EXCERPT_CHARS or not (answer.complete and decoded_all)
    text = escape(text[:EXCERPT_CHARS]).replace("`", BACKTICK_STAND_IN)
    return text + ("…" if cut and text else "")


def _decoded(answer: Answer) -> tuple[str, bool]:
    """The body as text, decompressed to at most MAX_RESPONSE_BYTES; and whether that was all of it."""
    encoding = answer.encoding.strip().lower()
    if encoding in ("", "identity"):
        return answer.body.decode("utf-8", errors="replace"), True
    if encoding not in DECODED_ENCODINGS:
        return f"({encoding[:40]}-encoded answer, not quoted)", True
    decompressor = zlib.decompressobj(wbits=32 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(answer.body, MAX_RESPONSE_BYTES)
    except zlib.error:
        return f"({encoding} answer that could not be decoded)", True
    return data.decode("utf-8", errors="replace"), not decompressor.unconsumed_tail


def _body(context: ActionContext) -> bytes | None:
    body = context.payload.get("body")
    if body is None:
        body = {"schedule": context.trigger_number, "run": context.run_id, "due_at": context.due_at.isoformat()}
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def _send(destination: Destination, method: str, body: bytes | None, *, timeout: float) -> Answer:
    deadline = time.monotonic() + timeout
    pool = _pool(destination, timeout)
    try:
        response = pool.urlopen(
            method,
            destination.path,
            body=body,
            headers=_headers(destination),
            redirect=False,
            retries=False,
            preload_content=False,
            decode_content=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        pool.close()
        raise ActionRetry(
            f"The webhook {escape(destination.host)} did not answer ({exc.__class__.__name__})."
        ) from None
    try:
        data, complete = _read_capped(response, deadline)
        return Answer(response.status, data, response.headers.get("Content-Encoding", ""), complete)
    finally:
        response.close()  # never drained: what was not read stays unread
        pool.close()


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float) -> tuple[bytes, bool]:
    """At most MAX_RESPONSE_BYTES of the raw body, read before `deadline`; and whether that was all of it."""
    data = bytearray()
    try:
        # read1 returns what one receive brought, so a body sent a byte at a time still meets the deadline.
        while chunk := response.read1(READ_CHUNK_BYTES, decode_content=False):
            data += chunk
            if len(data) > MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                return bytes(data[:MAX_RESPONSE_BYTES]), False
    except urllib3.exceptions.HTTPError:
        return bytes(data), False  # the status came back: the call happened, so no retry re-sends it
    return bytes(data), True


def _headers(destination: Destination) -> dict[str, str]:
    headers = {
        "Host": destination.netloc,
        "Content-Type": "application/json",
        "Accept-Encoding": "gzip, deflate",
        "User-Agent": "schedulebot",
    }
    if destination.userinfo is not None:
        headers.update(urllib3.util.make_headers(basic_auth=destination.userinfo))
    return headers


def _pool(destination: Destination, timeout: float) -> urllib3.HTTPConnectionPool:
    if destination.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            destination.address,
            destination.port,
            timeout=timeout,
            server_hostname=destination.host,
            assert_hostname=destination.host,
        )
    return urllib3.HTTPConnectionPool(destination.address, destination.port, timeout=timeout)
