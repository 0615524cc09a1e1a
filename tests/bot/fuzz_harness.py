"""The fuzz's harness: the real web app (ack-first, listeners on Bolt's threads, as in production), fed signed
requests; commands mostly in-process through Bolt's dispatch, a share of them and every button and modal over HTTP.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from bot import modals
from bot.app import Extension
from bot.envelope import slack_request
from bot.listeners.actions import TRIGGER_ACTIONS
from schedulebot.standin import Call, SlackStandIn
from schedulebot.standin.payloads import AppIdentity, block_actions, slash_command, trigger_id, view_submission
from tests.bot.conftest import BOT_TOKEN, SIGNING_SECRET, Served, make_settings, serve
from tests.bot.fuzz_inputs import EVENT_TEMPLATES, Inputs
from tests.bot.fuzz_judge import Judge, judge_refusal, judge_reply

# Senders at once: as many as Slack's concurrent deliveries a busy workspace makes, more than Bolt's threads.
SENDERS = 8
# Of every hundred commands, how many go over HTTP rather than straight into Bolt's dispatch; and how many are /event.
OVER_HTTP_PERCENT = 5
EVENT_PERCENT = 10
# Commands are acked before their work runs, so thousands queue on Bolt's threads; a modal is acked only after its
# checks, inside Slack's 3 s. Like a person, the fuzz waits for the replies before it opens a modal: generous, so
# that only a lost reply (which findings() then names) ever waits this long.
DRAIN_TIMEOUT = 120.0
# The fuzz judges what the work answers, so every input must be run: its flood (thousands queue behind the acks)
# must never meet the web process's bound, past which a command is only told the bot is busy (tests/bot/test_busy.py).
UNBOUNDED_QUEUE = 1_000_000


@dataclass(frozen=True)
class Counts:
    commands: int
    actions: int
    views: int


class Fuzz:
    """One run against one app: send, wait until the app has finished everything, then judge."""

    def __init__(self, served: Served, standin: SlackStandIn, seed: int) -> None:
        self.app = served.bot.app
        self.url = f"{served.url}/slack/events"
        self.standin = standin
        self.inputs = Inputs(seed)
        self.judge = Judge(seed)
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.identity = AppIdentity()
        self._local = threading.local()
        self._unsubscribe = standin.on_call(self.judge.record)
        self.seen: list[dict[str, Any]] = []

    def run(self, counts: Counts, *, also: Sequence[tuple[str, str]] = ()) -> None:
        """`counts` random inputs of each kind; `also` adds these (command, text) pairs to the commands."""
        with self.judge.watching_logs(), ThreadPoolExecutor(SENDERS) as pool:
            commands = [(command, text, "U1", False) for command, text in also]
            commands += [self._command_input() for _ in range(counts.commands)]
            list(pool.map(lambda args: self.command(*args), commands))
            self.judge.wait_for_replies(DRAIN_TIMEOUT)
            # In a fixed order, so that a seed replays the same presses (the replies arrive in any order).
            self.seen = sorted(buttons_in(self.standin.calls()), key=lambda button: json.dumps(button, sort_keys=True))
            actions = [self._action_input(self.seen) for _ in range(counts.actions)]
            list(pool.map(lambda args: self.press(*args), actions))
            self.judge.wait_for_replies(DRAIN_TIMEOUT)
            views = [self._view_input() for _ in range(counts.views)]
            list(pool.map(lambda args: self.submit(*args), views))
            self.finish()

    def finish(self) -> None:
        """Wait for the real signal that every listener is done: Bolt's listener threads all returned."""
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        self._unsubscribe()

    # --- commands -------------------------------------------------------------------------------

    def _command_input(self) -> tuple[str, str, str, bool]:
        rng = self.inputs.rng
        event = rng.randrange(100) < EVENT_PERCENT
        text = self.inputs.command_text(EVENT_TEMPLATES if event else None)
        user = rng.choice(["U1", "U1", "U1", "U2"])
        return ("/event" if event else "/schedule"), text, user, rng.randrange(100) < OVER_HTTP_PERCENT

    def command(self, command: str, text: str, user: str, over_http: bool) -> None:
        key = uuid.uuid4().hex
        sent = f"{command} {text}"
        self.judge.expect_reply(key, sent)
        fields = slash_command(
            self.identity,
            command=command,
            text=text,
            user_id=user,
            channel_id="C1",
            channel_name="general",
            team_id="T1",
            response_url=self.standin.response_url(key, channel="C1", user=user),
            trigger=trigger_id(),
        )
        status, body = self._post(urlencode(fields), "application/x-www-form-urlencoded", over_http)
        if status != 200 or body:
            self.judge.fail(sent, f"answered {status} {body[:100]!r} instead of an empty 200")
            self.judge.no_reply_coming(key)

    # --- buttons --------------------------------------------------------------------------------

    def _action_input(self, seen: list[dict[str, Any]]) -> tuple[str, str | None]:
        inputs = self.inputs
        if inputs.rng.random() < 0.1:
            return inputs.garbage_payload(), None
        action = inputs.action(seen)
        where = inputs.block_actions_changes()
        key = uuid.uuid4().hex if where["channel_id"] else None
        payload = block_actions(
            self.identity,
            action=action,
            user_id=where["user_id"],
            team_id="T1",
            channel_id=where["channel_id"],
            message=None,
            view=None,
            container=None,
            response_url=self.standin.response_url(key, channel=where["channel_id"], user=where["user_id"])
            if key
            else None,
            ephemeral=where["ephemeral"],
        )
        if key and _is_trigger_button(action):
            self.judge.expect_reply(key, json.dumps(action))
        return json.dumps(payload), key

    def press(self, payload: str, key: str | None) -> None:
        status, body = self._post(urlencode({"payload": payload}), "application/x-www-form-urlencoded", True)
        if status >= 500 or (status == 200 and body):
            self.judge.fail(payload, f"a button answered {status} {body[:100]!r}")
        if key is not None and (status != 200 or body):
            self.judge.no_reply_coming(key)

    # --- modals ---------------------------------------------------------------------------------

    def _view_input(self) -> tuple[str, bool]:
        inputs = self.inputs
        if inputs.rng.random() < 0.1:
            return inputs.garbage_payload(), False
        ours = inputs.rng.random() < 0.9
        payload = view_submission(
            self.identity,
            callback_id=modals.CALLBACK_NEW if ours else inputs.noise(8),
            state=inputs.view_state(),
            user_id=inputs.rng.choice(["U1", "U2"]),
            team_id="T1",
            private_metadata=inputs.rng.choice(["", inputs.noise(10)]),
            view_id="VMODAL00000001",
            blocks=modals.new_schedule_view()["blocks"],
        )
        return json.dumps(payload), ours

    def submit(self, payload: str, ours: bool) -> None:
        status, body = self._post(urlencode({"payload": payload}), "application/x-www-form-urlencoded", True)
        if status >= 500 or (ours and status != 200):
            self.judge.fail(payload, f"a modal submission answered {status} {body[:100]!r}")
        elif status == 200 and body:
            self._judge_inline_errors(payload, body)

    def _judge_inline_errors(self, payload: str, body: str) -> None:
        try:
            errors = json.loads(body)["errors"]
        except (ValueError, KeyError, TypeError):
            self.judge.fail(payload, "a modal submission answered neither nothing nor inline errors", body)
            return
        for block_id, message in errors.items():
            problem = judge_reply(message) if "Sorry" in message else judge_refusal(message)
            if problem or block_id not in (modals.BLOCK_WHAT, modals.BLOCK_CHANNEL, modals.BLOCK_WHEN):
                self.judge.fail(payload, f"inline error on {block_id!r}: {problem}", message)

    # --- sending --------------------------------------------------------------------------------

    def _post(self, body: str, content_type: str, over_http: bool) -> tuple[int, str]:
        timestamp = str(int(time.time()))
        signature = self.verifier.generate_signature(timestamp=timestamp, body=body) or ""
        if over_http:
            headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp}
            response = self._session().post(
                self.url, data=body.encode(), headers={**headers, "X-Slack-Signature": signature}, timeout=30
            )
            return response.status_code, response.text
        bolt_headers = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": [signature],
        }
        answer = self.app.dispatch(slack_request(body, headers=bolt_headers))
        return answer.status, answer.body

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session  # type: ignore[no-any-return]


def _is_trigger_button(action: dict[str, Any]) -> bool:
    """One of the buttons that answer through the response_url, shaped as Slack sends it (a person may edit the
    value in a hand-made request, but Slack's own fields keep their types)."""
    action_id = action.get("action_id")
    slack_shaped = all(isinstance(action.get(name), str) for name in ("type", "block_id")) and isinstance(
        action.get("value", ""), str
    )
    return slack_shaped and isinstance(action_id, str) and TRIGGER_ACTIONS.match(action_id) is not None


def buttons_in(calls: list[Call]) -> list[dict[str, Any]]:
    """Every button the app showed: on replies, posts and the Home tab."""
    found = []
    for call in calls:
        for block in call.params.get("blocks") or (call.params.get("view") or {}).get("blocks") or []:
            if isinstance(block, dict) and block.get("type") == "actions":
                found += [{**e, "block_id": block.get("block_id")} for e in block.get("elements") or []]
    return found


@contextmanager
def fuzzed_app(
    standin: SlackStandIn,
    engine: Engine,
    database_url: str,
    redis_url: str,
    *,
    extensions: tuple[Extension, ...] = (),
    seed: int,
) -> Iterator[Fuzz]:
    """The production web app on `database_url` and `redis_url` (unreachable is allowed), with a fuzz aimed at it."""
    standin.add_token(BOT_TOKEN, "T1")
    settings = make_settings(database_url, standin.api_url, redis_url, SCHEDULEBOT_WEB_QUEUE=str(UNBOUNDED_QUEUE))
    server = serve(settings, engine, extensions=extensions)
    try:
        yield Fuzz(next(server), standin, seed)
    finally:
        server.close()  # stops the server whether or not the run raised
