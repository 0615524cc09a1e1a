"""The console plays a Slack channel against the real Bolt app: typed commands, replies, buttons, posts."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from werkzeug.serving import make_server

from bot.console import Console
from bot.console.render import Renderer
from schedulebot.config import load_settings
from schedulebot.launcher import embedded_broker_url
from storage.db import make_engine
from storage.migrate import upgrade

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


class Screen(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Console, Screen, dict[str, str]]]:
    screen = Screen()
    console = Console(web_url="http://127.0.0.1:1", out=screen, stdin=io.StringIO(""), zone="America/New_York")
    env = console.start()
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    settings = load_settings(_env_file=None, DATABASE_URL=database_url, REDIS_URL=embedded_broker_url(tmp_path), **env)
    from bot.web import create_web_app

    server = make_server("127.0.0.1", 0, create_web_app(settings, engine=engine), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    console.web_url = f"http://127.0.0.1:{server.server_port}"
    console.start_sender()
    try:
        yield console, screen, env
    finally:
        server.shutdown()
        thread.join()
        console.stop()
        engine.dispose()


def test_a_command_gets_its_reply_with_numbered_buttons(console: tuple[Console, Screen, Any]) -> None:
    shell, screen, _ = console
    shell.handle("/schedule to water the plants tomorrow at 9am")
    shown = screen.getvalue()
    assert "> /schedule to water the plants tomorrow at 9am" in shown
    assert "(only you) " in shown and "water the plants" in shown
    assert "[1] Pause" in shown

    pause = next(n for n, button in shell.buttons.items() if button.label == "Pause")
    shell.handle(str(pause))
    assert "Paused" in screen.getvalue()


def test_a_named_channel_is_made_up_and_shown_by_name(console: tuple[Console, Screen, Any]) -> None:
    shell, screen, _ = console
    shell.handle("/schedule #ops to check the deploy every friday at 4pm")
    assert "#ops" in screen.getvalue()
    assert "could not find" not in screen.getvalue()


def test_posts_and_ephemeral_messages_print_as_the_channel_shows_them(console: tuple[Console, Screen, Any]) -> None:
    _, screen, env = console
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    client.chat_postMessage(channel="C0CONSOLE", text="hello there")
    client.chat_postEphemeral(channel="C0CONSOLE", user="U0CONSOLE", text="just for you")
    assert "[#general] hello there\n" in screen.getvalue()
    assert "(only you) just for you\n" in screen.getvalue()


def test_unknown_input_and_buttons_are_explained(console: tuple[Console, Screen, Any]) -> None:
    shell, screen, _ = console
    shell.handle("hello?")
    shell.handle("42")
    assert "try /schedule help" in screen.getvalue()
    assert "there is no button [42]" in screen.getvalue()


@pytest.mark.parametrize(
    ("mrkdwn", "text"),
    [
        ("<!date^1772809200^{date_short_pretty} at {time}|Mar 6>", "Fri Mar 6 2026, 10:00 AM EST"),
        ("post in <#C0CONSOLE|general> for <@U1>", "post in #general for @u1"),
        ("<#C9> <!here> <https://x.example|docs>", "#c9 @here docs (https://x.example)"),
        (":white_check_mark: done &amp; :unknown:", "✅ done & :unknown:"),
    ],
)
def test_mrkdwn_reads_as_plain_text(mrkdwn: str, text: str) -> None:
    renderer = Renderer(ZoneInfo("America/New_York"), str.lower, str.lower)
    assert renderer.mrkdwn(mrkdwn) == text


def test_blocks_render_with_their_buttons_and_overflow_options() -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Scheduled*\nline two"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "plain_text", "text": "b"}]},
        {
            "type": "actions",
            "block_id": "t1",
            "elements": [
                {"type": "button", "action_id": "pause", "value": "1", "text": {"type": "plain_text", "text": "Pause"}},
                {"type": "overflow", "action_id": "more", "options": [{"text": {"text": "Skip"}, "value": "s"}]},
            ],
        },
    ]
    rendered = Renderer(ZoneInfo("UTC"), str, str).message({"text": "fallback", "blocks": blocks})
    assert rendered.lines == ["*Scheduled*", "line two", "  a · b"]
    assert [label for label, _ in rendered.buttons] == ["Pause", "Skip"]
    assert rendered.buttons[0][1]["block_id"] == "t1"
    assert rendered.buttons[1][1]["selected_option"]["value"] == "s"


def test_events_post_to_the_channel_with_rsvp_buttons(console: tuple[Console, Screen, Any]) -> None:
    shell, screen, _ = console
    shell.handle('/event "Sprint review" friday 2pm for 1h')
    assert "[#general] " in screen.getvalue() and "Sprint review" in screen.getvalue()
    going = next(n for n, button in shell.buttons.items() if button.label == "Going")
    assert not shell.buttons[going].ephemeral, "a button on a channel message"
    shell.handle(str(going))
    assert "console: the bot answered HTTP" not in screen.getvalue()
