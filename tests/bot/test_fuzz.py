"""Whatever a user types: never a 500, always a reply. 10,000 examples in-process, a few hundred over HTTP."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.app import create_bot
from schedulebot.standin import Call, SlackStandIn
from schedulebot.standin.payloads import AppIdentity, slash_command
from storage.db import make_engine
from storage.migrate import upgrade
from tests.bot.conftest import BOT_TOKEN, SIGNING_SECRET, Slack, make_settings
from tests.services import redis_database

# 1,000 examples of 10 commands each, sent concurrently: 10,000 signed slash commands, and some load.
IN_PROCESS_EXAMPLES = 1_000
BATCH = 10
OVER_HTTP_EXAMPLES = 200
VOCABULARY = [
    "list",
    "show",
    "pause",
    "resume",
    "cancel",
    "run",
    "skip",
    "snooze",
    "edit",
    "history",
    "tz",
    "help",
    "mine",
    "all",
    "reset",
    "to",
    "about",
    "remind",
    "me",
    "every",
    "at",
    "in",
    "on",
    "tomorrow",
    "friday",
    "4pm",
    "9:30",
    "25:00",
    "minutes",
    "hours",
    "days",
    "weekday",
    "other",
    "until",
    "for",
    "times",
    "#3",
    "3",
    "0",
    "-1",
    "99999999999999999999",
    "#",
    '"',
    "“",
    "”",
    "'",
    "<#C9|ops>",
    "<#C9>",
    "<#>",
    "<@U1>",
    "#ops",
    "Europe/Berlin",
    "Mars/Base",
    "../../etc/passwd",
    "%s",
    "{}",
    "&amp;",
    "&lt;",
    "\n",
    "\t",
    "🙂",
    "\u200b",
    "february 30",
    "every 0 minutes",
    "every blursday",
    "yesterday",
    "1/2/3/4",
    "* * * * *",
    "now",
]
# Cheap to draw, so 10,000 examples stay quick; the parser refuses anything over 500 characters anyway.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120)
WORDS = st.lists(st.sampled_from(VOCABULARY), max_size=12).map(" ".join)
COMMAND_TEXT = st.one_of(WORDS, TEXT, st.sampled_from(VOCABULARY))


class InProcess:
    """The Bolt app called directly with signed bodies, finishing its listener before it returns."""

    def __init__(self, app: App, standin: SlackStandIn) -> None:
        self.app = app
        self.standin = standin
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.replied: set[str] = set()
        self.pool = ThreadPoolExecutor(max_workers=BATCH)
        self._lock = threading.Lock()
        standin.on_call(self._record)

    def _record(self, call: Call) -> None:
        if call.key and call.text:
            with self._lock:
                self.replied.add(call.key)

    def send(self, text: str) -> tuple[int, str]:
        key = uuid.uuid4().hex
        url = self.standin.response_url(key, channel="C1", user="U1")
        fields = slash_command(
            AppIdentity(),
            command="/schedule",
            text=text,
            user_id="U1",
            channel_id="C1",
            channel_name="general",
            team_id="T1",
            response_url=url,
            trigger="1.2.3",
        )
        body = urlencode(fields)
        timestamp = str(int(time.time()))
        headers = {
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": [self.verifier.generate_signature(timestamp=timestamp, body=body) or ""],
        }
        return self.app.dispatch(BoltRequest(body=body, headers=headers)).status, key


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with SlackStandIn() as standin, redis_database() as redis_url:
        standin.add_token(BOT_TOKEN, "T1")
        settings_ = make_settings(f"sqlite:///{path}", standin.api_url, redis_url)
        bot = create_bot(settings_, engine=engine, process_before_response=True)
        sender = InProcess(bot.app, standin)
        yield sender
        sender.pool.shutdown()
        assert len(sender.replied) >= IN_PROCESS_EXAMPLES * BATCH, f"only {len(sender.replied)} replies"
        bot.services.dispatcher.close()
    engine.dispose()


@settings(
    max_examples=IN_PROCESS_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(COMMAND_TEXT, min_size=BATCH, max_size=BATCH))
def test_any_command_text_gets_a_reply_and_never_a_500_in_process(in_process: InProcess, texts: list[str]) -> None:
    for text, (status, key) in zip(texts, in_process.pool.map(in_process.send, texts), strict=True):
        assert status == 200, text
        assert key in in_process.replied, f"no reply to {text!r}"


@settings(
    max_examples=OVER_HTTP_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=COMMAND_TEXT)
def test_any_command_text_gets_a_reply_over_http(slack: Slack, text: str) -> None:
    reply = slack.command(text)
    assert reply.text
