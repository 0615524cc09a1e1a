"""The bot over real HTTP: the web app on a free port, a stand-in Slack, and Slack-signed requests."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from bot.app import Bot
from bot.web import create_web_app
from schedulebot.config import Settings
from schedulebot.standin import Call, SignedSender, SlackStandIn
from schedulebot.standin.fixtures import slack_standin  # noqa: F401
from storage import repository
from storage.db import transaction

SIGNING_SECRET = "bot-test-signing-secret"
BOT_TOKEN = "xoxb-bot-test-token"
# How long a test waits for the reply that follows the ack.
REPLY_TIMEOUT = 10.0


def make_settings(database_url: str, api_url: str, redis_url: str = "redis://127.0.0.1:1/0", **extra: Any) -> Settings:
    """Settings from these values only: no environment, no .env file."""
    values = {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": api_url,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "REDIS_URL": redis_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def standin(slack_standin: SlackStandIn) -> SlackStandIn:  # noqa: F811
    slack_standin.add_token(BOT_TOKEN, "T1")
    return slack_standin


@dataclass
class Served:
    url: str
    settings: Settings
    bot: Bot


def serve(settings: Settings, engine: Engine, **options: Any) -> Iterator[Served]:
    web = create_web_app(settings, engine=engine, **options)
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_port}", settings, web.extensions["schedulebot"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        web.extensions["schedulebot"].services.dispatcher.close()


@pytest.fixture
def served(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    yield from serve(make_settings(database_url, standin.api_url), engine)


class Slack:
    """A person in Slack: types commands, presses buttons, opens Home; reads what the bot answered."""

    def __init__(self, standin: SlackStandIn, url: str) -> None:
        self.standin = standin
        self.sender = SignedSender(f"{url}/slack/events", SIGNING_SECRET, standin=standin)

    def command(
        self, text: str, *, user: str = "U1", channel: str = "C1", team: str = "T1", command: str = "/schedule"
    ) -> Call:
        """Send `/schedule text` (or another slash `command`) and return the reply posted to its response_url."""
        key = uuid.uuid4().hex
        url = self.standin.response_url(key, channel=channel, user=user, team_id=team)
        response = self.sender.command(
            command=command, text=text, user_id=user, channel_id=channel, team_id=team, response_url=url
        )
        assert response.status_code == 200, response.text
        return self.reply_to(key)

    def reply_to(self, key: str) -> Call:
        calls = self.standin.wait_for(lambda calls: any(c.key == key for c in calls), timeout=REPLY_TIMEOUT)
        return next(c for c in calls if c.key == key)

    def press(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U1",
        channel: str | None = "C1",
        team: str = "T1",
        **options: Any,
    ) -> Call | None:
        """Press a button on a message in `channel` (reply via response_url), or in App Home when channel is None."""
        key = uuid.uuid4().hex
        url = self.standin.response_url(key, channel=channel, user=user, team_id=team) if channel else None
        response = self.sender.block_action(
            action_id, value, user_id=user, team_id=team, channel_id=channel, response_url=url, **options
        )
        assert response.status_code == 200, response.text
        return self.reply_to(key) if channel else None


@pytest.fixture
def slack(standin: SlackStandIn, served: Served) -> Iterator[Slack]:
    person = Slack(standin, served.url)
    yield person
    person.sender.close()


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    return sessions


def text_of(call: Call) -> str:
    """Everything a reply shows: its text and every text in its blocks."""
    parts = [call.text]
    for block in call.params.get("blocks") or []:
        parts += _texts(block)
    return "\n".join(parts)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [
            t for key, value in node.items() if key != "text" or not isinstance(value, str) for t in _texts(value)
        ]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


@pytest.fixture(autouse=True)
def _quiet_werkzeug() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def trigger_state(sessions: sessionmaker[Session], number: int, team: str = "T1") -> str:
    with transaction(sessions) as session:
        return repository.get_trigger(session, team_id=team, number=number).state
