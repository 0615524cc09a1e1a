"""The `webhook` action: one HTTP request with a timeout; its status and a short excerpt are posted back.

The URL's host is resolved and checked by `tasks.netguard` and the request goes to the checked
address; redirects are not followed, since one could lead anywhere.
"""

from __future__ import annotations

import json

import urllib3

from tasks.actions import ActionContext, ActionFailed, ActionResult, ActionRetry
from tasks.netguard import AddressRefused, Destination, check_url

# Characters of the response body quoted back to the channel.
EXCERPT_CHARS = 300
ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def webhook(context: ActionContext) -> ActionResult:
    url = str(context.payload.get("url") or "")
    method = str(context.payload.get("method") or "POST").upper()
    if method not in ALLOWED_METHODS:
        raise ActionFailed(f"Schedule #{context.trigger_number}: {method} is not a webhook method schedulebot sends.")
    try:
        destination = check_url(url, allowed=context.settings.webhook_allowed)
    except AddressRefused as exc:
        raise ActionFailed(str(exc)) from None
    status, body = _send(destination, method, _body(context), timeout=context.timeout)
    excerpt = body[:EXCERPT_CHARS] + ("…" if len(body) > EXCERPT_CHARS else "")
    return ActionResult(text=f"Webhook {method} {url} answered {status}" + (f":\n```{excerpt}```" if excerpt else "."))


def _body(context: ActionContext) -> bytes | None:
    body = context.payload.get("body")
    if body is None:
        body = {"schedule": context.trigger_number, "run": context.run_id, "due_at": context.due_at.isoformat()}
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def _send(destination: Destination, method: str, body: bytes | None, *, timeout: float) -> tuple[int, str]:
    host_header = destination.host if destination.port in (80, 443) else f"{destination.host}:{destination.port}"
    headers = {"Host": host_header, "Content-Type": "application/json", "User-Agent": "schedulebot"}
    pool = _pool(destination, timeout)
    try:
        response = pool.request(method, destination.path, body=body, headers=headers, redirect=False, retries=False)
    except urllib3.exceptions.HTTPError as exc:
        raise ActionRetry(f"The webhook {destination.host} did not answer ({exc.__class__.__name__}).") from None
    finally:
        pool.close()
    return response.status, response.data.decode("utf-8", errors="replace").strip()


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
