"""The fuzz can fail: its judge rejects apologies, vague refusals and unknown answers, and a run against an app
with one broken listener, handler or middleware reports it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from sqlalchemy.engine import Engine

import bot.listeners.actions
import bot.listeners.views
from bot.blocks import Reply
from bot.commands import reads
from bot.context import Services
from bot.errors import SORRY
from schedulebot.standin import SlackStandIn
from storage.db import make_engine
from storage.migrate import upgrade
from tests.bot.fuzz_harness import Counts, Fuzz, fuzzed_app
from tests.bot.fuzz_inputs import SEED
from tests.bot.fuzz_judge import judge_reply

# Small: enough that the broken path is walked among ordinary inputs, cheap enough to run for each way of breaking.
SMALL = Counts(commands=100, actions=40, views=20)
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.parametrize(
    "text",
    [
        "Scheduled #3: stretch. First run tomorrow.",
        ":double_vertical_bar: Paused *#3* in <#C1>.",
        "2 schedule(s) in <#C1>",
        ":warning: #7 is not one of this workspace's schedules\nExample: `/schedule list`",
        ":warning: I could not read “blursday” as a day",
    ],
)
def test_the_judge_passes_confirmations_and_specific_refusals(text: str) -> None:
    assert judge_reply(text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (SORRY, "apology"),
        (":warning: Error", "a refusal that does not name the problem"),
        (":warning: Invalid input.", "a refusal that does not name the problem"),
        (":warning: Something went wrong", "a refusal that does not name the problem"),
        ("", "neither a confirmation nor a refusal"),
        ("ok", "neither a confirmation nor a refusal"),
        (":warning: could not save: IntegrityError: duplicate key", "shows internals"),
        ('Traceback (most recent call last):\n  File "bot/app.py"', "shows internals"),
    ],
)
def test_the_judge_rejects_apologies_vague_refusals_and_unknown_answers(text: str, problem: str) -> None:
    assert judge_reply(text) == problem


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'broken.db'}"
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def fuzz_against(standin: SlackStandIn, engine: Engine, *extensions: Any, also: list[str] = ()) -> Fuzz:  # type: ignore[assignment]
    with fuzzed_app(standin, engine, str(engine.url), UNREACHABLE_REDIS, extensions=extensions, seed=SEED) as fuzz:
        fuzz.run(SMALL, also=[("/schedule", text) for text in also])
    return fuzz


def problems(fuzz: Fuzz) -> set[str]:
    return {finding.problem for finding in fuzz.judge.findings()}


def test_a_middleware_that_raises_for_one_command_fails_the_fuzz(slack_standin: SlackStandIn, engine: Engine) -> None:
    def broken(app: App, services: Services) -> None:
        @app.middleware
        def raise_for_list(body: dict[str, Any], next: Any) -> Any:
            if body.get("text") == "list":
                raise RuntimeError("broken on purpose")
            return next()

    found = problems(fuzz_against(slack_standin, engine, broken, also=["list"]))
    assert "0 replies instead of one" in found
    assert "error logged" in found
    assert any(p.startswith("answered 200 ':warning: Sorry") for p in found), found


def test_a_command_handler_that_raises_fails_the_fuzz(
    slack_standin: SlackStandIn, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any) -> Reply:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(reads, "show", boom)
    found = problems(fuzz_against(slack_standin, engine, also=["show 1"]))
    assert {"reply: apology", "error logged"} <= found


def test_a_vague_refusal_fails_the_fuzz(
    slack_standin: SlackStandIn, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reads, "time_zone", lambda *args: Reply(":warning: Error"))
    found = problems(fuzz_against(slack_standin, engine, also=["tz"]))
    assert found == {"reply: a refusal that does not name the problem"}


def test_a_button_listener_that_raises_fails_the_fuzz(
    slack_standin: SlackStandIn, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any) -> Reply:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(bot.listeners.actions, "press", boom)
    fuzz = fuzz_against(slack_standin, engine, also=["to stretch every day at 3pm"])
    assert fuzz.seen, "the fuzz pressed no button the app showed"
    assert {"reply: apology", "error logged"} <= problems(fuzz)


def test_a_modal_listener_that_raises_fails_the_fuzz(
    slack_standin: SlackStandIn, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any) -> Any:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(bot.listeners.views, "validate", boom)
    found = problems(fuzz_against(slack_standin, engine))
    assert "error logged" in found
    assert any(p.startswith("inline error on 'when': apology") for p in found), found
