"""Until done through the real Bolt app with signed requests: the phrase parts, the Done button, history."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.commands.untildone import strip_phrases
from bot.errors import UsageError
from schedulebot.standin import SlackStandIn
from storage import repository
from storage.db import transaction
from storage.models import Run
from tests.bot.conftest import BOT_TOKEN, Slack, text_of

LEAD = "<@ULEAD|lead>"


AT_9 = "to file it at 9am"
REPEATS = [
    ("to check the backups every day at 9am until someone marks it done", "to check the backups every day at 9am"),
    ("<@UANA> to file it tomorrow at 9am, repeat every hour until done", "<@UANA> to file it tomorrow at 9am"),
    (f"{AT_9}, repeat every 30 minutes until it is done", AT_9),
    (f"{AT_9}, repeat every 2 hours until done, escalate to {LEAD} after 4 hours", AT_9),
    (f"{AT_9} until someone marks it done and escalate to {LEAD} after 90 minutes", AT_9),
]
ASKED = [(3600, None, None), (3600, None, None), (1800, None, None), (7200, "ULEAD", 14400), (3600, "ULEAD", 5400)]


@pytest.fixture(autouse=True)
def _ops_channel(standin: SlackStandIn) -> None:
    """#ops (C42) is a public channel everyone here is in: they see its schedules and press its buttons."""
    standin.set_channel("C42", "ops")


@pytest.mark.parametrize(
    ("text", "rest", "every", "lead", "after"), [(*words, *asked) for words, asked in zip(REPEATS, ASKED, strict=True)]
)
def test_the_until_done_parts_are_taken_off_before_the_schedule_is_read(
    text: str, rest: str, every: int, lead: str | None, after: int | None
) -> None:
    stripped, nag = strip_phrases(text)
    assert stripped == rest
    assert nag == {"every": every, "max": 20, "escalate_to": lead, "escalate_after": after}


def test_words_without_an_until_done_part_are_left_alone() -> None:
    assert strip_phrases("to water the plants until friday every day at 9am") == (
        "to water the plants until friday every day at 9am",
        None,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"to file it at 9am, escalate to {LEAD} after 2 hours", "Escalation is for reminders that repeat"),
        ("to file it at 9am, repeat every 0 minutes until done", "every minute at the most"),
        ("to file it at 9am until someone marks it done, escalate to @lead after 2 hours", "could not find the person"),
        (f"to file it at 9am until someone marks it done, escalate to {LEAD} after 30 hours", "before the last repeat"),
    ],
)
def test_until_done_mistakes_are_named(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        strip_phrases(text)


def test_a_reminder_until_done_is_saved_with_its_repeats_and_escalation(
    slack: Slack, db: sessionmaker[Session]
) -> None:
    reply = text_of(
        slack.command(
            f"remind <#C42|ops> to file the expense report tomorrow at 9am, repeat every hour until done, "
            f"escalate to {LEAD} after 2 hours"
        )
    )
    assert "Scheduled *#1*" in reply and "file the expense report" in reply
    assert "*Until done:* posted again every hour in its thread, up to 20 times" in reply
    assert "<@ULEAD> is told after 2 hours" in reply
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
    assert trigger.payload == {
        "text": "file the expense report",
        "until_done": {"every": 3600, "max": 20, "escalate_to": "ULEAD", "escalate_after": 7200},
    }
    assert "until" not in trigger.schedule_text and "escalate" not in trigger.schedule_text
    mistake = text_of(slack.command(f"to file it at 9am, escalate to {LEAD} after 2 hours"))
    assert ":warning:" in mistake and "Escalation is for reminders" in mistake


def _posted_reminder(slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]) -> tuple[str, dict[str, Any]]:
    """#1 has posted its first reminder (run and message) and queued its first repeat."""
    slack.command("<#C42|ops> to check the backups every day at 9am until someone marks it done")
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url)
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        due = datetime.now(UTC).replace(microsecond=0)
        first = Run(trigger_id=trigger.id, team_id="T1", due_at=due, state="succeeded")
        session.add(first)
        session.flush()
        value = f"1 {first.id}"
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": "check the backups"}},
            {"type": "actions", "elements": [{"type": "button", "action_id": "schedulebot.done", "value": value}]},
        ]
        posted = client.chat_postMessage(channel="C42", text="check the backups", blocks=blocks)
        first.slack_ts = posted["ts"]
        repeat = Run(trigger_id=trigger.id, team_id="T1", due_at=due + timedelta(hours=1), repeat_of=first.id)
        repeat.kind, repeat.enqueued_at = "repeat", due + timedelta(hours=1)
        session.add(repeat)
    return value, {**posted["message"], "ts": posted["ts"], "blocks": blocks}


def test_done_marks_the_reminder_edits_the_post_cancels_the_repeats_and_shows_in_history(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    value, message = _posted_reminder(slack, standin, db)
    slack.sender.block_action("schedulebot.done", value, user_id="UBO", channel_id="C42", message=message)
    [update] = standin.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))[-1:]
    assert update.params["ts"] == message["ts"] and update.text.startswith("✅ Done by <@UBO> at <!date^")
    assert "schedulebot.done" not in str(update.params["blocks"]), "no Done button left"
    with transaction(db) as session:
        first, repeat = session.scalars(select(Run).order_by(Run.due_at)).all()
        assert (first.done_by, repeat.state, repeat.error) == ("UBO", "skipped", "marked done")
    again = slack.press("schedulebot.done", value, user="UCY", channel="C42", message=message)
    assert again is not None and "Already marked done: ✅ Done by <@UBO>" in text_of(again)
    assert len(standin.calls("chat.update")) == 1
    history = text_of(slack.command("history 1"))
    assert "*Marked done*" in history and "✅ <@UBO> at" in history


def test_two_people_pressing_done_at_once_one_wins_and_the_other_is_told(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    value, message = _posted_reminder(slack, standin, db)
    keys = {user: uuid.uuid4().hex for user in ("UBO", "UCY")}

    def press(user: str) -> None:
        url = standin.response_url(keys[user], channel="C42", user=user, team_id="T1")
        slack.sender.block_action(
            "schedulebot.done", value, user_id=user, channel_id="C42", message=message, response_url=url
        )

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=lambda u=u: (barrier.wait(), press(u))) for u in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    standin.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))
    with transaction(db) as session:
        first = session.scalars(select(Run).where(Run.repeat_of.is_(None))).one()
    assert first.done_by in keys
    winner, loser = ("UBO", "UCY") if first.done_by == "UBO" else ("UCY", "UBO")
    told = slack.reply_to(keys[loser])
    assert f"Already marked done: ✅ Done by <@{winner}>" in text_of(told)
    [update] = standin.calls("chat.update")
    assert update.text.startswith(f"✅ Done by <@{winner}>")
    assert not [c for c in standin.calls("response_url") if c.key == keys[winner]], "the edited post tells the winner"
