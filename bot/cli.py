"""`schedulebot web`: serve the Slack app on $PORT with gunicorn; with SLACK_APP_TOKEN, also open Socket Mode."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from schedulebot import telemetry
from schedulebot.config import ConfigError, Settings, load_settings
from storage.db import DatabaseUnavailable

logger = logging.getLogger(__name__)

# Threads per gunicorn worker: each Slack request is short, most of it waiting on the database.
DEFAULT_THREADS = 8
# Slack gives up after 3 s; a worker stuck far longer than that is restarted.
DEFAULT_WORKER_TIMEOUT = 30


class WebServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code; workers build their own app after the fork (engines are not fork-safe)."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from bot.web import create_web_app

        web = create_web_app(self.settings)
        # What the worker has built by now lives as long as it does. Frozen, it is left out of the collector's
        # full passes, which otherwise hold the GIL for ~70 ms while requests wait.
        gc.freeze()
        return web


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        "worker_class": "gthread",
        "threads": DEFAULT_THREADS,
        "timeout": DEFAULT_WORKER_TIMEOUT,
        "errorlog": "-",
    }
    if settings.socket_mode:
        # One websocket per process: one worker holds it, and serves /healthz and the OAuth pages beside it.
        options["workers"] = 1
        options["post_worker_init"] = _open_socket_mode
    return options


def _open_socket_mode(worker: Any) -> None:
    from bot.socket_mode import connect

    web: Flask = worker.wsgi
    settings: Settings = web.extensions["schedulebot"].services.settings
    assert settings.slack_app_token
    connect(web.extensions["schedulebot"], settings.slack_app_token)


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="schedulebot web", description=__doc__)
    parser.add_argument("--port", type=int, help="listen here instead of $PORT")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(**({"PORT": args.port} if args.port else {}))
        telemetry.configure_logging(settings, "web")
        _check(settings)
    except (ConfigError, DatabaseUnavailable) as exc:
        print(f"schedulebot web: {exc}", file=sys.stderr)
        return 2
    WebServer(settings, gunicorn_options(settings)).run()
    return 0


def _check(settings: Settings) -> None:
    """Fail before forking, with one readable line, on settings that cannot work."""
    from bot.app import create_bot

    create_bot(settings)
