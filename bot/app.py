"""The Bolt app, built from the settings object: one workspace (bot token) or many (OAuth install)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler, RetryHandler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import events as event_commands
from bot.backlog import ListenerPool
from bot.context import Clock, Services, utc_now
from bot.dispatch import Dispatcher
from bot.errors import SORRY
from bot.listeners import actions, commands, events, views
from bot.membership import Memberships
from bot.responses import ResponseUrls, pooled_respond
from bot.zones import Directory
from schedulebot.config import ConfigError, Settings
from storage import installs, slack_stores
from storage.db import make_engine, session_factory, transaction
from storage.encryption import Cipher

logger = logging.getLogger(__name__)

# The bot scopes the features need; manifest.yml asks for the same set (the README says why each).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "chat:write.public",
    "commands",
    "groups:history",
    "im:history",
    "mpim:history",
    "users:read",
    # Who is in which channel (what each person sees, where they may post): users.conversations.
    "channels:read",
    "groups:read",
    "mpim:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Web API calls made inside a request; users.info has its own, shorter limit (bot.zones).
DEFAULT_CLIENT_TIMEOUT = 10
# Refresh a rotating token when it has less than this left (Bolt's default; the workers use the same).
REFRESH_MINUTES_BEFORE_EXPIRY = 120
# How many times a rate-limited Web API call is made again, each after Slack's Retry-After.
RATE_LIMIT_RETRIES = 2

Extension = Callable[[App, Services], None]


@dataclass(frozen=True)
class Bot:
    app: App
    services: Services


def create_app(settings: Settings, **options: Any) -> App:
    """The Bolt app alone; see create_bot for the options."""
    return create_bot(settings, **options).app


def create_bot(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock = utc_now,
    dispatcher: Dispatcher | None = None,
    process_before_response: bool = False,
    extensions: Iterable[Extension] = (),
) -> Bot:
    """Build the app and its services. `extensions` register more listeners (the `/event` command, say)."""
    engine = engine or make_engine(settings.database_url)
    sessions = session_factory(engine)
    services = Services(
        settings=settings,
        sessions=sessions,
        clock=clock,
        directory=Directory(sessions, clock),
        dispatcher=dispatcher or Dispatcher(sessions, settings.redis_url, tick_seconds=settings.tick_seconds),
        memberships=Memberships(ttl_seconds=settings.membership_ttl_seconds),
    )
    store = _installation_store(settings, engine)
    app = App(
        **_bolt_options(settings, engine, store, services),
        process_before_response=process_before_response,
        listener_executor=ListenerPool(settings.web_queue),
    )
    app.error(_answer_politely)
    app.use(pooled_respond(ResponseUrls()))
    for register in (commands.register, actions.register, views.register, events.register, *extensions):
        register(app, services)
    if store is not None:
        events.register_uninstalls(app, services, store)
    event_commands.register(app, services, public_url=settings.base_url)
    return Bot(app, services)


def _installation_store(settings: Settings, engine: Engine) -> slack_stores.EncryptedInstallationStore | None:
    if not settings.oauth_enabled:
        return None
    assert settings.slack_client_id
    return slack_stores.installation_store(engine, settings.slack_client_id, Cipher(settings.secret_key))


def _bolt_options(
    settings: Settings, engine: Engine, store: slack_stores.EncryptedInstallationStore | None, services: Services
) -> dict[str, Any]:
    secret = settings.slack_signing_secret
    if not secret and not settings.socket_mode:
        raise ConfigError("SLACK_SIGNING_SECRET: required to check that requests come from Slack")
    options: dict[str, Any] = {"name": "schedulebot", "signing_secret": secret or ""}
    if settings.socket_mode and not secret:
        options["request_verification_enabled"] = False  # Socket Mode requests arrive over our own websocket
    if store is not None:
        assert settings.slack_client_id and settings.slack_client_secret
        client = WebClient(
            base_url=settings.slack_api_url, timeout=DEFAULT_CLIENT_TIMEOUT, retry_handlers=_retry_handlers()
        )
        options["client"] = client
        # Bolt's own authorize rotates expiring tokens, but builds its rotator on slack.com: this one refreshes
        # on SLACK_API_URL, where every other call goes.
        options["authorize"] = InstallationStoreAuthorize(
            logger=logger,
            installation_store=store,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            client=client,
        )
        options["oauth_settings"] = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=store,
            state_store=slack_stores.state_store(engine),
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            token_rotation_expiration_minutes=REFRESH_MINUTES_BEFORE_EXPIRY,
            callback_options=CallbackOptions(success=_resume_on_install(services), failure=_default_failure),
        )
        return options
    if not settings.slack_bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN: set it for one workspace, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install in many"
        )
    options["client"] = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=DEFAULT_CLIENT_TIMEOUT,
        retry_handlers=_retry_handlers(),
    )
    return options


def _resume_on_install(services: Services) -> Callable[[SuccessArgs], BoltResponse]:
    """After a (re)install is saved: resume the triggers an uninstall paused there, then Bolt's own page."""

    def on_success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        team_id = None if installation.is_enterprise_install else installation.team_id
        where = team_id or installation.enterprise_id
        try:
            with transaction(services.sessions) as session:
                resumed = installs.resume_after_reinstall(
                    session, enterprise_id=installation.enterprise_id, team_id=team_id, now=services.clock()
                )
        except SQLAlchemyError:  # the install itself is saved: say so, and leave the schedules paused
            logger.exception("reinstalled in %s: could not resume the schedules the uninstall paused", where)
        else:
            logger.info("reinstalled in %s: resumed %d triggers", where, resumed)
        return args.default.success(args)

    return on_success


def _default_failure(args: FailureArgs) -> BoltResponse:
    return args.default.failure(args)


def _retry_handlers() -> list[RetryHandler]:
    """A call Slack refused with 429 is made again after its Retry-After (Bolt copies these to per-team clients)."""
    return [RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)]


def _answer_politely(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Whatever escaped a listener: log it (no payload, no secrets) and answer 200 with an apology."""
    kind = body.get("type") or body.get("command") or "request"
    logger.error("unhandled %s in a %s", type(error).__name__, kind, exc_info=error)
    return BoltResponse(status=200, body=SORRY)
