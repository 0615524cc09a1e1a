"""What every listener shares: who is asking, and the boundary that turns a crash into a polite reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient

from bot.backlog import BUSY, ListenerPool
from bot.blocks import Reply
from bot.context import Actor, Services
from bot.errors import SORRY, UserError
from storage.errors import NotFound

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


# Republishes a user's App Home with a notice: (client, context, user_id, notice).
HomeNotice = Callable[[WebClient, BoltContext, str, str], Any]


@dataclass(frozen=True)
class Press:
    """One button press, read once: who pressed it and where, what the button carries, how to answer."""

    actor: Actor
    action_id: str
    value: str
    body: dict[str, Any]
    client: WebClient
    tell: Tell

    @property
    def container(self) -> dict[str, Any]:
        return self.body.get("container") or {}


def button(
    services: Services, handle: Callable[[Press], None], *, home: HomeNotice | None = None
) -> Callable[..., None]:
    """The Bolt listener for a button: ack, read the press, and run `handle` inside the boundary.

    A mistake of the user's (UserError, NotFound) becomes a warning told to them. A press on App Home is answered
    in the Home's notice when `home` is given; any other under its message.
    """

    def listener(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        user_id = str((body.get("user") or {}).get("id") or "")
        from_home = home is not None and (body.get("container") or {}).get("type") == "view"
        tell = _home_teller(home, client, context, user_id) if from_home else _message_teller(respond, body)
        action_id, value = str(action.get("action_id")), str(action.get("value") or "")
        with boundary(f"button {action_id}", tell):
            actor = actor_for(
                services,
                client,
                context,
                user_id=user_id,
                channel_id=_channel_of(body),
                command=f"button: {action_id} {value}".strip(),
            )
            try:
                handle(Press(actor=actor, action_id=action_id, value=value, body=body, client=client, tell=tell))
            except (UserError, NotFound) as exc:
                tell(Reply(f":warning: {exc}"))

    return listener


def _message_teller(respond: Respond, body: dict[str, Any]) -> Tell:
    """Answer under the message the button is on; a press Slack sent without a response_url has nowhere to go."""
    if not body.get("response_url"):
        return lambda reply: logger.info("a button press came without a response_url; its reply has nowhere to go")
    return lambda reply: respond(**ephemeral(reply))


def _home_teller(home: HomeNotice, client: WebClient, context: BoltContext, user_id: str) -> Tell:
    return lambda reply: home(client, context, user_id, reply.text)


def _channel_of(body: dict[str, Any]) -> str:
    """Where the button was pressed: Slack names the channel twice on a message's button, and not at all on a view's."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return str(channel or "")


def mention_teller(client: WebClient, event: dict[str, Any]) -> Tell:
    """Answer a mention to its author alone, in its thread when it was in one."""
    channel_id, user_id = str(event.get("channel") or ""), str(event.get("user") or "")

    def tell(reply: Reply) -> None:
        client.chat_postEphemeral(channel=channel_id, user=user_id, thread_ts=event.get("thread_ts"), **reply.message())

    return tell
