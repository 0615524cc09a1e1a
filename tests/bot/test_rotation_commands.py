"""Rotations through the real Bolt app with signed requests: make one, look at it, change it, hand a run on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from storage import repository
from storage.db import transaction
from storage.models import AuditEntry, Rotation, Run
from storage.rotations import Turns, read_turns
from tests.bot.conftest import BOT_TOKEN, Slack, text_of

ANA, BO, CY, DEE = "<@UANA|ana>", "<@UBO|bo>", "<@UCY|cy>", "<@UDEE|dee>"
NEW = f"#ops rotate {ANA} {BO} {CY} to run the standup every weekday at 9:30am"


@pytest.fixture(autouse=True)
def _ops_channel(standin: SlackStandIn) -> None:
    """#ops (C42) is a public channel everyone here is in: they see its schedules and press its buttons."""
    standin.set_channel("C42", "ops")


def _turns(db: sessionmaker[Session], number: int = 1) -> Turns:
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=number)
        turns = read_turns(session, trigger_id=trigger.id)
    assert turns is not None
    return turns


def _new(slack: Slack) -> str:
    return text_of(slack.command(NEW.replace("#ops", "<#C42|ops>")))


def test_a_rotation_is_made_with_its_people_in_order_and_the_first_is_next(
    slack: Slack, db: sessionmaker[Session]
) -> None:
    shown = _new(slack)
    assert "Scheduled rotation *#1*" in shown and "run the standup" in shown
    assert "<@UANA> → <@UBO> → <@UCY>" in shown and "*Next:* <@UANA>" in shown
    assert _turns(db) == Turns(("UANA", "UBO", "UCY"), 0, False)
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        assert (trigger.channel_id, trigger.payload["text"]) == ("C42", "run the standup")


def test_a_rotation_made_to_rotate_on_every_run_says_so(slack: Slack, db: sessionmaker[Session]) -> None:
    shown = text_of(slack.command(f"rotate {ANA} {BO} to water the plants every day at 9am, rotate on every run"))
    assert "the turn passes on every run" in shown and "water the plants" in shown
    assert _turns(db) == Turns(("UANA", "UBO"), 0, True)
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        assert trigger.payload["text"] == "water the plants" and "rotate" not in trigger.schedule_text


def test_rotation_n_shows_who_each_of_the_next_five_runs_names(slack: Slack) -> None:
    _new(slack)
    shown = text_of(slack.command("rotation 1"))
    named = [line.rsplit("· ", 1)[1] for line in shown.splitlines() if line.startswith("• ")]
    assert named == ["<@UANA>", "<@UBO>", "<@UCY>", "<@UANA>", "<@UBO>"]
    assert "each posted run" in shown


def test_skip_next_swap_add_and_remove_change_the_order_and_who_is_next(
    slack: Slack, db: sessionmaker[Session]
) -> None:
    _new(slack)
    assert "*Next:* <@UBO>" in text_of(slack.command("rotation 1 skip"))
    assert "*Next:* <@UANA>" in text_of(slack.command(f"rotation 1 next {ANA}"))
    assert "<@UCY> → <@UBO> → <@UANA>" in text_of(slack.command(f"rotation 1 swap {ANA} {CY}"))
    assert _turns(db).next_person == "UCY", "Ana was next and swapped places with Cy: Cy takes her turn"
    shown = text_of(slack.command(f"rotation 1 add {DEE}"))
    assert "<@UCY> → <@UBO> → <@UANA> → <@UDEE>" in shown and "*Next:* <@UCY>" in shown
    assert "*Next:* <@UANA>" in text_of(slack.command(f"rotation 1 next {ANA}"))
    shown = text_of(slack.command(f"rotation 1 remove {ANA}"))
    assert "<@UCY> → <@UBO> → <@UDEE>" in shown and "*Next:* <@UDEE>" in shown, "the one after Ana takes her turn"
    assert "the turn passes on every run" in text_of(slack.command("rotation 1 rotate on every run"))
    assert _turns(db).every_run
    assert "each posted run" in text_of(slack.command("rotation 1 rotate on posted runs"))
    with transaction(db) as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["create", *["rotation"] * 8]


def test_skipping_a_run_passes_the_turn_only_when_the_team_rotates_on_every_run(
    slack: Slack, db: sessionmaker[Session]
) -> None:
    _new(slack)
    reply = text_of(slack.command("skip 1"))
    assert "Skipping the run" in reply and "turn passes" not in reply
    assert _turns(db).next_person == "UANA", "by default only posted runs pass the turn"
    slack.command("rotation 1 rotate on every run")
    reply = text_of(slack.command("skip 1"))
    assert "Skipping the run" in reply and "The turn passes with it: next is <@UBO>" in reply
    assert _turns(db).next_person == "UBO"


def test_show_and_app_home_name_who_is_next(slack: Slack, standin: SlackStandIn) -> None:
    _new(slack)
    assert "*Next:* <@UANA>" in text_of(slack.command("show 1"))
    assert slack.sender.app_home_opened(user="U1").status_code == 200
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))
    assert ":arrows_counterclockwise: next: <@UANA>" in str(standin.home_view("U1"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rotate @ana @bo to run the standup every day at 9am", "could not find the person “@ana”"),
        (f"rotate {ANA} to run the standup every day at 9am", "at least 2 people"),
        (f"rotate {ANA} {BO} to run the standup every blursday", "blursday"),
        ("rotation 9", "no schedule #9"),
        ("rotation 1 dance", "I can `skip`, `swap`"),
        ("rotation 1 remove <@UZED|zed>", "<@UZED> is not in rotation #1"),
        (f"rotation 1 add {ANA}", "already in rotation #1"),
        (f"rotation 1 swap {ANA}", "Swap takes two people"),
        ("rotation 1 next cy", "“cy” is not a person"),
        (f"rotation 1 remove {ANA} {BO}", "at least 2 people"),
        ("rotation 2", "#2 is not a rotation"),
    ],
)
def test_mistakes_are_named_with_an_example_and_change_nothing(
    slack: Slack, db: sessionmaker[Session], text: str, problem: str
) -> None:
    _new(slack)
    slack.command("to check the deploy every friday at 4pm")
    reply = text_of(slack.command(text))
    assert problem.lower() in reply.lower() and ":warning:" in reply
    assert "Example:" in reply or "Try" in reply
    assert _turns(db) == Turns(("UANA", "UBO", "UCY"), 0, False)


def test_only_the_creator_or_an_admin_changes_a_rotation(slack: Slack, db: sessionmaker[Session]) -> None:
    _new(slack)
    reply = text_of(slack.command("rotation 1 skip", user="U2"))
    assert "Only <@U1>" in reply
    assert "*Next:* <@UANA>" in text_of(slack.command("rotation 1", user="U2")), "anyone may look"
    assert _turns(db).turn == 0


def test_not_me_hands_the_run_to_the_next_person_and_edits_the_post_once(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    _new(slack)
    with transaction(db) as session:  # the first run posted Ana and passed the turn (tasks/runstate.py)
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        run = Run(trigger_id=trigger.id, team_id="T1", due_at=datetime.now(UTC), state="succeeded", rotation_turn=0)
        session.add(run)
        session.flush()
        run_id = run.id
        session.get_one(Rotation, trigger.id).turn = 1
    value = f"1 {run_id} 0"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "<@UANA>: run the standup"}},
        {
            "type": "actions",
            "block_id": f"schedulebot.run.{run_id}",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Not me, hand to next"},
                    "action_id": "schedulebot.hand_on",
                    "value": value,
                }
            ],
        },
    ]
    posted = WebClient(token=BOT_TOKEN, base_url=standin.api_url).chat_postMessage(
        channel="C42", text="<@UANA>: run the standup", blocks=blocks
    )
    message = {**posted["message"], "ts": posted["ts"], "blocks": blocks}
    slack.sender.block_action("schedulebot.hand_on", value, user_id="UANA", channel_id="C42", message=message)
    [update] = standin.wait_for(lambda calls: any(c.method == "chat.update" for c in calls))[-1:]
    assert update.method == "chat.update" and update.params["ts"] == posted["ts"]
    assert update.text == "<@UBO>: run the standup"
    assert "<@UANA> handed this to <@UBO>" in text_of(update)
    assert f"1 {run_id} 1" in str(update.params["blocks"]), "the button now hands Bo's run on"
    assert _turns(db).next_person == "UCY", "Bo took this run; Cy is next"

    again = slack.press("schedulebot.hand_on", value, user="UBO", channel="C42", message=message)
    assert again is not None and "already handed on" in text_of(again)
    assert len(standin.calls("chat.update")) == 1
    assert _turns(db).next_person == "UCY"
