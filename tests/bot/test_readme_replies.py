"""Every reply the README quotes in its Commands and Events sections is what the app answers, driven over HTTP.

The README's lines are read from its code blocks: each ⚠️ line of both sections, and the one-line replies of
Commands (⏸ ▶️ 🚫 🚀 ⏩ 💤 🌍 🤔). Each must have a way to produce it below, and the app's answer, shown as
Slack shows it (emoji, channel names, dates as DATE, no bold), must contain it line for line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.console.render import Renderer
from storage import repository
from storage.db import transaction
from storage.models import TriggerState
from tests.bot.conftest import Slack, text_of
from tests.conftest import REPO_ROOT

WARNING = "⚠️"
COMMAND_MARKS = (WARNING, "⏸", "▶️", "🚫", "🚀", "⏩", "💤", "🌍", "🤔")
# A date as the README writes what a Slack date token shows.
_README_DATE = re.compile(
    r"(?:Today|Tomorrow|Yesterday|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \w+ \d+(?:st|nd|rd|th))"
    r" at \d{1,2}:\d\d [AP]M"
)
_TOKEN = re.compile(r"<!date\^\d+\^[^>]*>")
# The README's annotations beside a reply: `⚠️ …   (followed by the help)`.
_ANNOTATION = re.compile(r"\s{3,}\(.*\)$")

Drive = Callable[[Slack, sessionmaker[Session]], str]


def _schedule(*commands: str) -> Drive:
    """Type each `/schedule` command in #ops (C9); the last one's reply is the answer."""

    def drive(slack: Slack, _: sessionmaker[Session]) -> str:
        replies = [text_of(slack.command(command, channel="C9")) for command in commands]
        return replies[-1]

    return drive


def _event(words: str) -> Drive:
    """Type `/event words` in #ops (C9)."""

    def drive(slack: Slack, _: sessionmaker[Session]) -> str:
        return text_of(slack.command(words, channel="C9", command="/event"))

    return drive


def _snooze_after_it_ran(slack: Slack, db: sessionmaker[Session]) -> str:
    slack.command("to stand up every day at 9am", channel="C9")
    slack.command("to stretch tomorrow at 9am", channel="C9")
    with transaction(db) as session:  # as the worker leaves a one-off once it has posted
        repository.update_trigger(session, team_id="T1", number=2, state=TriggerState.COMPLETED.value, next_run_at=None)
    return text_of(slack.command("snooze 2 20 minutes", channel="C9"))


ADD = "<#C9|ops> to check the deploy every friday at 4pm"
# The first words of each README line → how to make the app say it.
DRIVERS: dict[str, Drive] = {
    "⏸ Paused #1": _schedule(ADD, "pause 1"),
    "▶️ Resumed #1": _schedule(ADD, "pause 1", "resume 1"),
    "🚫 Cancelled #1": _schedule(ADD, "cancel 1"),
    "🚀 Running #1": _schedule(ADD, "run 1"),
    "⏩ Skipping the run": _schedule(ADD, "skip 1"),
    "💤 Snoozed #2: the run due": _schedule(ADD, "to stretch tomorrow at 9am", "snooze 2 20 minutes"),
    "💤 Snoozed #2: it has already run": _snooze_after_it_ran,
    "🌍 Your time zone": _schedule("tz Europe/Berlin"),
    "⚠️ “soon” is not": _schedule("pause soon"),
    "⚠️ No schedule found": _schedule("to check the deploy"),
    "🤔 I don't know": _schedule("lsit"),
}


def _section(readme: str, heading: str) -> str:
    start = readme.index(f"\n## {heading}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:end]


def _code_lines(section: str) -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, re.DOTALL)
    return [line.rstrip() for block in blocks for line in block.splitlines()]


def readme_replies() -> list[tuple[str, Drive]]:
    """(README line, its driver) for every quoted reply of the Commands and Events sections."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    quoted: list[tuple[str, Drive]] = []
    for line in _code_lines(_section(readme, "Commands")):
        if line.startswith(COMMAND_MARKS):
            line = _ANNOTATION.sub("", line)
            quoted.append((line, next(d for prefix, d in DRIVERS.items() if line.startswith(prefix))))
    for line in _code_lines(_section(readme, "Events")):
        command, mark, message = line.partition(WARNING)
        if mark:
            quoted.append((mark + message, _event(command.strip().removeprefix("/event ").strip())))
    return quoted


def _shown(reply: str) -> list[str]:
    """The reply as a reader sees it, one line each, with dates as DATE."""
    renderer = Renderer(ZoneInfo("UTC"), lambda cid: "ops", lambda uid: uid.lower())
    shown = renderer.mrkdwn(_TOKEN.sub("DATE", reply)).replace("*", "")
    return [_plain(line) for line in shown.splitlines()]


def _plain(line: str) -> str:
    return _README_DATE.sub("DATE", line).replace("\ufe0f", "").strip()


def test_every_reply_the_readme_quotes_has_a_driver() -> None:
    found = readme_replies()
    assert len(found) >= len(DRIVERS) + 4  # the Commands replies and the four Events mistakes
    assert any(line.startswith("⚠️ That start is in the past") for line, _ in found)


def test_every_reply_the_readme_quotes_is_what_the_app_says(slack: Slack, db: sessionmaker[Session]) -> None:
    for line, drive in readme_replies():
        with transaction(db) as session:  # each reply from a fresh workspace: schedules numbered from #1
            for trigger in repository.list_triggers(session, team_id="T1", states=[s.value for s in TriggerState]):
                session.delete(trigger)
        answer = _shown(drive(slack, db))
        assert _plain(line) in answer, (line, answer)
