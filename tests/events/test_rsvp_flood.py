"""Sixty RSVPs in a burst against a Slack that rate-limits chat.update: the announcement ends up showing all sixty."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import Call, SlackStandIn
from storage.db import transaction
from storage.events import repository as events
from storage.events.display import ACTION_GOING, MAX_MENTIONS
from tests.bot.conftest import Slack, text_of

PEOPLE = [f"U{n:03d}" for n in range(100, 160)]
# Far tighter than Slack's ~50 a minute, so the burst is refused at least once and must be retried.
UPDATES_ALLOWED, PER_SECONDS = 1, 3.0
# Generous: the last update may wait out a Retry-After or two.
SETTLE_SECONDS = 60.0


def _add_event(slack: Slack) -> None:
    key = uuid.uuid4().hex
    url = slack.standin.response_url(key, channel="C1", user="U1", team_id="T1")
    slack.sender.command(
        command="/event", text='add "All hands" tomorrow 3pm', user_id="U1", channel_id="C1", team_id="T1",
        response_url=url,
    )  # fmt: skip
    assert "Event added" in text_of(slack.reply_to(key))


def _updates(calls: list[Call]) -> list[Call]:
    return [call for call in calls if call.method == "chat.update"]


def test_sixty_rsvps_make_a_few_updates_and_the_last_shows_everyone(
    slack: Slack, standin: SlackStandIn, sessions: sessionmaker[Session]
) -> None:
    standin.limit("chat.update", UPDATES_ALLOWED, PER_SECONDS)
    _add_event(slack)
    (post,) = standin.posts(channel="C1")
    with transaction(sessions) as session:
        event_id = events.get_event(session, team_id="T1", number=1).id

    def press(people: list[str]) -> None:
        for person in people:
            answer = slack.sender.block_action(
                ACTION_GOING, str(event_id), user_id=person, team_id="T1", channel_id="C1"
            )
            assert answer.status_code == 200

    press(PEOPLE[:30])
    standin.wait_for(lambda calls: any(c.delivered for c in _updates(calls)), timeout=SETTLE_SECONDS)
    press(PEOPLE[30:])  # while the first update's window is still closed

    def shows_everyone(_: list[Call]) -> bool:
        """The announcement names MAX_MENTIONS of the sixty and counts the rest: every answer is in it.

        Which thirty are named depends on the order the presses were recorded in, and the app records them on
        its own threads after answering Slack, so the two batches may interleave.
        """
        shown = text_of(Call("chat.update", standin.workspace.find_message("C1", post.ts or "") or {}))
        named = sum(f"<@{person}>" in shown for person in PEOPLE)
        return named == MAX_MENTIONS and f"and {len(PEOPLE) - MAX_MENTIONS} more" in shown

    calls = standin.wait_for(shows_everyone, timeout=SETTLE_SECONDS)
    updates = _updates(calls)
    delivered = [call for call in updates if call.delivered]
    refused = [call for call in updates if call.status == 429]
    assert refused, "the limit was never reached, so the retry was not exercised"
    assert len(delivered) <= 10, [(c.received_at, c.status) for c in updates]
    assert all(call.error == "ratelimited" for call in refused)
