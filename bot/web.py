"""The web process: Bolt behind Flask on the DESIGN.md paths, plus /healthz. Others add routes to the same app."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request, Response, request
from kombu import Connection
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_sdk.signature import SignatureVerifier
from werkzeug.exceptions import HTTPException

from bot import envelope
from bot.app import INSTALL_PATH, REDIRECT_PATH, Bot, create_bot
from bot.calendar import register_calendar_routes
from bot.errors import SORRY
from schedulebot import telemetry
from schedulebot.config import Settings
from storage.db import DatabaseUnavailable, check_reachable

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# Health checks answer fast or report the dependency as down.
DEFAULT_BROKER_CHECK_TIMEOUT = 2.0
# What /healthz says instead of the failure's detail.
SEE_LOG = "(details in the web process log)"
# Slack sends small bodies; anything far bigger is not from Slack.
MAX_REQUEST_BYTES = 1_000_000


def create_web_app(settings: Settings, *, bot: Bot | None = None, **bot_options: Any) -> Flask:
    """The Flask app for `schedulebot web` and for tests. `bot_options` go to create_bot."""
    bot = bot or create_bot(settings, **bot_options)
    handler = SlackRequestHandler(bot.app)
    verifier = SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None
    web = Flask("schedulebot")
    web.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    web.extensions["schedulebot"] = bot
    register_calendar_routes(web, sessions=bot.services.sessions, clock=bot.services.clock)

    @web.post(EVENTS_PATH)
    def slack_events() -> Response:
        if not signed_by_slack(verifier, request):
            return Response("invalid request", status=401, mimetype="text/plain")
        return dispatch(bot, request)

    @web.get(INSTALL_PATH)
    def slack_install() -> Response:
        return handler.handle(request)

    @web.get(REDIRECT_PATH)
    def slack_oauth_redirect() -> Response:
        return handler.handle(request)

    @web.get(HEALTH_PATH)
    def healthz() -> tuple[dict[str, Any], int]:
        return health(bot, settings)

    @web.get(METRICS_PATH)
    def metrics() -> Response:
        body, content_type = telemetry.render_metrics()
        return Response(body, content_type=content_type)

    web.register_error_handler(Exception, _polite_error)
    return web


def health(bot: Bot, settings: Settings) -> tuple[dict[str, Any], int]:
    """{"ok": bool, "database": "ok" | reason, "broker": "ok" | reason}; 503 when either is down.

    Anyone may ask, so a reason names the part and the kind of failure only; the detail, which may
    name hosts, ports and users, goes to the log (whose handler masks passwords).
    """
    checks = {"database": _check_database(bot), "broker": check_broker(settings.redis_url)}
    ok = all(value == "ok" for value in checks.values())
    return {"ok": ok, **checks}, 200 if ok else 503


def _check_database(bot: Bot) -> str:
    engine = bot.services.sessions.kw["bind"]
    try:
        check_reachable(engine)
    except DatabaseUnavailable as exc:
        logger.warning("health check: %s", exc)
        return f"cannot reach the database {SEE_LOG}"
    return "ok"


def check_broker(url: str, *, timeout: float = DEFAULT_BROKER_CHECK_TIMEOUT) -> str:
    try:
        with Connection(url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    except Exception as exc:  # kombu raises per-transport errors; any of them means "down"
        logger.warning("health check: REDIS_URL: cannot reach the broker (%s: %s)", type(exc).__name__, exc)
        return f"cannot reach the broker ({type(exc).__name__}) {SEE_LOG}"
    return "ok"


def dispatch(bot: Bot, incoming: Request) -> Response:
    """A signed request to Bolt, unless it is not shaped as Slack sends it: then 400, naming what is wrong."""
    body = incoming.get_data(as_text=True)
    wrong = envelope.problem(body, incoming.headers.get("Content-Type", "").split(";")[0] or None)
    if wrong is not None:
        logger.info("refused a signed request Slack would not send: %s", wrong)
        return Response(f"invalid request: {wrong}", status=400, mimetype="text/plain")
    query = incoming.query_string.decode("utf-8")
    return to_flask_response(
        bot.app.dispatch(envelope.slack_request(body, headers=dict(incoming.headers), query=query))
    )


def signed_by_slack(verifier: SignatureVerifier | None, incoming: Request) -> bool:
    """Checked before Bolt parses the body, so a forged body can neither crash the parser nor reach a listener."""
    timestamp = incoming.headers.get("X-Slack-Request-Timestamp", "")
    signature = incoming.headers.get("X-Slack-Signature", "")
    if verifier is None or not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 20):
        return False
    try:
        body = incoming.get_data().decode("utf-8")
    except UnicodeDecodeError:
        return False  # Slack sends UTF-8; anything else was not signed by Slack
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def _polite_error(error: Exception) -> Response | HTTPException:
    if isinstance(error, HTTPException):
        return error
    logger.error("unhandled %s on %s %s", type(error).__name__, request.method, request.path, exc_info=error)
    return Response(SORRY, status=200, mimetype="text/plain")
