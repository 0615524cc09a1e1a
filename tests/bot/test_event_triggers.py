"""An event's own triggers (reminder, start, end, notice) are not schedules: `/schedule` never lists or acts on them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import Call, SlackStandIn
from storage.db import transaction
from storage.models import Trigger
from tests.bot.conftest import Slack, text_of


def _event(slack: Slack, text: str) -> str:
    return text_of(slack.command(text, command="/event"))


def _event_numbers(db: sessionmaker[Session]) -> list[int]:
    with transaction(db) as session:
        query = select(Trigger.number).where(Trigger.team_id == "T1", Trigger.action_kind.like("event%"))
        return sorted(session.scalars(query))


def test_schedule_does_not_list_or_act_on_an_events_triggers(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    assert "Event added" in _event(slack, 'add "Deploy window" tomorrow at 3pm')
    numbers = _event_numbers(db)
    assert numbers, "the event made no triggers"
    slack.command("to check the deploy every friday at 4pm")
    listed = text_of(slack.command("list"))
    assert "check the deploy" in listed and "Deploy window" not in listed
    for number in numbers:
        assert f"#{number}" not in listed
    # Events' triggers count down from -1 (issue 18), so no number a person types names one.
    assert all(number < 0 for number in numbers)
    assert "Scheduled *#2*" in text_of(slack.command("to water the plants every friday at 5pm"))  # #1: the deploy
    for verb in ("show", "cancel", "pause", "run", "history"):
        reply = text_of(slack.command(f"{verb} {numbers[0]}"))
        assert f"“{numbers[0]}” is not a schedule number" in reply, (verb, reply)
    slack.command(f"edit {numbers[0]} every monday at 9am")  # read as a new schedule, like `edit soon every monday`
    with transaction(db) as session:
        states = {t.number: t.state for t in session.scalars(select(Trigger).where(Trigger.number.in_(numbers)))}
    assert set(states.values()) == {"active"}
    assert slack.sender.app_home_opened(user="U1").status_code == 200
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))
    view = standin.home_view("U1")
    assert view is not None
    home = text_of(Call("views.publish", {"text": "", "blocks": view["blocks"]}))
    assert "check the deploy" in home and "Deploy window" not in home
    assert not [n for n in numbers if re.search(rf"#{n}\b", home)], home


@pytest.mark.parametrize("verb", ["skip", "snooze"])
def test_other_changes_also_refuse_an_events_trigger(slack: Slack, db: sessionmaker[Session], verb: str) -> None:
    _event(slack, 'add "Deploy window" tomorrow at 3pm')
    number = _event_numbers(db)[0]
    text = f"{verb} {number} 10m" if verb == "snooze" else f"{verb} {number}"
    assert f"“{number}” is not a schedule number" in text_of(slack.command(text))  # events' triggers are below zero
