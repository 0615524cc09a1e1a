"""What every listener shares: who is asking, and the boundary that turns a crash into a polite reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.backlog import BUSY, ListenerPool
from bot.blocks import Reply
from bot.context import Actor, Services
from bot.errors import SORRY

logger = logging.getLogger(__name__)

Tell = Callable[[Reply], Any]


# Retry reasons meaning the first delivery never reached this app: that retry is the only copy.
NOT_DELIVERED = frozenset({"connection_failed", "ssl_error"})


def is_redelivery(req: BoltRequest) -> bool:
    """An Events API retry of an event this app already received (Slack resends when the 200 came late).

    Bolt lower-cases header names and keeps each value as a list.
    """
    headers = req.headers or {}
    if not headers.get("x-slack-retry-num"):
        return False
    reason = (headers.get("x-slack-retry-reason") or [""])[0]
    return reason not in NOT_DELIVERED


def ack_at_once(ack: Ack, body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
    """Listener middleware: answer Slack on the request's own thread, before the listener starts.

    Without it Bolt runs the whole listener, its ack() included, on the app's listener threads and checks
    for the ack every 10 ms, so every answer took 10 ms and, under load, waited behind the work of the
    commands before it. The listener's own ack() then changes nothing.

    A slash command that finds the listener threads' backlog full (bot.backlog) is answered BUSY in the
    ack and never run; other work is always taken.
    """
    if body.get("command") and not _admitted(context):
        logger.info("busy: refused a slash command, the listener backlog is full")
        return ack(text=BUSY, response_type="ephemeral")
    ack()
    next()
    return None


def _admitted(context: BoltContext) -> bool:
    """A place behind the acks for one slash command; always, where listeners do not queue (Bolt's own executor,
    or process_before_response, which runs them on the request's thread)."""
    runner = context.get("listener_runner")
    pool = getattr(runner, "listener_executor", None)
    if not isinstance(pool, ListenerPool) or getattr(runner, "process_before_response", True):
        return True
    return pool.admit()


def team_of(context: BoltContext) -> str:
    return str(context.team_id or context.enterprise_id or "")


def actor_for(
    services: Services, client: WebClient | None, context: BoltContext, *, user_id: str, channel_id: str, command: str
) -> Actor:
    team_id = team_of(context)
    profile = services.directory.profile(client, team_id=team_id, user_id=user_id)
    return Actor(
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        profile=profile,
        command=command[:500],
        enterprise_id=context.enterprise_id,
        client=client,
    )


def command_actor(services: Services, client: WebClient | None, context: BoltContext, command: dict[str, Any]) -> Actor:
    """Who typed a slash command, where, and what they typed (for the audit trail)."""
    text = str(command.get("text") or "")
    return actor_for(
        services,
        client,
        context,
        user_id=str(command.get("user_id") or ""),
        channel_id=str(command.get("channel_id") or ""),
        command=f"{command.get('command') or ''} {text}".strip(),
    )


def ephemeral(reply: Reply) -> dict[str, Any]:
    return {"response_type": "ephemeral", "replace_original": False, **reply.message()}


@contextmanager
def boundary(what: str, tell: Tell | None = None) -> Iterator[None]:
    """Log anything unexpected (never the payload) and tell the user, politely, that nothing changed."""
    try:
        yield
    except Exception:
        logger.exception("%s failed", what)
        if tell is not None:
            _try_to_tell(tell)


def _try_to_tell(tell: Tell) -> None:
    try:
        tell(Reply(SORRY))
    except Exception:
        logger.exception("could not even apologise")
