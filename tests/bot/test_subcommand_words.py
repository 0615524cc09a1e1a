"""Words that start with a subcommand's name but do not fit it add a schedule (`[to|about]` is optional)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.commands.grammar import Command, parse_command
from bot.errors import UsageError
from storage import repository
from storage.db import transaction
from tests.bot.conftest import Slack, text_of

ADDS = [
    "run the backups every day at 2am",
    "show the demo friday at 3pm",
    "list the open PRs every monday at 9am",
    "help the new hire tomorrow at 10am",
    "edit the release notes tomorrow at 9am",
    "snooze the pager rota every monday at 9am",
    "tz report for Europe every friday at 5pm",
    "limits review every friday at 4pm",
    "settings review for the team every monday at 9am",
]


@pytest.mark.parametrize("text", ADDS)
def test_words_after_a_subcommand_name_that_do_not_fit_it_are_an_add(text: str) -> None:
    command = parse_command(text)
    assert (command.name, command.argument) == ("add", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", Command("help")),
        ("help pause", Command("help")),
        ("show 3", Command("show", number=3)),
        ("show #3", Command("show", number=3)),
        ("list mine", Command("list", argument="mine")),
        ("tz Mars/Phobos", Command("tz", argument="Mars/Phobos")),
        ("snooze 2 10m", Command("snooze", number=2, argument="10m")),
        ("limits", Command("limits")),
        ("settings", Command("settings")),
        ("settings Broadcasts EVERYONE", Command("settings", argument="broadcasts everyone")),
    ],
)
def test_the_subcommands_themselves_are_unchanged(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("pause", "Which schedule"), ("list nonsense", "I can list")])
def test_a_subcommand_missing_its_words_is_still_a_usage_error(text: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        parse_command(text)


def test_they_add_schedules_over_slack(slack: Slack, db: sessionmaker[Session]) -> None:
    for number, text in enumerate(ADDS[:4], start=1):
        assert f"Scheduled *#{number}*" in text_of(slack.command(text)), text
    with transaction(db) as session:
        posted = [t.payload["text"] for t in repository.list_triggers(session, team_id="T1")]
    assert posted == ["run the backups", "show the demo", "list the open PRs", "help the new hire"]


def test_real_subcommand_mistakes_still_say_what_was_wrong(slack: Slack, db: sessionmaker[Session]) -> None:
    assert "Which schedule should I pause?" in text_of(slack.command("pause"))
    assert "not a time zone I know" in text_of(slack.command("tz Mars/Phobos"))
    shown = text_of(slack.command("pause soon"))
    # No schedule in the words at all: only the subcommand's hint (issue 18), not the parser's answer too.
    assert (
        shown
        == ":warning: “soon” is not a schedule number; numbers look like `3` or `#3`\nExample: `/schedule pause 3`"
    )
    with transaction(db) as session:
        assert repository.list_triggers(session, team_id="T1") == []
