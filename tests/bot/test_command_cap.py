"""Input that costs nothing to refuse: a command over the cap is refused, naming it, before any parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.commands.grammar import parse_command
from bot.errors import UserError
from bot.events.grammar import parse_event_command
from bot.schedules import MAX_COMMAND_CHARS, ParseError, parse, split_what_when
from schedulebot.bench.adversarial import cases
from schedulebot.standin import SlackStandIn
from storage import repository
from storage.db import transaction
from storage.events import repository as events
from tests.bot.conftest import Slack, text_of

HUGE = ('add "t" ' + "remind " * 5715).strip()  # 40,012 characters
NOW = datetime(2026, 3, 6, 15, tzinfo=UTC)
CAP_MESSAGE = f"That command is {len(HUGE):,} characters; the limit is {MAX_COMMAND_CHARS:,}"


def _nothing_saved(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        assert repository.list_triggers(session, team_id="T1") == []
        assert events.list_events(session, team_id="T1") == []


def test_a_huge_schedule_command_is_refused_naming_the_cap(slack: Slack, db: sessionmaker[Session]) -> None:
    reply = text_of(slack.command("to " + HUGE[3:] + " every day at 9am"))
    assert ":warning: That command is 40," in reply and "the limit is 2,000" in reply
    _nothing_saved(db)


def test_a_huge_event_command_is_refused_naming_the_cap(slack: Slack, db: sessionmaker[Session]) -> None:
    key = "huge-event"
    url = slack.standin.response_url(key, channel="C1", user="U1", team_id="T1")
    response = slack.sender.command(
        command="/event", text=HUGE, user_id="U1", channel_id="C1", team_id="T1", response_url=url
    )
    assert response.status_code == 200
    assert CAP_MESSAGE in text_of(slack.reply_to(key))
    _nothing_saved(db)


@pytest.mark.parametrize("via", ["mention", "event mention", "dm"])
def test_huge_mentions_and_dms_are_refused_naming_the_cap(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session], via: str
) -> None:
    if via == "dm":
        assert slack.sender.message_im(HUGE).status_code == 200
        method = "chat.postMessage"
    else:
        text = ("<@UBOT> event " if via == "event mention" else "<@UBOT> ") + HUGE
        assert slack.sender.app_mention(text).status_code == 200
        method = "chat.postEphemeral"
    calls = standin.wait_for(lambda calls: any(c.method == method for c in calls))
    (reply,) = [c for c in calls if c.method == method]
    assert CAP_MESSAGE in text_of(reply)
    _nothing_saved(db)


@pytest.mark.parametrize(("command", "text"), cases(), ids=lambda value: value[:20])
def test_adversarial_commands_at_the_cap_are_read_or_refused(command: str, text: str) -> None:
    """Every adversarial shape the bench times is answered: a schedule, or a user's mistake, never a crash."""
    assert len(text) == MAX_COMMAND_CHARS
    try:
        if command == "/schedule":
            split_what_when(parse_command(text).argument, now=NOW, tz="UTC")
        else:
            event = parse_event_command(text)
            parse(event.when, now=NOW, tz="UTC")
    except (UserError, ParseError) as refused:
        assert str(refused).strip()


def test_the_readme_quotes_the_limit_messages_the_bot_gives() -> None:
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    with pytest.raises(UserError) as command:
        parse_command("x" * 2412)
    with pytest.raises(ParseError) as phrase:
        parse("every day " * 60 + "at 9am, 5:30", now=NOW, tz="UTC")
    with pytest.raises(ParseError) as tail:
        split_what_when("to " + "ship it " * 80, now=NOW, tz="UTC")
    quoted = {
        str(command.value).split(". ")[0] + ".",
        str(phrase.value).split(". ")[0],
        str(tail.value).split(". Try")[0][:1].upper() + str(tail.value).split(". Try")[0][1:],
    }
    assert quoted == {
        "That command is 2,412 characters; the limit is 2,000.",
        "that is 612 characters; a schedule has at most 500",
        "No schedule found at the end of that message (I read the time from at most its last 500 characters and "
        "24 words)",
    }
    for message in quoted:
        assert message in readme
