"""Multi-workspace install over OAuth (slack_sdk's SQLAlchemy stores), and the settings each mode needs."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.cli import WebServer, gunicorn_options
from schedulebot.config import ConfigError
from schedulebot.standin import SlackStandIn
from tests.bot.conftest import Served, Slack, make_settings, serve, text_of

SECRET_KEY = Fernet.generate_key().decode()


@pytest.fixture
def served_oauth(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    settings = make_settings(
        database_url,
        standin.api_url,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="shh",
        SCHEDULEBOT_SECRET_KEY=SECRET_KEY,
    )
    yield from serve(settings, engine)


def test_a_workspace_installs_through_oauth_and_then_uses_the_bot(standin: SlackStandIn, served_oauth: Served) -> None:
    standin.add_oauth_code("code-t7", team_id="T7", bot_token="xoxb-installed-t7")
    browser = requests.Session()
    page = browser.get(f"{served_oauth.url}/slack/install", timeout=10)
    assert page.status_code == 200
    state = re.search(r"state=([\w-]+)", page.text)
    assert state is not None and "scope=" in page.text and "commands" in page.text
    # Bolt sets its state cookie Secure, which a browser sends back only over https; this test is http.
    cookie = page.headers["Set-Cookie"].split(";")[0]
    done = browser.get(
        f"{served_oauth.url}/slack/oauth_redirect",
        params={"code": "code-t7", "state": state[1]},
        headers={"Cookie": cookie},
        timeout=10,
    )
    assert done.status_code == 200, done.text
    reply = Slack(standin, served_oauth.url).command("to check the deploy every friday at 4pm", team="T7")
    assert "Scheduled *#1*" in text_of(reply)
    assert any(c.token == "xoxb-installed-t7" for c in standin.calls("users.info"))


def test_a_workspace_that_never_installed_is_refused_politely(standin: SlackStandIn, served_oauth: Served) -> None:
    response = Slack(standin, served_oauth.url).sender.command(text="list", team_id="T8")
    assert response.status_code < 500


def test_a_replayed_oauth_redirect_installs_nothing(standin: SlackStandIn, served_oauth: Served) -> None:
    done = requests.get(f"{served_oauth.url}/slack/oauth_redirect", params={"code": "x", "state": "forged"}, timeout=10)
    assert done.status_code == 400


def test_settings_without_credentials_say_what_is_missing(database_url: str) -> None:
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        create_app(make_settings(database_url, "http://127.0.0.1:1/api/", SLACK_SIGNING_SECRET=""))
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN.*SLACK_CLIENT_ID"):
        create_app(make_settings(database_url, "http://127.0.0.1:1/api/", SLACK_BOT_TOKEN=""))


def test_gunicorn_serves_port_and_socket_mode_holds_one_worker(database_url: str) -> None:
    http = gunicorn_options(make_settings(database_url, "https://slack.example/api/", PORT=4321, WEB_CONCURRENCY=3))
    assert http["bind"] == "0.0.0.0:4321" and "post_worker_init" not in http
    assert http["workers"] == 3
    socket = gunicorn_options(make_settings(database_url, "https://slack.example/api/", SLACK_APP_TOKEN="xapp-1"))
    assert socket["workers"] == 1 and callable(socket["post_worker_init"])


def test_a_worker_builds_its_app_and_freezes_it(standin: SlackStandIn, database_url: str) -> None:
    settings = make_settings(database_url, standin.api_url)
    frozen = gc.get_freeze_count()
    web = WebServer(settings, gunicorn_options(settings)).load()
    services = web.extensions["schedulebot"].services
    try:
        assert gc.get_freeze_count() > frozen
        assert web.test_client().get("/healthz").get_json()["database"] == "ok"
    finally:
        gc.unfreeze()
        services.dispatcher.close()
        services.sessions.kw["bind"].dispose()
