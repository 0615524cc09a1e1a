"""Buttons: on the bot's confirmations, on the workers' posts (Skip next, Pause, Snooze), lists' "Next 40", App Home."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import blocks, home, modals, paging
from bot.blocks import Reply
from bot.commands import changes, rotation, untildone
from bot.commands.grammar import MAX_NUMBER
from bot.commands.router import execute
from bot.context import Actor, Services
from bot.errors import UserError
from bot.listeners.common import Press, ack_at_once, boundary, button
from bot.schedules import ParseError
from storage.errors import NotFound

# A snooze button carries only the trigger number; Slack's own reminders offer 20 minutes first.
DEFAULT_SNOOZE = "20 minutes"
TRIGGER_ACTIONS = re.compile(r"^schedulebot\.(pause|resume|cancel|run|skip|snooze)$")

Operation = Callable[[Services, Actor, int], Reply]

OPERATIONS: dict[str, Operation] = {
    blocks.ACTION_PAUSE: changes.pause,
    blocks.ACTION_RESUME: changes.resume,
    blocks.ACTION_CANCEL: changes.cancel,
    blocks.ACTION_RUN: changes.run,
    blocks.ACTION_SKIP: changes.skip,
}


def register(app: App, services: Services) -> None:
    def on_trigger_button(pressed: Press) -> None:
        pressed.tell(press(services, pressed.actor, pressed.action_id, pressed.value))

    def on_new(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with boundary("New schedule button"):
            client.views_open(trigger_id=body["trigger_id"], view=modals.new_schedule_view())

    def on_list_page(press: Press) -> None:
        press.tell(execute(services, press.actor, f"list {press.value[:200]}", client=press.client))

    def home_notice(client: WebClient, context: BoltContext, user_id: str, notice: str) -> None:
        home.publish(services, client, context, user_id=user_id, notice=notice)

    app.action(TRIGGER_ACTIONS, middleware=[ack_at_once])(button(services, on_trigger_button, home=home_notice))
    app.action(paging.ACTION_LIST_PAGE, middleware=[ack_at_once])(button(services, on_list_page))
    app.action(blocks.ACTION_NEW, middleware=[ack_at_once])(on_new)
    register_hand_on(app, services)
    register_done(app, services)


def register_hand_on(app: App, services: Services) -> None:
    """ "Not me, hand to next" on a rotation's post: the run goes to the next person and the post says so."""

    def on_hand_on(press: Press) -> None:
        handed = rotation.hand_on(services, press.actor, press.value)
        edited = rotation.handed_message(press.body.get("message") or {}, handed, by=press.actor.user_id)
        container = press.container
        press.client.chat_update(channel=container["channel_id"], ts=container["message_ts"], **edited)

    app.action(rotation.HAND_ON_ACTION, middleware=[ack_at_once])(button(services, on_hand_on))


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


def register_done(app: App, services: Services) -> None:
    """Done on a reminder that repeats until done: the first press marks it and edits the post; later ones are told."""

    def on_done(press: Press) -> None:
        done = untildone.press_done(services, press.actor, press.value)
        if not done.won:
            press.tell(untildone.already_done(done))
            return
        edited = untildone.done_message(done)
        for ts in dict.fromkeys(t for t in (done.first_ts, press.container.get("message_ts")) if t):
            press.client.chat_update(channel=done.channel_id, ts=str(ts), **edited)

    app.action(untildone.DONE_ACTION, middleware=[ack_at_once])(button(services, on_done))
