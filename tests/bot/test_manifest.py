"""manifest.yml is a Slack app manifest with the commands, events and the smallest scopes the bot needs."""

from __future__ import annotations

from typing import Any

import yaml

from bot.app import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.web import EVENTS_PATH
from tests.conftest import REPO_ROOT


def _manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_commands_are_escaped_and_explained() -> None:
    commands = {c["command"]: c for c in _manifest()["features"]["slash_commands"]}
    assert set(commands) == {"/schedule", "/event"}
    for command in commands.values():
        assert command["should_escape"] is True
        assert command["description"] and command["usage_hint"]
        assert command["url"].endswith(EVENTS_PATH)


def test_home_and_messages_tabs_interactivity_and_events() -> None:
    manifest = _manifest()
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] and settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "member_joined_channel",
        "member_left_channel",
        "message.im",
        "user_change",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
    assert INSTALL_PATH == "/slack/install"


def test_scopes_are_exactly_what_the_app_asks_for_at_install() -> None:
    assert sorted(_manifest()["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert "user" not in _manifest()["oauth_config"]["scopes"]
