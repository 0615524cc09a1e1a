"""pytest fixtures for any test package: `from schedulebot.standin.fixtures import slack_standin  # noqa: F401`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schedulebot.standin.server import SlackStandIn


@pytest.fixture
def slack_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStandIn]:
    """A started stand-in Slack with SLACK_API_URL pointing at it; stopped after the test."""
    with SlackStandIn() as standin:
        monkeypatch.setenv("SLACK_API_URL", standin.api_url)
        yield standin
