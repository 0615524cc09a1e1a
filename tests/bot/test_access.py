"""Who may change what, workspaces that never meet, signatures that must be right, and users.info that fails."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SignedSender, SlackStandIn
from storage import repository
from storage.db import transaction
from tests.bot.conftest import Served, Slack, text_of, trigger_state

CHANGES = (
    "pause 1",
    "resume 1",
    "cancel 1",
    "run 1",
    "skip 1",
    "snooze 1 10m",
    "edit 1 every day at 9am",
    'edit 1 "mine now"',
)


def test_only_the_creator_or_an_admin_may_change_and_others_are_told_who(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    slack.command("to check the deploy every friday at 4pm")
    for words in CHANGES:
        shown = text_of(slack.command(words, user="U2"))
        assert "Only <@U1>, who created #1, or a workspace admin or owner" in shown, words
    assert trigger_state(db, 1) == "active"
    assert "check the deploy" in text_of(slack.command("list", user="U2"))
    assert "created by <@U1>" in text_of(slack.command("show 1", user="U2"))
    assert "Only <@U1>" in text_of(slack.press("schedulebot.pause", "1", user="U2"))  # type: ignore[arg-type]
    standin.set_user("U3", is_admin=True)
    assert "Paused *#1*" in text_of(slack.command("pause 1", user="U3"))
    standin.set_user("U4", is_owner=True)
    assert "Cancelled *#1*" in text_of(slack.command("cancel 1", user="U4"))
    with transaction(db) as session:
        trigger = repository.get_trigger(session, team_id="T1", number=1)
        audit = [(e.actor_id, e.action) for e in repository.list_audit(session, team_id="T1", target_id=trigger.id)]
    assert audit == [("U4", "cancel"), ("U3", "pause"), ("U1", "create")]


def test_a_workspace_never_sees_or_touches_another_workspaces_schedules(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    slack.command("to check the deploy every friday at 4pm")
    standin.set_user("U9", team_id="T2", is_admin=True)
    for words in ("show 1", "history 1", *CHANGES):
        assert "There is no schedule #1 you can see" in text_of(slack.command(words, user="U9", team="T2"))
    assert "no schedules" in text_of(slack.command("list all", user="U9", team="T2"))
    assert "There is no schedule #1" in text_of(slack.press("schedulebot.cancel", "1", user="U9", team="T2"))  # type: ignore[arg-type]
    assert trigger_state(db, 1) == "active"
    slack.command("to theirs every day at 9am", user="U9", team="T2")
    with transaction(db) as session:
        assert [t.payload["text"] for t in repository.list_triggers(session, team_id="T2")] == ["theirs"]
        assert [t.payload["text"] for t in repository.list_triggers(session, team_id="T1")] == ["check the deploy"]


def _count_triggers(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        return len(repository.list_triggers(session, team_id="T1", states=("active", "paused", "cancelled")))


def test_forged_and_replayed_requests_get_401_and_change_nothing(
    slack: Slack, served: Served, db: sessionmaker[Session]
) -> None:
    slack.command("to check the deploy every friday at 4pm")
    forger = SignedSender(f"{served.url}/slack/events", "not-the-secret")
    url = f"{served.url}/slack/events"
    attempts = [
        forger.command(text="to forged every day at 9am"),
        slack.sender.command(text="to stale every day at 9am", timestamp=SignedSender.stale_timestamp()),
        slack.sender.command(text="cancel 1", signature="v0=" + "0" * 64),
        slack.sender.block_action("schedulebot.cancel", "1", channel_id="C1", secret="wrong"),
        slack.sender.view_submission("schedulebot.new", {}, timestamp=SignedSender.stale_timestamp()),
        slack.sender.session.post(url, data="command=/schedule&text=cancel+1", timeout=5),
        slack.sender.send_form({"command": "/schedule", "text": "cancel 1"}, timestamp="not-a-number"),
    ]
    assert [r.status_code for r in attempts] == [401] * len(attempts)
    assert _count_triggers(db) == 1 and trigger_state(db, 1) == "active"


def test_garbage_bodies_never_get_a_500(slack: Slack, served: Served) -> None:
    for body, kind in [
        ("payload=not-json", "application/x-www-form-urlencoded"),
        ('payload={"type":"block_actions"}', "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('{"type":"event_callback","event":{"type":"app_mention"}}', "application/json"),
        ("", "application/x-www-form-urlencoded"),
    ]:
        response = slack.sender.send(body.encode("latin-1"), kind)
        assert response.status_code < 500, (body, response.status_code)
    raw = slack.sender.session.post(f"{served.url}/slack/events", data=b"\xff\xfe", timeout=5)
    assert raw.status_code == 401
    assert slack.sender.session.get(f"{served.url}/slack/events", timeout=5).status_code == 405


def test_a_first_time_user_whose_zone_cannot_be_read_gets_utc_and_a_note(
    slack: Slack, standin: SlackStandIn, db: sessionmaker[Session]
) -> None:
    standin.faults(rate_500=1.0, methods=["users.info"])
    shown = text_of(slack.command("to check the deploy every friday at 4pm", user="U5"))
    assert "Scheduled *#1*" in shown and "so I used UTC" in shown
    with transaction(db) as session:
        assert repository.get_trigger(session, team_id="T1", number=1).zone == "UTC"
        assert repository.get_user_zone(session, team_id="T1", user_id="U5") is None
    standin.faults()
    assert "so I used UTC" not in text_of(slack.command("list", user="U5"))


def test_healthz_says_which_dependency_failed(slack: Slack, served: Served) -> None:
    response = slack.sender.session.get(f"{served.url}/healthz", timeout=10)
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["broker"].startswith("cannot reach the broker") and body["ok"] is False
