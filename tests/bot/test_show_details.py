"""`/schedule show N` says what the add reply said (holidays passed among the runs, until-done settings, the
rotation); rotations and until-done honour the workspace calendar; a look or a press reads the schedule once.
Over real HTTP, signed as Slack signs them, at a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage import repository
from storage.claims import claim_due
from storage.db import transaction
from storage.models import Run
from tests.bot.conftest import BOT_TOKEN, Served, Slack, make_settings, serve, text_of

# Wednesday December 23 2026, 10:00 in New York (the stand-in's users' zone).
NOW = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
CHRISTMAS_SKIPPED = "(Fri Dec 25 is Christmas Day, skipped)"
ANA, BO = "<@UANA|ana>", "<@UBO|bo>"


@pytest.fixture
def served(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    yield from serve(make_settings(database_url, standin.api_url), engine, clock=lambda: NOW)


@pytest.fixture(autouse=True)
def _ops_channel(standin: SlackStandIn) -> None:
    standin.set_channel("C42", "ops")


@pytest.fixture
def us_calendar(slack: Slack, standin: SlackStandIn) -> None:
    standin.set_user("U3", is_admin=True)
    assert "now *US*" in text_of(slack.command("holidays US", user="U3"))


def _runs_part(shown: str) -> str:
    return shown[shown.index("Next runs") :]


def _in_order(shown: str, *parts: str) -> bool:
    runs = _runs_part(shown)
    places = [runs.index(part) for part in parts]
    return places == sorted(places)


def test_show_lists_the_holidays_skipped_among_the_runs_as_the_add_reply_does(slack: Slack, us_calendar: None) -> None:
    added = text_of(slack.command("<#C42|ops> to post the report every business day at 9am"))
    shown = text_of(slack.command("show 1"))
    assert _in_order(shown, "Dec 24, 2026 9:00 AM", CHRISTMAS_SKIPPED, "Dec 28, 2026 9:00 AM")
    assert _runs_part(shown) == _runs_part(added)


def test_show_of_a_paused_schedule_keeps_the_holiday_notes(slack: Slack, us_calendar: None) -> None:
    slack.command("<#C42|ops> to post the report every business day at 9am")
    slack.command("pause 1")
    shown = text_of(slack.command("show 1"))
    assert "paused" in shown and CHRISTMAS_SKIPPED in shown


def test_show_of_a_reminder_until_done_says_how_it_repeats_and_whom_it_escalates_to(slack: Slack) -> None:
    added = text_of(
        slack.command(
            "<#C42|ops> to check the backups every day at 9am, repeat every 30 minutes until done, "
            "escalate to <@ULEAD|lead> after 2 hours"
        )
    )
    line = "*Until done:* posted again every 30 minutes in its thread, up to 20 times, until someone presses *Done*"
    escalation = "<@ULEAD> is told after 2 hours"
    assert line in added and escalation in added
    shown = text_of(slack.command("show 1"))
    assert line in shown and escalation in shown


def test_a_rotation_and_a_reminder_until_done_follow_the_workspace_calendar(slack: Slack, us_calendar: None) -> None:
    rotation = text_of(slack.command(f"<#C42|ops> rotate {ANA} {BO} to run the standup every business day at 9am"))
    assert "US holidays, the workspace calendar" in rotation
    assert _in_order(rotation, "Dec 24, 2026 9:00 AM", CHRISTMAS_SKIPPED, "Dec 28, 2026 9:00 AM")
    nag = text_of(slack.command("<#C42|ops> to file the report every business day at 9am until someone marks it done"))
    assert "US holidays, the workspace calendar" in nag and CHRISTMAS_SKIPPED in nag
    shown = text_of(slack.command("show 1"))
    assert CHRISTMAS_SKIPPED in shown and "*Next:* <@UANA>" in shown


def _trigger_reads(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        lowered = " ".join(statement.lower().split())
        if lowered.startswith("select") and "from triggers" in lowered:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def trigger_reads(engine: Engine) -> Iterator[list[str]]:
    yield from _trigger_reads(engine)


def test_rotation_n_and_the_not_me_button_read_the_schedule_once(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session], trigger_reads: list[str]
) -> None:
    slack.command(f"<#C42|ops> rotate {ANA} {BO} to run the standup every weekday at 9:30am")
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        run = Run(trigger_id=trigger.id, team_id="T1", due_at=NOW, state="succeeded", rotation_turn=0)
        session.add(run)
        session.flush()
        run_id = run.id
    trigger_reads.clear()
    assert "*Next:* <@UANA>" in text_of(slack.command("rotation 1"))
    assert len(trigger_reads) == 1
    value = f"1 {run_id} 0"
    button = {"type": "button", "action_id": "schedulebot.hand_on", "value": value}
    blocks = [{"type": "actions", "elements": [button]}]
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url)
    posted = client.chat_postMessage(channel="C42", text="<@UANA>: run the standup", blocks=blocks)
    message = {**posted["message"], "ts": posted["ts"], "blocks": blocks}
    trigger_reads.clear()
    slack.sender.block_action("schedulebot.hand_on", value, user_id="UANA", channel_id="C42", message=message)
    [update] = standin.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))[-1:]
    assert update.text == "<@UBO>: run the standup"
    assert len(trigger_reads) == 1


def test_a_done_press_reads_the_schedule_once(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session], trigger_reads: list[str]
) -> None:
    slack.command("<#C42|ops> to check the backups every day at 9am until someone marks it done")
    posted = WebClient(token=BOT_TOKEN, base_url=standin.api_url).chat_postMessage(channel="C42", text="backups")
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        first = Run(trigger_id=trigger.id, team_id="T1", due_at=NOW, state="succeeded", slack_ts=posted["ts"])
        session.add(first)
        session.flush()
        value = f"1 {first.id}"
    trigger_reads.clear()
    message = {**posted["message"], "ts": posted["ts"]}
    slack.sender.block_action("schedulebot.done", value, user_id="U1", channel_id="C42", message=message)
    standin.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))
    with transaction(db) as session:
        assert session.get_one(Run, int(value.split()[1])).done_by == "U1"
    assert len(trigger_reads) == 1


@pytest.mark.parametrize(
    ("mode", "monday", "note"), [("every run", "<@UCY>", "; the turn passes"), ("posted runs", "<@UBO>", "")]
)
def test_rotation_n_shows_the_holiday_and_whom_the_run_after_it_names(
    slack: Slack, us_calendar: None, mode: str, monday: str, note: str
) -> None:
    members = f"{ANA} {BO} <@UCY|cy>"
    slack.command(f"<#C42|ops> rotate {members} to run the standup every business day at 9am, rotate on {mode}")
    shown = text_of(slack.command("rotation 1"))
    lines = [line for line in shown.splitlines() if line.startswith("• ")]
    assert lines[0].endswith("· <@UANA>") and "Dec 24" in lines[0]
    assert lines[1] == f"• _(Fri Dec 25 is Christmas Day, skipped{note})_"
    assert lines[2].endswith(f"· {monday}") and "Dec 28" in lines[2]


def test_rotation_n_in_the_claim_window_shows_the_turns_the_claim_already_pinned(
    slack: Slack, us_calendar: None, db: sessionmaker[Session]
) -> None:
    """The claim of Dec 24 9am pinned Ana on it and passed Christmas (Bo's turn): the preview says so."""
    members = f"{ANA} {BO} <@UCY|cy>"
    slack.command(f"<#C42|ops> rotate {members} to run the standup every business day at 9am, rotate on every run")
    eve = datetime(2026, 12, 24, 14, 0, tzinfo=UTC)
    assert len(claim_due(db, now=NOW, horizon=eve)) == 1
    lines = [line for line in text_of(slack.command("rotation 1")).splitlines() if line.startswith("• ")]
    assert lines[0].endswith("· <@UANA>") and "Dec 24" in lines[0]
    assert lines[1] == "• _(Fri Dec 25 is Christmas Day, skipped; the turn passes)_"
    assert lines[2].endswith("· <@UCY>") and "Dec 28" in lines[2]
