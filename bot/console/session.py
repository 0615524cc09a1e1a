"""The local console: a Slack channel in the terminal, driving the real Bolt app over signed HTTP.

It hosts the stand-in Web API (the web and worker processes point SLACK_API_URL at it) and prints
what the bot sends there as it arrives; what the user types goes to the web process exactly as
Slack would send it, signed with a secret made up for this run.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import signal
import threading
import time
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import requests

from bot.console.escape import channel_id_for, escape
from bot.console.render import Button, Rendered, Renderer, button_bar
from bot.console.state import ConsoleState, UserZones
from bot.console.terminal import Terminal
from schedulebot.standin import Call, SignedSender, SlackStandIn

CHANNEL_ID = "C0CONSOLE"
CHANNEL_NAME = "general"
USER_ID = "U0CONSOLE"
TEAM_ID = "T1"
# How long to wait for the web process before saying so (it keeps waiting after that).
READY_PATIENCE_SECONDS = 60.0
READY_POLL_SECONDS = 0.5
# After a command, how long to wait for its reply (which may come through response_url) before reading on,
# so a scripted transcript keeps each reply under its command.
REPLY_WAIT_SECONDS = 5.0
COMMANDS = ("/schedule", "/event")
MENTION = "@schedulebot"
HELP = (
    "type /schedule … or /event … as in Slack (try /schedule help), @schedulebot … to mention the bot, "
    "a number to press that button, exit to stop"
)


class Console:
    """Start it before the web process (its env points there), then run_in_background()."""

    def __init__(
        self,
        *,
        web_url: str,
        out: TextIO,
        stdin: TextIO,
        zone: str = "UTC",
        state: ConsoleState | None = None,
        database_url: str | None = None,
    ) -> None:
        self.web_url = web_url.rstrip("/")
        self.stdin = stdin
        self.terminal = Terminal(out, interactive=stdin.isatty())
        self.zone = zone
        self.state = state or ConsoleState(None)
        self.zones = UserZones(database_url, team_id=TEAM_ID, user_id=USER_ID)
        self.standin = SlackStandIn()
        self.renderer = Renderer(ZoneInfo(zone), self.standin.workspace.channel_name, self._user_name)
        self.buttons: dict[int, Button] = {}
        self._buttons_lock = threading.Lock()
        self._shown = threading.Condition()
        self._shown_count = 0
        self._signing_secret = secrets.token_hex(16)
        self._token = f"xoxb-console-{secrets.token_hex(8)}"
        self._sender: SignedSender | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> dict[str, str]:
        """Start the stand-in; returns the environment the bot's processes need to use it."""
        self.standin.start()
        self.standin.add_token(self._token, TEAM_ID)
        self.standin.set_channel(CHANNEL_ID, CHANNEL_NAME)
        for channel_id, name in self.state.channels().items():  # named in an earlier run
            self.standin.set_channel(channel_id, name)
        self.standin.set_user(USER_ID, name=user_name(), tz=self.zone, is_admin=True, is_owner=True)
        self.standin.on_call(self.show_call)
        self.start_sender()
        return {"SLACK_API_URL": self.standin.api_url, "SLACK_BOT_TOKEN": self._token} | {
            "SLACK_SIGNING_SECRET": self._signing_secret
        }

    def start_sender(self) -> None:
        """(Re)connect the signed sender to `web_url`."""
        if self._sender is not None:
            self._sender.close()
        self._sender = SignedSender(f"{self.web_url}/slack/events", self._signing_secret, standin=self.standin)

    def run_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve, name="console", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        if self._sender is not None:
            self._sender.close()
        self.standin.stop()
        self.zones.close()

    # --- the loop -------------------------------------------------------------------------------

    def serve(self) -> None:
        if not self.wait_until_ready():
            return
        self.follow_zone()
        self.terminal.say([f"console: you are @{user_name()} in #{CHANNEL_NAME}; {HELP}"])
        for line in self.terminal.lines(self.stdin):
            if not self.handle(line.strip()):
                return  # exit: no prompt again before the launcher's last line
        self.terminal.say(["console: end of input; the bot keeps running and posts here (Ctrl-C to stop)"])

    def wait_until_ready(self, patience: float = READY_PATIENCE_SECONDS) -> bool:
        """Wait, showing progress, until the web process answers HTTP."""
        started = time.monotonic()
        with self.terminal.progress("starting web, worker and beat") as tick:
            while not _answers(f"{self.web_url}/healthz"):
                if time.monotonic() - started > patience:
                    tick(f" (no answer from {self.web_url} after {patience:.0f}s; still waiting)")
                    patience = float("inf")
                time.sleep(READY_POLL_SECONDS)
                tick(".")
        return True

    def handle(self, line: str) -> bool:
        """Act on one typed line; False once the user asked to stop."""
        if not line:
            return True
        self.terminal.echo(line)
        if line.lower() in {"exit", "quit"}:
            os.kill(os.getpid(), signal.SIGINT)
            return False
        self._act(line)
        self.follow_zone()
        return True

    def _act(self, line: str) -> None:
        before = self._shown_count
        if line.isdigit():
            self.press(int(line))
        elif line.split(" ", 1)[0] in COMMANDS:
            command, _, text = line.partition(" ")
            self._show_response(self._send().command(command, self._escape(text.strip()), **_where()), before)
        elif line.lower().startswith(MENTION):
            text = self._escape(line[len(MENTION) :].strip())
            self._show_response(self._send().app_mention(text, user=USER_ID, channel=CHANNEL_ID), before)
        else:
            self.terminal.say([f"console: {HELP}"])

    def follow_zone(self) -> None:
        """Show dates in the zone the user set with `/schedule tz`, as Slack shows them in each reader's zone."""
        self.renderer.zone = ZoneInfo(self.zones.chosen() or self.zone)

    def press(self, number: int) -> None:
        before = self._shown_count
        with self._buttons_lock:
            button = self.buttons.get(number)
        if button is None:
            self.terminal.say([f"console: there is no button [{number}]"])
            return
        response = self._send().block_action(
            button.action.get("action_id", ""),
            str(button.action.get("value", "")),
            user_id=USER_ID,
            team_id=TEAM_ID,
            channel_id=button.channel,
            message=None if button.ephemeral else button.message,
            block_id=str(button.action.get("block_id", "actions")),
            action={**button.action, "action_ts": f"{time.time():.6f}"},
            ephemeral=button.ephemeral,
        )
        self._show_response(response, before)

    # --- what the bot says ----------------------------------------------------------------------

    def show_call(self, call: Call) -> None:
        """The stand-in's listener: print each message the bot sent, as the channel would show it."""
        if call.method == "chat.postMessage" and call.channel:
            message = self.standin.workspace.find_message(call.channel, call.ts or "") or {**call.params}
            self._show(self._label(call.channel), message, call.channel, ephemeral=False)
        elif call.method == "chat.update" and call.channel:
            message = self.standin.workspace.find_message(call.channel, str(call.params.get("ts", ""))) or {}
            self._show(f"{self._label(call.channel)} (edited)", message or call.params, call.channel, False)
        elif call.method == "chat.postEphemeral":
            self._show("(only you)", call.params, call.channel or CHANNEL_ID, ephemeral=True)
        elif call.method == "response_url":
            self._show_response_body(call.params, call.channel or CHANNEL_ID)
        elif call.method == "views.open":
            self.terminal.say(["(only you) [a dialog opened; the console cannot show dialogs — use the words instead]"])

    def _show_response(self, response: requests.Response, shown_before: int) -> None:
        """Print the ack's own reply, if any; else wait a little for the reply sent after the ack."""
        if response.status_code != 200:
            self.terminal.say([f"console: the bot answered HTTP {response.status_code}"])
            return
        body = _json_body(response)
        if body and (body.get("text") or body.get("blocks")):
            self._show_response_body(body, CHANNEL_ID)
            return
        with self._shown:
            self._shown.wait_for(lambda: self._shown_count > shown_before, timeout=REPLY_WAIT_SECONDS)

    def _show_response_body(self, body: dict[str, Any], channel: str) -> None:
        if body.get("delete_original"):
            return
        if body.get("response_type") == "in_channel":
            self._show(self._label(channel), body, channel, ephemeral=False)
        else:
            self._show("(only you)", body, channel, ephemeral=True)

    def _show(self, prefix: str, message: dict[str, Any], channel: str, ephemeral: bool) -> None:
        rendered = self.renderer.message(message)
        self.terminal.say(self._lines(prefix, rendered, message, channel, ephemeral))
        with self._shown:
            self._shown_count += 1
            self._shown.notify_all()

    def _lines(
        self, prefix: str, rendered: Rendered, message: dict[str, Any], channel: str, ephemeral: bool
    ) -> list[str]:
        indent = " " * (len(prefix) + 1)
        lines = [f"{prefix} {rendered.lines[0]}"] + [indent + line for line in rendered.lines[1:]]
        if rendered.buttons:
            made = [Button(label, action, message, channel, ephemeral) for label, action in rendered.buttons]
            lines.append(indent + button_bar([(self._register(button), button.label) for button in made]))
        return lines

    def _register(self, button: Button) -> int:
        with self._buttons_lock:
            number = len(self.buttons) + 1
            self.buttons[number] = button
        return number

    def _escape(self, text: str) -> str:
        return escape(text, self._channel_id, self._user_id)

    def _channel_id(self, name: str) -> str:
        """The id of channel `name`, made up (and remembered by the stand-in) the first time it is named."""
        with self.standin.workspace.lock:
            known = [cid for cid, known in self.standin.workspace.channel_names.items() if known == name]
        if known:
            return known[0]
        self.standin.set_channel(channel_id_for(name), name)
        self.state.remember_channel(channel_id_for(name), name)
        return channel_id_for(name)

    def _user_id(self, name: str) -> str | None:
        with self.standin.workspace.lock:
            return next((u.id for u in self.standin.workspace.users.values() if u.name == name), None)

    def _label(self, channel_id: str) -> str:
        """`[#ops]` for a channel; `[DM]` for the user's direct messages with the bot (a user or D… id)."""
        if channel_id.startswith(("U", "W", "D")):
            return "[DM]"
        return f"[#{self.standin.workspace.channel_name(channel_id)}]"

    def _user_name(self, user_id: str) -> str:
        """The name the stand-in knows (the console's user is the machine's login), as Slack shows @names."""
        with self.standin.workspace.lock:
            known = self.standin.workspace.users.get(user_id)
        return known.name if known is not None and known.name else user_id.lower()

    def _send(self) -> SignedSender:
        assert self._sender is not None, "Console.start() first"
        return self._sender


def _where() -> dict[str, str]:
    return {"user_id": USER_ID, "channel_id": CHANNEL_ID, "channel_name": CHANNEL_NAME, "team_id": TEAM_ID}


def user_name() -> str:
    """The console user's name: the machine's login, as the banner and every @mention show it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1.0).close()
    except requests.RequestException:
        return False
    return True


def _json_body(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.text) if response.text.strip().startswith("{") else None
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
