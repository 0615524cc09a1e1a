"""`/schedule` over real HTTP, signed as Slack signs it, answered through the response URL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage import repository
from storage.db import transaction
from tests.bot.conftest import Served, Slack, text_of, trigger_state

# More people adding at once than the bot has listener threads, so saves in one workspace overlap.
CONCURRENT_ADDS = 16


def _buttons(reply: object) -> list[str]:
    blocks = reply.params.get("blocks") or []  # type: ignore[attr-defined]
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_add_confirms_what_where_when_and_next_runs_with_buttons(slack: Slack, db: sessionmaker[Session]) -> None:
    reply = slack.command("<#C9|ops> to check the deploy every friday at 4pm")
    shown = text_of(reply)
    assert "Scheduled *#1*" in shown
    assert "> check the deploy" in shown and "*Where:* <#C9>" in shown
    assert "every Friday at 4:00 PM" in shown
    assert shown.count("<!date^") >= 3 and "{date_short_pretty} at {time}|" in shown
    assert _buttons(reply) == ["schedulebot.pause", "schedulebot.run", "schedulebot.cancel"]
    assert reply.params["response_type"] == "ephemeral"
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        assert (trigger.channel_id, trigger.creator_id, trigger.zone) == ("C9", "U1", "America/New_York")
        assert trigger.payload == {"text": "check the deploy"}
        assert trigger.schedule_text == "every friday at 4pm"
        (entry,) = repository.list_audit(session, team_id="T1", target_id=trigger.id)
        assert (entry.action, entry.actor_id) == ("create", "U1")
        assert entry.command.startswith("/schedule <#C9|ops> to check")


def test_channel_defaults_to_where_the_command_was_typed_and_quotes_force_the_split(
    slack: Slack, db: sessionmaker[Session]
) -> None:
    slack.command('"standup in 5" every weekday at 9:30', channel="C7")
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        assert (trigger.channel_id, trigger.payload["text"]) == ("C7", "standup in 5")


def test_the_whole_life_of_a_schedule(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command("to check the deploy every friday at 4pm")
    assert "check the deploy" in text_of(slack.command("list"))
    assert "#1" in text_of(slack.command("list mine", channel="C5"))
    assert "no schedules" in text_of(slack.command("list <#C5|other>"))
    assert "created by <@U1>" in text_of(slack.command("show #1"))
    assert "Paused *#1*" in text_of(slack.command("pause 1"))
    assert trigger_state(db, 1) == "paused"
    assert "already paused" in text_of(slack.command("pause 1"))
    assert "Resumed *#1*" in text_of(slack.command("resume 1"))
    assert "Skipping the run" in text_of(slack.command("skip 1"))
    assert "every Monday at 10:00 AM" in text_of(slack.command("edit 1 every monday at 10am"))
    assert "> ship it" in text_of(slack.command('edit 1 "ship it"'))
    history = text_of(slack.command("history 1"))
    assert all(word in history for word in ("create", "pause", "resume", "skip", "edit"))
    assert "Cancelled *#1*" in text_of(slack.command("cancel 1"))
    assert trigger_state(db, 1) == "cancelled"
    assert "already cancelled" in text_of(slack.command("cancel 1"))
    assert "no schedules" in text_of(slack.command("list"))


def test_snooze_moves_a_one_off_reminder(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command("to stretch tomorrow at 9am")
    assert "Snoozed *#1*" in text_of(slack.command("snooze 1 2 hours"))
    assert "not a length of time" in text_of(slack.command("snooze 1 blue"))
    slack.command("to check the deploy every friday at 4pm")
    assert "Skip its next run instead" in text_of(slack.command("snooze 2 10m"))


def test_time_zone_override_is_used_and_a_trigger_keeps_its_zone(slack: Slack, db: sessionmaker[Session]) -> None:
    assert "America/New_York" in text_of(slack.command("tz"))
    slack.command("to one every day at 9am")
    assert "Europe/Berlin" in text_of(slack.command("tz europe/berlin"))
    slack.command("to two every day at 9am")
    assert "you set it" in text_of(slack.command("tz"))
    with transaction(db) as session:
        zones = [t.zone for t in repository.list_triggers(session, team_id="T1")]
    assert zones == ["America/New_York", "Europe/Berlin"]
    assert "America/New_York" in text_of(slack.command("tz reset"))


MISTAKES = [
    ("pause", "Which schedule"),
    ("pause soon", "is not a schedule number"),
    ("pause 1 2", "just the schedule's number"),
    ("show 99", "no schedule #99"),
    ("show 99999999999", "no schedule #99999999999"),
    ("snooze 1", "How long"),
    ("edit 1", "What should change"),
    ("list everything-else", "I can list"),
    ("tz Mars/Base", "not a time zone I know"),
    ("tz Europe/Berlin extra", "one IANA name"),
    ("#nowhere to post every day at 9am", "could not find the channel"),
    ("to check the deploy", "no schedule found"),
    ("to check the deploy every blursday", "Try:"),
    ("every day at 9am", "Say what to schedule"),
    ("to remember at 25:00", "'25:00' is not a time of day"),
]


def test_every_mistake_is_named_with_an_example(slack: Slack, db: sessionmaker[Session]) -> None:
    for text, expected in MISTAKES:
        shown = text_of(slack.command(text))
        assert expected.lower() in shown.lower(), (text, shown)
        assert ":warning:" in shown and ("`/schedule" in shown or "Try:" in shown), (text, shown)
    with transaction(db) as session:
        assert repository.list_triggers(session, team_id="T1") == []


def test_unknown_subcommand_shows_help_with_a_suggestion(slack: Slack) -> None:
    shown = text_of(slack.command("lsit"))
    assert "Did you mean `/schedule list`?" in shown
    assert "/schedule snooze ID <duration>" in shown
    assert "What I can do" in text_of(slack.command(""))


def test_adds_at_the_same_moment_in_one_workspace_each_get_their_own_number(
    standin: SlackStandIn, served: Served, db: sessionmaker[Session]
) -> None:
    def add(i: int) -> str:
        person = Slack(standin, served.url)
        try:
            return text_of(person.command(f"to check {i} every friday at 4pm"))
        finally:
            person.sender.close()

    with ThreadPoolExecutor(CONCURRENT_ADDS) as pool:
        replies = list(pool.map(add, range(CONCURRENT_ADDS)))
    assert all("Scheduled *#" in reply for reply in replies), [r for r in replies if "Scheduled" not in r]
    with transaction(db) as session:
        triggers = repository.list_triggers(session, team_id="T1")
    assert [t.number for t in triggers] == list(range(1, CONCURRENT_ADDS + 1))
    assert sorted(t.payload["text"] for t in triggers) == sorted(f"check {i}" for i in range(CONCURRENT_ADDS))


def test_a_slash_command_is_answered_while_every_listener_thread_is_busy(
    slack: Slack, served: Served, standin: SlackStandIn
) -> None:
    release = threading.Event()
    executor = served.bot.app.listener_runner.listener_executor
    # More jobs than the listener threads, so every thread is busy and the rest wait in the queue, leaving the
    # command the last place SCHEDULEBOT_WEB_QUEUE allows (bot/backlog.py; past it the command is refused busy).
    blocking = [executor.submit(release.wait) for _ in range(served.settings.web_queue - 1)]
    key = uuid.uuid4().hex
    try:
        url = standin.response_url(key, channel="C1", user="U1", team_id="T1")
        response = slack.sender.command(text="to check the deploy every friday at 4pm", team_id="T1", response_url=url)
        assert response.status_code == 200, response.text
        assert not any(call.key == key for call in standin.calls("response_url"))  # the work waits for a thread
    finally:
        release.set()
    assert all(job.result() for job in blocking)
    assert "Scheduled *#1*" in text_of(slack.reply_to(key))
