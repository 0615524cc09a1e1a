"""What the bot says is what it does: each reply below is checked against what is stored after it."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import ACTION_SNOOZE
from schedulebot.standin import SlackStandIn
from schedulebot.standin.payloads import conversations_select
from storage import repository
from storage.db import transaction
from storage.models import Trigger, TriggerState
from tests.bot.conftest import Served, Slack, text_of

# More saves at once than the web process has listener threads, schedules and events mixed.
CONCURRENT = 18
_TOKEN = re.compile(r"<!date\^(\d+)\^")


def _instants(text: str) -> list[datetime]:
    """The distinct instants of the Slack date tokens in a reply (its text repeats the first run), in order."""
    return [datetime.fromtimestamp(int(stamp), UTC) for stamp in dict.fromkeys(_TOKEN.findall(text))]


def _trigger(db: sessionmaker[Session], number: int) -> Trigger:
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=number)
        session.expunge(trigger)
        return trigger


def test_a_skip_made_while_paused_holds_when_resumed(slack: Slack, db: sessionmaker[Session]) -> None:
    slack.command("to water the plants every day at 9am")
    slack.command("pause 1")
    skipped = text_of(slack.command("skip 1"))
    first, following = _instants(skipped)
    assert "this skip holds when you `/schedule resume 1`" in skipped
    assert following - first == timedelta(days=1)
    shown = text_of(slack.command("show 1"))
    assert _instants(shown)[0] == following and "none: this schedule has no runs left" not in shown
    resumed = text_of(slack.command("resume 1"))
    assert _instants(resumed) == [following], resumed
    trigger = _trigger(db, 1)
    assert (trigger.state, trigger.next_run_at) == ("active", following)


def test_show_of_a_paused_schedule_lists_the_runs_it_would_have_marked_paused(
    slack: Slack, db: sessionmaker[Session]
) -> None:
    created = _instants(text_of(slack.command("to check the deploy every friday at 4pm")))
    slack.command("pause 1")
    shown = text_of(slack.command("show 1"))
    assert "none: this schedule has no runs left" not in shown
    assert _instants(shown) == created[:3]
    assert shown.count(":double_vertical_bar: paused") == 3
    assert "*#1* · paused" in shown


def test_snooze_delays_a_run_still_to_come_from_its_due_time(slack: Slack, db: sessionmaker[Session]) -> None:
    (due,) = _instants(text_of(slack.command("to stretch tomorrow at 9am")))
    reply = text_of(slack.command("snooze 1 20 minutes"))
    assert "the run due" in reply and "now runs" in reply
    assert _instants(reply) == [due, due + timedelta(minutes=20)]
    trigger = _trigger(db, 1)
    assert (trigger.state, trigger.next_run_at) == ("active", due + timedelta(minutes=20))
    slack.command("snooze 1 1 hour")
    assert _trigger(db, 1).next_run_at == due + timedelta(minutes=80)


def test_snooze_of_a_reminder_that_has_run_counts_from_now(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    slack.command("to stretch tomorrow at 9am")
    with transaction(db) as session:  # as the worker leaves a one-off after its run has posted
        repository.update_trigger(session, team_id="T1", number=1, state=TriggerState.COMPLETED.value, next_run_at=None)
    before = datetime.now(UTC)
    pressed = slack.press(ACTION_SNOOZE, "1")
    after = datetime.now(UTC)
    assert pressed is not None
    reply = text_of(pressed)
    assert "it has already run, so it runs again" in reply and "20 minutes from now" in reply
    at = _trigger(db, 1).next_run_at
    assert at is not None and before + timedelta(minutes=20) <= at <= after + timedelta(minutes=20)
    assert _trigger(db, 1).state == "active"


def test_a_word_where_the_number_goes_gets_only_the_hint(slack: Slack) -> None:
    shown = text_of(slack.command("pause soon"))
    assert (
        shown
        == ":warning: “soon” is not a schedule number; numbers look like `3` or `#3`\nExample: `/schedule pause 3`"
    )


def _event(slack: Slack, text: str) -> str:
    return text_of(slack.command(text, command="/event"))


def test_schedules_are_numbered_1_2_3_with_events_made_in_between(slack: Slack) -> None:
    assert "Scheduled *#1*" in text_of(slack.command("to one every day at 9am"))
    assert "Event added" in _event(slack, 'add "Retro" tomorrow 3pm remind 1h, 15m before')
    assert "Event added" in _event(slack, 'add "Review" friday 2pm')
    assert "Scheduled *#2*" in text_of(slack.command("to two every day at 10am"))
    assert "Scheduled *#3*" in text_of(slack.command("to three every day at 11am"))
    for number in (1, 2, 3):
        assert f"*#{number}* · active" in text_of(slack.command(f"show {number}"))
    assert "There is no schedule #4" in text_of(slack.command("show 4"))
    assert "event #2" in _event(slack, "show 2")


def test_event_words_match_the_readme(slack: Slack) -> None:
    past = _event(slack, 'add "Retro" yesterday 3pm')
    assert past.startswith(":warning: That start is in the past. Pick a time ahead"), past
    assert "could not read" not in past
    _event(slack, 'add "Deploy window" tomorrow 3pm')
    history = _event(slack, "history 1")
    assert history.startswith("History of *Deploy window* (event #1):\n"), history


def test_a_modal_message_too_long_once_escaped_is_marked_on_the_field(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    typed = ("a < b & c > d " * 215)[:2999]  # 2,999 as typed; each <, & and > is written out as 4-5 when posted
    values = {
        "what": {"what_input": typed},
        "channel": {"channel_input": conversations_select("C4")},
        "when": {"when_input": "every monday at 10am"},
    }
    answer = slack.sender.view_submission("schedulebot.new", values).json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"what"}
    assert "characters as posted" in answer["errors"]["what"] and "up to 3,000" in answer["errors"]["what"]
    with transaction(db) as session:
        assert repository.list_triggers(session, team_id="T1") == []
    values["what"] = {"what_input": typed[:1700]}
    assert not slack.sender.view_submission("schedulebot.new", values).text
    standin.wait_for(lambda calls: any(c.method == "chat.postEphemeral" for c in calls))
    with transaction(db) as session:
        (trigger,) = repository.list_triggers(session, team_id="T1")
        assert len(trigger.payload["text"]) <= 3000 and trigger.payload["text"] == _escaped(typed[:1700])
    standin.wait_for(lambda calls: any(c.method == "views.publish" for c in calls))  # the save's last step: Home


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").strip()


def test_snoozing_a_paused_reminder_says_it_resumes_it(slack: Slack, db: sessionmaker[Session]) -> None:
    (due,) = _instants(text_of(slack.command("to stretch tomorrow at 9am")))
    slack.command("pause 1")
    reply = text_of(slack.command("snooze 1 20 minutes"))
    assert reply.endswith("It was paused; snoozing it resumes it.") and _instants(reply)[1] == due + timedelta(
        minutes=20
    )
    trigger = _trigger(db, 1)
    assert (trigger.state, trigger.next_run_at) == ("active", due + timedelta(minutes=20))


def test_schedules_and_events_made_at_the_same_moment_keep_their_own_sequences(
    standin: SlackStandIn, served: Served, db: sessionmaker[Session]
) -> None:
    def make(i: int) -> str:
        person = Slack(standin, served.url)
        try:
            if i % 3 == 0:
                return _event(person, f'add "Review {i}" tomorrow 3pm remind 1h, 15m before')
            return text_of(person.command(f"to check {i} every friday at 4pm"))
        finally:
            person.sender.close()

    with ThreadPoolExecutor(CONCURRENT) as pool:
        replies = list(pool.map(make, range(CONCURRENT)))
    assert all("Scheduled *#" in r or "Event added" in r for r in replies), replies
    with transaction(db) as session:
        everything = repository.list_triggers(session, team_id="T1", include_events=True)
    schedules = sorted(t.number for t in everything if not t.action_kind.startswith("event_"))
    event_triggers = sorted(t.number for t in everything if t.action_kind.startswith("event_"))
    made = len([i for i in range(CONCURRENT) if i % 3])
    assert schedules == list(range(1, made + 1))
    assert event_triggers == list(range(-len(event_triggers), 0))
