"""A person with 170 schedules: every list pages, every page and the Home tab stay inside Block Kit's limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import schedules
from bot.paging import ACTION_LIST_PAGE
from schedulebot.standin import Call, SlackStandIn
from storage import repository
from storage.db import transaction
from tests.bot.conftest import Slack, text_of

# Block Kit: blocks in a message and in a Home tab, characters in a section's text.
MAX_MESSAGE_BLOCKS, MAX_HOME_BLOCKS, MAX_SECTION_TEXT = 50, 100, 3000
REMINDERS, CHANNEL_SCHEDULES = 100, 70


@pytest.fixture
def many(db: sessionmaker[Session]) -> int:
    """U1's 100 reminders to themselves (#1–#100), then 70 schedules in #c1 (#101–#170), long texts."""
    now = datetime.now(UTC)
    schedule = schedules.parse("every day at 9am", now=now, tz="UTC")
    with transaction(db) as session:
        for index in range(REMINDERS + CHANNEL_SCHEDULES):
            repository.create_trigger(
                session,
                team_id="T1",
                channel_id="U1" if index < REMINDERS else "C1",
                creator_id="U1",
                schedule=schedule.to_canonical(),
                zone="UTC",
                next_run_at=now + timedelta(hours=1),
                schedule_text="every day at 9am",
                payload={"text": f"task {index + 1} " + "<&> long words " * 40},
            )
    return REMINDERS + CHANNEL_SCHEDULES


def _numbers(call: Call) -> list[int]:
    return [int(n) for n in re.findall(r"\*#(\d+)\* ·", text_of(call))]


def _within_limits(blocks: list[dict[str, Any]], most: int) -> None:
    assert len(blocks) <= most
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= MAX_SECTION_TEXT
        for element in block.get("elements") or []:
            assert len(element.get("text", "") if isinstance(element.get("text"), str) else "") <= MAX_SECTION_TEXT


def test_every_schedule_is_reachable_a_page_at_a_time(slack: Slack, many: int) -> None:
    seen: list[int] = []
    for page in range(1, 6):
        reply = slack.command(f"list mine page {page}")
        _within_limits(reply.params["blocks"], MAX_MESSAGE_BLOCKS)
        assert f"page {page} of 5" in text_of(reply)
        seen += _numbers(reply)
    assert sorted(seen) == list(range(1, many + 1))
    past = text_of(slack.command("list mine page 6"))
    assert "There is no page 6: the list has 5 page(s)" in past and "/schedule list mine page 5" in past


def test_the_next_button_opens_the_following_page_and_the_count_is_true(slack: Slack, many: int) -> None:
    first = slack.command("list mine")
    assert _numbers(first) == list(range(1, 41))
    assert "…and 130 more: `/schedule list mine page 2`" in text_of(first)
    (button,) = [
        element
        for block in first.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ACTION_LIST_PAGE
    ]
    assert button["text"]["text"] == "Next 40"
    second = slack.press(ACTION_LIST_PAGE, button["value"])
    assert second is not None and _numbers(second) == list(range(41, 81))
    assert "…and 90 more" in text_of(second)
    last = slack.command("list <#C1|c1> page 2")
    assert _numbers(last) == list(range(141, 171)) and "more:" not in text_of(last)


def test_home_shows_both_groups_within_its_limit_and_says_truly_how_many_more(
    slack: Slack, standin: SlackStandIn, many: int
) -> None:
    assert slack.sender.app_home_opened(user="U1").status_code == 200
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))
    view = standin.home_view("U1")
    assert view is not None
    _within_limits(view["blocks"], MAX_HOME_BLOCKS)
    home = Call("views.publish", {"text": "", "blocks": view["blocks"]})
    shown = _numbers(home)
    reminders = [n for n in shown if n <= REMINDERS]
    channel_ones = [n for n in shown if n > REMINDERS]
    assert reminders and channel_ones, "40+ reminders must not crowd out the channel schedules"
    more = [int(n) for n in re.findall(r"…and (\d+) more: `/schedule list mine`", text_of(home))]
    assert more == [REMINDERS - len(reminders), CHANNEL_SCHEDULES - len(channel_ones)]
