"""Issue 12's closing proof: the whole stack from the Procfile, driven as two people with signed requests.

release, web, worker and beat run as the Procfile says (`schedulebot migrate|web|worker|beat`, separate
processes) against a private PostgreSQL database, a leased Redis db and the stand-in Slack. ana is in the
private #secret; bo is not, and neither is an admin; both are in #general. ana schedules in #secret, sets a
`me` reminder and adds an event in #secret; bo then tries every surface and must see none of it, is refused
a broadcast into #secret and an @here in #general, and a 40,000-character command is refused while another
command of bo's is answered and /healthz keeps answering. ana's #secret schedule fires with its attribution.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from schedulebot.bench import procs
from schedulebot.bench.chaos import read_procfile
from schedulebot.standin import Call, SignedSender, SlackStandIn
from schedulebot.standin.workspace import Team
from storage.db import make_engine
from storage.models import Trigger
from tests.bot.conftest import text_of
from tests.run.ports import free_port
from tests.services import postgres_database, redis_database

ANA, BO = "UANA", "UBO"
SECRET, GENERAL = "GSECRET", "CGENERAL"
SIGNING_SECRET = "e2e-signing-secret"
# What ana makes that bo must never see, in any form.
SECRET_TEXT, DM_TEXT, EVENT_TITLE = "rotate the vault keys", "call the doctor", "Merger review"
HIDDEN = (SECRET_TEXT, DM_TEXT, EVENT_TITLE)
# Slack gives an app 3 s to answer a request (a protocol limit, not a benchmark); a loaded 2-core CI
# machine gets the same bound for the refusal to reach Slack. The measured figure is printed.
SLACK_ANSWER_SECONDS = 3.0
REPLY_TIMEOUT = 30.0
# The #secret schedule is due 15 s after it is made; beat ticks every 2 s; generous for a loaded machine.
POST_TIMEOUT = 60.0
# Variables of the developer's own setup that would change what the processes choose.
CLEARED = ("SLACK_", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "PROMETHEUS_MULTIPROC_DIR", "PORT", "SCHEDULEBOT_")


@dataclass
class Stack:
    standin: SlackStandIn
    url: str
    database_url: str
    bo_keys: set[str] = field(default_factory=set)
    _local: threading.local = field(default_factory=threading.local)

    @property
    def sender(self) -> SignedSender:
        """One SignedSender per thread, as it asks."""
        if not hasattr(self._local, "sender"):
            self._local.sender = SignedSender(f"{self.url}/slack/events", SIGNING_SECRET, standin=self.standin)
        return self._local.sender  # type: ignore[no-any-return]

    def command(self, text: str, *, user: str, channel: str, command: str = "/schedule") -> str:
        """Send a signed slash command; everything Slack got back (the HTTP answer and the response_url reply)."""
        key, answer = self.send_command(text, user=user, channel=channel, command=command)
        return answer + "\n" + self.reply(key)

    def send_command(self, text: str, *, user: str, channel: str, command: str = "/schedule") -> tuple[str, str]:
        key = uuid.uuid4().hex
        if user == BO:
            self.bo_keys.add(key)
        url = self.standin.response_url(key, channel=channel, user=user)
        name = self.standin.workspace.channel_names.get(channel, channel.lower())
        answer = self.sender.command(
            command, text, user_id=user, channel_id=channel, channel_name=name, response_url=url
        )
        assert answer.status_code == 200, answer.text
        return key, answer.text

    def reply(self, key: str) -> str:
        calls = self.standin.wait_for(lambda calls: any(c.key == key for c in calls), timeout=REPLY_TIMEOUT)
        return "\n".join(text_of(c) for c in calls if c.key == key)


def _web_healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Stack]:
    for name in list(os.environ):
        if name.startswith(CLEARED):
            monkeypatch.delenv(name)
    procfile = read_procfile()
    with postgres_database() as database_url, redis_database() as redis_url, SlackStandIn() as standin:
        port = free_port()
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SLACK_API_URL": standin.api_url,
            "SLACK_BOT_TOKEN": "xoxb-e2e",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SCHEDULEBOT_TICK_SECONDS": "2",
            "PORT": str(port),
            "TZ": "UTC",
        }
        started: list[procs.Proc] = []
        try:
            release = procs.start("release", procfile["release"], env, tmp_path)
            assert release.popen.wait(timeout=120) == 0, release.output()
            for name in ("web", "worker", "beat"):
                started.append(procs.start(name, procfile[name], env, tmp_path))
            for proc in started:
                proc.wait_for(procs.READY_LINES[proc.name])
            yield Stack(standin, f"http://127.0.0.1:{port}", database_url)
        finally:
            for proc in reversed(started):
                proc.stop()


def _people(standin: SlackStandIn) -> None:
    standin.set_user(ANA, name="ana")
    standin.set_user(BO, name="bo")
    standin.set_members(SECRET, [ANA, Team.named("T1").bot_user_id], name="secret", private=True)
    standin.set_members(GENERAL, [ANA, BO, Team.named("T1").bot_user_id], name="general")


def _number(reply: str, pattern: str) -> int:
    found = re.search(pattern, reply)
    assert found, reply
    return int(found.group(1))


def _hidden_in(text: str) -> list[str]:
    return [words for words in HIDDEN if words.lower() in text.lower()]


@pytest.mark.slow
def test_a_non_member_sees_nothing_private_broadcasts_are_refused_posts_are_attributed_and_a_huge_command_is_cheap(
    stack: Stack,
) -> None:
    _people(stack.standin)
    secret_reply = stack.command(f"to {SECRET_TEXT} in 15 seconds", user=ANA, channel=SECRET)
    secret_number = _number(secret_reply, r"Scheduled \*#(\d+)\*")
    dm_number = _number(stack.command(f"me to {DM_TEXT} tomorrow at 9am", user=ANA, channel=GENERAL), r"#(\d+)")
    public = stack.command("to water the plants every day at 9am", user=ANA, channel=GENERAL)
    assert "Scheduled *#" in public, public
    event_reply = stack.command(
        f'add "{EVENT_TITLE}" tomorrow at 2pm for 1h', user=ANA, channel=SECRET, command="/event"
    )
    event_number = _number(event_reply, r"Event added: \*#(\d+)\*")

    # The words bo must not see are the words the bot shows to someone who may see them.
    anas_list = stack.command("list all", user=ANA, channel=GENERAL)
    assert SECRET_TEXT in anas_list and DM_TEXT in anas_list, anas_list
    assert EVENT_TITLE in stack.command("list", user=ANA, channel=GENERAL, command="/event")

    # bo, on every surface: nothing of ana's #secret schedule, her DM reminder or her #secret event.
    seen: dict[str, str] = {}
    for words in ("list", "list all", "list mine", f"list <#{SECRET}|secret>", f"show {secret_number}",
                  f"show {dm_number}", f"history {secret_number}", f"history {dm_number}"):  # fmt: skip
        seen[f"/schedule {words}"] = stack.command(words, user=BO, channel=GENERAL)
    for words in ("list", f"list <#{SECRET}|secret>", f"show {event_number}", f"history {event_number}"):
        seen[f"/event {words}"] = stack.command(words, user=BO, channel=GENERAL, command="/event")
    assert "water the plants" in seen["/schedule list all"], "bo sees what he may: the public schedule"
    assert f"There is no schedule #{secret_number} you can see" in seen[f"/schedule show {secret_number}"]
    assert f"There is no event #{event_number} you can see" in seen[f"/event show {event_number}"]

    assert stack.sender.app_home_opened(user=BO, channel="DBO").status_code == 200
    stack.standin.wait_for(
        lambda calls: any(c.method == "views.publish" and c.params.get("user_id") == BO for c in calls),
        timeout=REPLY_TIMEOUT,
    )  # what it shows is read with every other call for bo below

    # Broadcasts: into a channel bo is not in, and @here by someone who is not an admin.
    into_secret = stack.command(f"<#{SECRET}|secret> to <!channel> hello in 1 minute", user=BO, channel=GENERAL)
    assert f"You are not a member of <#{SECRET}>" in into_secret, into_secret
    here = stack.command("to <!here> stand up in 1 minute", user=BO, channel=GENERAL)
    assert "only workspace admins and owners may schedule it" in here, here

    refusal = _huge_command_refused_while_bo_is_answered(stack)

    # ana's #secret schedule fires, naming her; bo presses its button and learns nothing.
    stack.standin.wait_for(lambda calls: any(_is_run_post(c) for c in calls), timeout=POST_TIMEOUT)
    [post] = [c for c in stack.standin.posts(SECRET) if _is_run_post(c)]
    context = [b for b in post.params.get("blocks") or [] if b.get("type") == "context"]
    assert [e["text"] for b in context for e in b["elements"]] == [f"Scheduled by <@{ANA}> · #{secret_number}"]
    pressed = _press_on(stack, post, user=BO)
    assert f"There is no schedule #{secret_number} you can see" in pressed, pressed

    shown = seen | {f"{c.method} {c.key or ''}": json.dumps(c.params) for c in _calls_for_bo(stack)}
    assert {what: found for what, text in shown.items() if (found := _hidden_in(text))} == {}
    assert _triggers_by(stack, BO) == 0, "nothing bo was refused was saved"
    ack, reply = refusal
    print(f"\n40,000-character command: HTTP answer in {ack * 1000:.0f} ms, refusal at Slack in {reply * 1000:.0f} ms")


def _is_run_post(call: Call) -> bool:
    """ana's #secret schedule's post (the event's announcement goes to #secret too)."""
    return call.method == "chat.postMessage" and call.channel == SECRET and call.text == SECRET_TEXT


def _huge_command_refused_while_bo_is_answered(stack: Stack) -> tuple[float, float]:
    """Send the 40,000-character command and bo's `list` at once; /healthz answers 200 until both are done."""
    huge = "to " + "x" * 40_000 + " in 1 minute"

    def send_huge() -> tuple[str, float, float]:
        """The refusal's text, the seconds to the HTTP answer and to the reply's arrival at Slack."""
        started = time.monotonic()
        key, answer = stack.send_command(huge, user=BO, channel=GENERAL)
        answered = time.monotonic() - started
        arrived = stack.standin.wait_for(lambda calls: any(c.key == key for c in calls), timeout=REPLY_TIMEOUT)
        call = next(c for c in arrived if c.key == key)
        return answer + "\n" + text_of(call), answered, call.received_at - started

    def send_other() -> str:
        return stack.command("list", user=BO, channel=GENERAL)

    health: list[bool] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        huge_future, other_future = pool.submit(send_huge), pool.submit(send_other)
        while not (huge_future.done() and other_future.done()):
            health.append(_web_healthy(stack.url))
        refused, ack_seconds, reply_seconds = huge_future.result()
        answered = other_future.result()
    health.append(_web_healthy(stack.url))
    assert "the limit is 2,000" in refused, refused[:500]
    assert "water the plants" in answered, answered
    assert health and all(health), health
    assert max(ack_seconds, reply_seconds) < SLACK_ANSWER_SECONDS, (ack_seconds, reply_seconds)
    return ack_seconds, reply_seconds


def _press_on(stack: Stack, post: Call, *, user: str) -> str:
    """Press the first button of a bot post, as Slack sends it: the message rides along in the payload."""
    blocks = post.params.get("blocks") or []
    [button] = [e for b in blocks if b.get("type") == "actions" for e in b["elements"]][:1]
    team = Team.named("T1")
    message = {"type": "message", "user": team.bot_user_id, "bot_id": team.bot_id, "text": post.text,
               "blocks": blocks, "ts": post.ts}  # fmt: skip
    key = uuid.uuid4().hex
    stack.bo_keys.add(key)
    url = stack.standin.response_url(key, channel=post.channel, user=user)
    answer = stack.sender.block_action(
        button["action_id"], button["value"], user_id=user, channel_id=post.channel, message=message,
        response_url=url, block_id=next(b["block_id"] for b in blocks if b.get("type") == "actions"),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.text + "\n" + stack.reply(key)


def _calls_for_bo(stack: Stack) -> list[Call]:
    """Every call the stand-in received that bo could see: replies to him, his Home, messages to him."""
    mine = []
    for call in stack.standin.calls():
        params: dict[str, Any] = call.params
        # A reply to him, his Home (views.publish user_id), an ephemeral (user), a DM (posted to his id).
        if call.key in stack.bo_keys or BO in (params.get("user_id"), params.get("user"), call.channel):
            mine.append(call)
    assert any(c.method == "views.publish" for c in mine), "bo's App Home was published"
    return mine


def _triggers_by(stack: Stack, user: str) -> int:
    engine = make_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(Trigger).where(Trigger.creator_id == user)
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()
