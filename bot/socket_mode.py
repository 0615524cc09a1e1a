"""Socket Mode: events arrive over a websocket the app opens, so no public URL is needed (SLACK_APP_TOKEN)."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import Bot

logger = logging.getLogger(__name__)


def connect(bot: Bot, app_token: str) -> SocketModeHandler:
    """Open the websocket in background threads and return the handler (close() it to stop)."""
    handler = SocketModeHandler(bot.app, app_token)
    handler.connect()
    logger.info("connected to Slack in Socket Mode")
    return handler
