"""Events: @mentions and DMs speak the `/schedule` words; App Home opens; users change their zone or channels."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse, Say
from slack_sdk import WebClient

from bot import home
from bot.blocks import Reply
from bot.commands.router import execute
from bot.context import Services
from bot.events.reads import forget_feed_link
from bot.listeners.common import actor_for, boundary, is_redelivery, mention_teller, team_of
from bot.zones import SlackUser
from storage import installs
from storage.db import transaction
from storage.slack_stores import EncryptedInstallationStore

_LEADING_MENTION = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+")
# Events whose words change schedules: a second delivery would act twice.
WORD_EVENTS = ("app_mention", "message")

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def on_mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        user_id, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
        tell = mention_teller(client, event)
        with boundary("app_mention", tell):
            tell(_words(services, client, context, event, user_id=user_id, channel_id=channel_id, via="@schedulebot"))

    def on_direct_message(event: dict[str, Any], say: Say, client: WebClient, context: BoltContext) -> None:
        if event.get("subtype") or event.get("bot_id") or event.get("channel_type") != "im":
            return
        user_id, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
        with boundary("direct message", lambda reply: say(**reply.message())):
            say(**_words(services, client, context, event, user_id=user_id, channel_id=channel_id, via="DM").message())

    def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        with boundary("app_home_opened"):
            home.publish(services, client, context, user_id=str(event.get("user") or ""))

    def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or not user.get("id"):
            return
        with boundary("user_change"):
            services.directory.remember(
                team_id=team_of(context), user_id=str(user["id"]), user=SlackUser.from_api(user)
            )

    def on_membership(event: dict[str, Any], context: BoltContext) -> None:
        user_id, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
        if not user_id or not channel_id:
            return
        team_id, joined = team_of(context), event.get("type") == "member_joined_channel"
        with boundary(str(event.get("type"))):
            if joined:
                services.memberships.joined(team_id=team_id, user_id=user_id, channel_id=channel_id)
                return
            services.memberships.left(team_id=team_id, user_id=user_id, channel_id=channel_id)
            forget_feed_link(services, team_id=team_id, channel_id=channel_id, user_id=user_id)

    app.middleware(_ignore_redeliveries)
    app.event("app_mention")(on_mention)
    app.event("message")(on_direct_message)
    app.event("app_home_opened")(on_home_opened)
    app.event("user_change")(on_user_change)
    app.event("member_joined_channel")(on_membership)
    app.event("member_left_channel")(on_membership)


def register_uninstalls(app: App, services: Services, store: EncryptedInstallationStore) -> None:
    """OAuth mode: a revoked bot token or an uninstall deletes the install's tokens and pauses its triggers."""

    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        if not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens were revoked; the bot never stores or uses them
        with boundary("tokens_revoked"):
            forget_install(services, store, context, why="tokens_revoked")

    def on_app_uninstalled(context: BoltContext) -> None:
        with boundary("app_uninstalled"):
            forget_install(services, store, context, why="app_uninstalled")

    app.event("tokens_revoked")(on_tokens_revoked)
    app.event("app_uninstalled")(on_app_uninstalled)


def forget_install(services: Services, store: EncryptedInstallationStore, context: BoltContext, *, why: str) -> None:
    """Delete one install's tokens and pause its active triggers, marked so a reinstall resumes just those."""
    enterprise_id = context.enterprise_id
    team_id = None if context.is_enterprise_install else context.team_id
    store.delete_workspace(enterprise_id=enterprise_id, team_id=team_id)
    with transaction(services.sessions) as session:
        paused = installs.pause_for_uninstall(session, enterprise_id=enterprise_id, team_id=team_id)
    logger.info("%s: deleted the tokens of %s and paused %d triggers", why, team_id or enterprise_id, paused)


def _words(
    services: Services,
    client: WebClient,
    context: BoltContext,
    event: dict[str, Any],
    *,
    user_id: str,
    channel_id: str,
    via: str,
) -> Reply:
    text = _LEADING_MENTION.sub("", str(event.get("text") or "")).strip()
    actor = actor_for(services, client, context, user_id=user_id, channel_id=channel_id, command=f"{via}: {text}")
    return execute(services, actor, text, client=client)


def _ignore_redeliveries(req: BoltRequest, body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:
    """A retried mention or DM was received already (and acted on): answer 200 and do it no second time."""
    event = body.get("event") or {}
    if body.get("type") == "event_callback" and event.get("type") in WORD_EVENTS and is_redelivery(req):
        logger.info("ignored a redelivered %s event", event.get("type"))
        return BoltResponse(status=200, body="")
    return next()  # type: ignore[no-any-return]
