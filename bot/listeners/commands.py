"""The `/schedule` slash command: ack at once, then answer through the response URL."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.commands.router import execute
from bot.context import Services
from bot.listeners.common import ack_at_once, boundary, command_actor, ephemeral

COMMAND = "/schedule"


def register(app: App, services: Services) -> None:
    def on_schedule(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        text = str(command.get("text") or "")
        with boundary("/schedule", lambda reply: respond(**ephemeral(reply))):
            actor = command_actor(services, client, context, command)
            respond(**ephemeral(execute(services, actor, text, client=client)))

    app.command(COMMAND, middleware=[ack_at_once])(on_schedule)
