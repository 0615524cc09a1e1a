"""Broadcast mentions, quotas, the minimum interval and `run now`'s rate, through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.broadcasts import mentions
from bot.quotas import Limits
from schedulebot.standin import SlackStandIn
from schedulebot.standin.payloads import conversations_select
from storage import repository
from storage.db import transaction
from storage.models import AuditEntry
from tests.bot.conftest import Served, Slack, make_settings, serve, text_of, trigger_state

ADMIN = "UADMIN"
QUOTAS = {
    "SCHEDULEBOT_MAX_TRIGGERS_PER_WORKSPACE": "6",
    "SCHEDULEBOT_MAX_TRIGGERS_PER_PERSON": "3",
    "SCHEDULEBOT_MAX_TRIGGERS_PER_CHANNEL": "4",
}


@pytest.fixture
def served(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    standin.set_user(ADMIN, is_admin=True)
    yield from serve(make_settings(database_url, standin.api_url, **QUOTAS), engine)


def _saved(db: sessionmaker[Session]) -> list[str]:
    with transaction(db) as session:
        return [t.payload["text"] for t in repository.list_triggers(session, team_id="T1")]


@pytest.mark.parametrize(
    ("mention", "named"),
    [("<!channel>", "@channel"), ("<!here|here>", "@here"), ("<!everyone>", "@everyone"),
     ("<!subteam^S0123|@oncall>", "@oncall")],
)  # fmt: skip
def test_broadcasts_are_refused_for_people_who_are_not_admins(
    slack: Slack, db: sessionmaker[Session], mention: str, named: str
) -> None:
    shown = text_of(slack.command(f"to {mention} deploy is starting every friday at 4pm"))
    assert f":warning: {named} notifies everyone it names" in shown and "only workspace admins and owners" in shown
    assert "/schedule settings broadcasts everyone" in shown
    assert _saved(db) == []
    assert "Scheduled *#1*" in text_of(slack.command(f"to {mention} deploy every friday at 4pm", user=ADMIN))


def test_an_admin_may_let_everyone_broadcast_and_only_an_admin(slack: Slack, db: sessionmaker[Session]) -> None:
    assert "admins and owners may schedule" in text_of(slack.command("settings"))
    refused = text_of(slack.command("settings broadcasts everyone"))
    assert "Only a workspace admin or owner can change the settings" in refused
    assert "From now on everyone may" in text_of(slack.command("settings broadcasts everyone", user=ADMIN))
    assert "Scheduled *#1*" in text_of(slack.command("to <!here> standup every weekday at 9:30am"))
    assert "everyone may schedule" in text_of(slack.command("settings"))
    slack.command("settings broadcasts admins", user=ADMIN)
    assert "notifies everyone" in text_of(slack.command('edit 1 "<!channel> standup"'))
    assert _saved(db) == ["<!here> standup"]
    with transaction(db) as session:
        changes = session.scalars(select(AuditEntry).where(AuditEntry.action == "settings")).all()
        assert [(e.actor_id, e.detail) for e in changes] == [
            (ADMIN, {"broadcasts": "everyone"}),
            (ADMIN, {"broadcasts": "admins"}),
        ]
    assert "I can change `broadcasts` to `everyone` or `admins`" in text_of(
        slack.command("settings broadcasts nobody", user=ADMIN)
    )


def test_plain_at_channel_is_kept_because_posts_do_not_link_names(slack: Slack, db: sessionmaker[Session]) -> None:
    assert "Scheduled *#1*" in text_of(slack.command("to ping @channel and @here every friday at 4pm"))
    assert _saved(db) == ["ping @channel and @here"]


def test_quotas_per_person_channel_and_workspace_name_the_limit(slack: Slack, db: sessionmaker[Session]) -> None:
    for n in range(3):
        assert "Scheduled" in text_of(slack.command(f"to mine {n} every friday at 4pm"))
    shown = text_of(slack.command("to one too many every friday at 4pm"))
    assert "You already have 3 live schedules, the limit per person" in shown
    assert "SCHEDULEBOT_MAX_TRIGGERS_PER_PERSON = 3" in shown
    slack.command("to theirs every friday at 4pm", user="U2")
    shown = text_of(slack.command("to crowded every friday at 4pm", user="U3"))
    assert "<#C1> already has 4 live schedules, the limit per channel" in shown
    slack.command("to elsewhere every friday at 4pm", user="U3", channel="C2")
    slack.command("to elsewhere too every friday at 4pm", user="U4", channel="C3")
    shown = text_of(slack.command("to number seven every friday at 4pm", user="U5", channel="C4"))
    assert "This workspace already has 6 live schedules" in shown and "= 6" in shown
    assert len(_saved(db)) == 6
    slack.command("cancel 1")  # cancelled ones do not count
    assert "Scheduled" in text_of(slack.command("to room again every friday at 4pm", channel="C5"))
    usage = text_of(slack.command("limits", channel="C5"))
    assert "Live schedules in this workspace: *6* of 6" in usage and "Yours: *3* of 3" in usage
    assert "In <#C5>: *1* of 4" in usage and "every 5 minutes" in usage


def test_quotas_hold_when_many_add_at_once(slack: Slack, db: sessionmaker[Session]) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda n: text_of(slack.command(f"to burst {n} every friday at 4pm")), range(8)))
    assert sum("Scheduled" in reply for reply in replies) == 3
    assert sum("limit per person" in reply for reply in replies) == 5
    assert len(_saved(db)) == 3


def test_people_who_are_not_admins_repeat_at_most_every_five_minutes(slack: Slack, db: sessionmaker[Session]) -> None:
    shown = text_of(slack.command("to poll the queue every minute"))
    assert "That runs every minute; schedules made by people who are not workspace admins run at most every " in shown
    assert "5 minutes (SCHEDULEBOT_MIN_INTERVAL_MINUTES)" in shown
    assert "run at most every" in text_of(slack.command("to poll at 9am and 9:02am"))
    assert "Scheduled *#1*" in text_of(slack.command("to poll the queue every 5 minutes"))
    assert "run at most every" in text_of(slack.command("edit 1 every 2 minutes"))
    assert "Scheduled *#2*" in text_of(slack.command("to poll the queue every minute", user=ADMIN))
    assert _saved(db) == ["poll the queue", "poll the queue"]


def test_run_now_at_most_once_a_minute_per_schedule(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command("to check the deploy every friday at 4pm")
    slack.command("to check the backups every friday at 4pm")
    assert "Running *#1* now" in text_of(slack.command("run 1"))
    again = text_of(slack.command("run 1"))
    assert "#1 was run by hand" in again and "once every minute (SCHEDULEBOT_RUN_NOW_SECONDS)" in again
    assert "may run again in " in again
    assert "Running *#2* now" in text_of(slack.command("run 2"))


def test_the_app_home_form_shows_the_limits_on_the_form(slack: Slack, db: sessionmaker[Session]) -> None:
    values = {
        "what": {"what_input": "Poll the queue"},
        "channel": {"channel_input": conversations_select("C4")},
        "when": {"when_input": "every minute"},
    }
    fast = slack.sender.view_submission("schedulebot.new", values).json()
    assert fast["response_action"] == "errors"
    assert "run at most every 5 minutes (SCHEDULEBOT_MIN_INTERVAL_MINUTES)" in fast["errors"]["what"]
    for n in range(3):
        slack.command(f"to mine {n} every friday at 4pm")
    values["when"] = {"when_input": "every friday at 4pm"}
    full = slack.sender.view_submission("schedulebot.new", values).json()
    assert "the limit per person" in full["errors"]["what"]
    assert len(_saved(db)) == 3


def test_help_names_the_limits_and_the_new_commands(slack: Slack) -> None:
    shown = text_of(slack.command("help"))
    assert "`/schedule limits`" in shown and "`/schedule settings [broadcasts everyone|admins]`" in shown
    assert "a command has at most 2,000 characters, the time at its end at most 500 characters" in shown


def test_the_defaults_are_the_documented_ones() -> None:
    limits = Limits.from_settings(make_settings("sqlite://", "http://127.0.0.1:1/api/"))
    assert (limits.workspace, limits.person, limits.channel) == (1000, 100, 100)
    assert (limits.min_interval, limits.run_now) == (timedelta(minutes=5), timedelta(seconds=60))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("standup <!here> and <!channel|@channel>", ["@here", "@channel"]),
        ("<!subteam^S0123|@oncall> <!subteam^S0456> <!group>", ["@oncall", "a user group", "@channel"]),
        ("@channel &lt;!here&gt; <@U123> <#C1|ops> <!date^1700000000^{date}|x>", []),
    ],
)
def test_broadcast_mentions_are_named_as_people_see_them(text: str, found: list[str]) -> None:
    assert mentions(text) == found


def test_a_finished_schedule_brought_back_counts_again(slack: Slack, db: sessionmaker[Session]) -> None:
    for n in range(3):
        slack.command(f"to mine {n} every friday at 4pm")
    with transaction(db) as session:  # as the worker leaves a schedule that had its last run
        repository.set_trigger_state(session, team_id="T1", number=1, state="completed")
    slack.command("to a third again every friday at 4pm")
    shown = text_of(slack.command("edit 1 every monday at 9am"))
    assert "You already have 3 live schedules, the limit per person" in shown
    assert trigger_state(db, 1) == "completed"
    shown = text_of(slack.command("edit 1 every monday at 9am", user=ADMIN))
    assert "<@U1> already has 3 live schedules" in shown
