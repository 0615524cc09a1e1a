"""Buttons: on the bot's confirmations, on the workers' posts (Skip next, Pause, Snooze), lists' "Next 40", App Home."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks, home, modals, paging
from bot.blocks import Reply
from bot.commands import changes, rotation, untildone
from bot.commands.grammar import MAX_NUMBER
from bot.commands.router import execute
from bot.context import Actor, Services
from bot.errors import UserError
from bot.listeners.common import ack_at_once, actor_for, boundary, ephemeral
from bot.schedules import ParseError
from storage.errors import NotFound

# A snooze button carries only the trigger number; Slack's own reminders offer 20 minutes first.
DEFAULT_SNOOZE = "20 minutes"
TRIGGER_ACTIONS = re.compile(r"^schedulebot\.(pause|resume|cancel|run|skip|snooze)$")

Operation = Callable[[Services, Actor, int], Reply]
logger = logging.getLogger(__name__)

OPERATIONS: dict[str, Operation] = {
    blocks.ACTION_PAUSE: changes.pause,
    blocks.ACTION_RESUME: changes.resume,
    blocks.ACTION_CANCEL: changes.cancel,
    blocks.ACTION_RUN: changes.run,
    blocks.ACTION_SKIP: changes.skip,
}


def register(app: App, services: Services) -> None:
    def on_trigger_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        from_home = (body.get("container") or {}).get("type") == "view"
        user_id = str((body.get("user") or {}).get("id") or "")
        tell = _home_teller(services, client, context, user_id) if from_home else _message_teller(respond, body)
        with boundary(f"button {action.get('action_id')}", tell):
            channel = str((body.get("channel") or {}).get("id") or "")
            actor = actor_for(
                services,
                client,
                context,
                user_id=user_id,
                channel_id=channel,
                command=f"button: {action.get('action_id')} {action.get('value', '')}".strip(),
            )
            tell(press(services, actor, str(action.get("action_id")), str(action.get("value") or "")))

    def on_new(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with boundary("New schedule button"):
            client.views_open(trigger_id=body["trigger_id"], view=modals.new_schedule_view())

    def on_list_page(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        tell = _message_teller(respond, body)
        with boundary("list page button", tell):
            words = f"list {str(action.get('value') or '')[:200]}"
            actor = actor_for(
                services,
                client,
                context,
                user_id=str((body.get("user") or {}).get("id") or ""),
                channel_id=str((body.get("channel") or {}).get("id") or ""),
                command=f"button: {words}",
            )
            tell(execute(services, actor, words, client=client))

    app.action(TRIGGER_ACTIONS, middleware=[ack_at_once])(on_trigger_button)
    app.action(paging.ACTION_LIST_PAGE, middleware=[ack_at_once])(on_list_page)
    app.action(blocks.ACTION_NEW, middleware=[ack_at_once])(on_new)
    register_hand_on(app, services)
    register_done(app, services)


def register_hand_on(app: App, services: Services) -> None:
    """ "Not me, hand to next" on a rotation's post: the run goes to the next person and the post says so."""

    def on_hand_on(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        tell = _message_teller(respond, body)
        with boundary("button hand on", tell):
            container = body.get("container") or {}
            user_id = str((body.get("user") or {}).get("id") or "")
            value = str(action.get("value") or "")
            actor = actor_for(
                services,
                client,
                context,
                user_id=user_id,
                channel_id=str(container.get("channel_id") or ""),
                command=f"button: {rotation.HAND_ON_ACTION} {value}",
            )
            try:
                handed = rotation.hand_on(services, actor, value)
            except (UserError, NotFound) as exc:
                tell(Reply(f":warning: {exc}"))
                return
            edited = rotation.handed_message(body.get("message") or {}, handed, by=user_id)
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"], **edited)

    app.action(rotation.HAND_ON_ACTION, middleware=[ack_at_once])(on_hand_on)


def press(services: Services, actor: Actor, action_id: str, value: str) -> Reply:
    """Run the change a button names on the trigger its value names; a mistake becomes the reply."""
    number_text, _, extra = value.strip().partition(" ")
    try:
        number = parse_number(number_text)
        if action_id == blocks.ACTION_SNOOZE:
            return changes.snooze(services, actor, number, extra or DEFAULT_SNOOZE)
        return OPERATIONS[action_id](services, actor, number)
    except (UserError, NotFound, ParseError) as exc:
        return Reply(f":warning: {exc}")


def parse_number(text: str) -> int:
    digits = text.lstrip("#")
    if not re.fullmatch("[0-9]{1,10}", digits) or not 1 <= int(digits) <= MAX_NUMBER:
        raise UserError("That button does not name a schedule I know", "/schedule list")
    return int(digits)


def _message_teller(respond: Respond, body: dict[str, Any]) -> Callable[[Reply], Any]:
    """Answer under the message the button is on; a press Slack sent without a response_url has nowhere to go."""
    if not body.get("response_url"):
        return lambda reply: logger.info("a button press came without a response_url; its reply has nowhere to go")
    return lambda reply: respond(**ephemeral(reply))


def _home_teller(services: Services, client: WebClient, context: BoltContext, user_id: str) -> Callable[[Reply], Any]:
    return lambda reply: home.publish(services, client, context, user_id=user_id, notice=reply.text)


def register_done(app: App, services: Services) -> None:
    """Done on a reminder that repeats until done: the first press marks it and edits the post; later ones are told."""

    def on_done(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        tell = _message_teller(respond, body)
        with boundary("button done", tell):
            container = body.get("container") or {}
            value = str(action.get("value") or "")
            actor = actor_for(
                services,
                client,
                context,
                user_id=str((body.get("user") or {}).get("id") or ""),
                channel_id=str(container.get("channel_id") or ""),
                command=f"button: {untildone.DONE_ACTION} {value}",
            )
            try:
                press = untildone.press_done(services, actor, value)
            except (UserError, NotFound) as exc:
                tell(Reply(f":warning: {exc}"))
                return
            if not press.won:
                tell(untildone.already_done(press))
                return
            edited = untildone.done_message(press)
            for ts in dict.fromkeys(t for t in (press.first_ts, container.get("message_ts")) if t):
                client.chat_update(channel=press.channel_id, ts=str(ts), **edited)

    app.action(untildone.DONE_ACTION, middleware=[ack_at_once])(on_done)
