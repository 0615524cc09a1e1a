"""The bot with `/event` over real HTTP, reusing the bot tests' stand-in Slack and signed sender."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from schedulebot.standin import SlackStandIn
from schedulebot.standin.fixtures import slack_standin  # noqa: F401
from tests.bot.conftest import BOT_TOKEN, Served, Slack, make_settings, serve


@pytest.fixture
def standin(slack_standin: SlackStandIn) -> SlackStandIn:  # noqa: F811
    slack_standin.add_token(BOT_TOKEN, "T1")
    return slack_standin


@pytest.fixture
def served(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    yield from serve(make_settings(database_url, standin.api_url, PUBLIC_URL="https://bot.example.com/"), engine)


@pytest.fixture
def slack(standin: SlackStandIn, served: Served) -> Iterator[Slack]:
    person = Slack(standin, served.url)
    yield person
    person.sender.close()
