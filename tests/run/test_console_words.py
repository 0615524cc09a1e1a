"""The console shows what Slack would: the bot's emoji, the user's own name and zone, DMs, channels kept by name."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from werkzeug.serving import make_server

from bot.console import Console, ConsoleState
from bot.console.escape import channel_id_for
from bot.console.render import EMOJI
from bot.console.session import user_name
from schedulebot.config import load_settings
from schedulebot.launcher import embedded_broker_url
from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")

# A shortcode as the bot writes one in a message: `:name:` right after a quote, space or brace.
_SHORTCODE = re.compile(r"""(?<=["' {(]):([a-z][a-z0-9_+-]*):""")


class Screen(io.StringIO):
    def isatty(self) -> bool:
        return False


class Running:
    def __init__(self, tmp_path: Path) -> None:
        self.database_url = f"sqlite:///{tmp_path / 'bot.db'}"
        self.state_path = tmp_path / "console.json"
        self.tmp_path = tmp_path
        self.engine = make_engine(self.database_url)
        upgrade(self.engine)

    def console(self, stdin: str = "") -> tuple[Console, Screen, dict[str, str]]:
        screen = Screen()
        console = Console(
            web_url="http://127.0.0.1:1",
            out=screen,
            stdin=io.StringIO(stdin),
            zone="America/New_York",
            state=ConsoleState(self.state_path),
            database_url=self.database_url,
        )
        return console, screen, console.start()


Rig = tuple[Running, Console, Screen, dict[str, str]]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Rig]:
    where = Running(tmp_path)
    console, screen, env = where.console()
    settings = load_settings(
        _env_file=None, DATABASE_URL=where.database_url, REDIS_URL=embedded_broker_url(tmp_path), **env
    )
    from bot.web import create_web_app

    server = make_server("127.0.0.1", 0, create_web_app(settings, engine=where.engine), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    console.web_url = f"http://127.0.0.1:{server.server_port}"
    console.start_sender()
    try:
        yield where, console, screen, env
    finally:
        server.shutdown()
        thread.join()
        console.stop()
        where.engine.dispose()


def test_every_emoji_the_bot_uses_is_shown_as_one() -> None:
    used = set()
    for folder in ("bot", "tasks", "storage"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            used |= set(_SHORTCODE.findall(path.read_text(encoding="utf-8")))
    assert {"pencil2", "thinking_face", "earth_africa", "warning"} <= used
    assert sorted(used - EMOJI.keys()) == []


def test_dates_follow_the_zone_the_user_set_and_names_match_the_banner(running: Rig) -> None:
    _, console, screen, _ = running
    console.handle("/schedule tz Asia/Tokyo")
    console.handle("/schedule to stretch every day at 9am")
    shown = screen.getvalue()
    assert "🌍" in shown and ":earth_africa:" not in shown
    assert "(Asia/Tokyo)" in shown and "9:00 AM JST" in shown and " EST" not in shown
    console.handle("/schedule show 1")
    assert f"created by @{user_name()}" in screen.getvalue() and "u0console" not in screen.getvalue()
    console.handle("/schedule tz reset")
    console.handle("/schedule show 1")
    assert "7:00 PM EST" in screen.getvalue()  # 9:00 in Tokyo, in the user's Slack zone again


def test_a_dm_prints_as_dm(running: Rig) -> None:
    _, _, screen, env = running
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    client.chat_postMessage(channel="U0CONSOLE", text="psst")
    assert "[DM] psst\n" in screen.getvalue() and "[#u0console]" not in screen.getvalue()


def test_channel_names_survive_a_restart(running: Rig) -> None:
    where, console, _, _ = running
    console.handle("/schedule #ops to check the deploy every friday at 4pm")
    again, _, _ = where.console()
    try:
        assert again.standin.workspace.channel_name(channel_id_for("ops")) == "ops"
    finally:
        again.stop()


def test_exit_stops_reading_without_another_prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signals: list[int] = []
    monkeypatch.setattr("bot.console.session.os.kill", lambda pid, sig: signals.append(sig))
    where = Running(tmp_path)
    console, screen, _ = where.console(stdin="exit\nhello?\n")
    monkeypatch.setattr(console, "wait_until_ready", lambda: True)
    try:
        console.serve()
    finally:
        console.stop()
        where.engine.dispose()
    shown = screen.getvalue()
    assert len(signals) == 1 and shown.endswith("> exit\n"), shown
