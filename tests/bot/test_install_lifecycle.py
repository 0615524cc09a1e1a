"""An install's whole life through the web process: Grid installs, rotation, revocation, uninstall and reinstall."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn, payloads
from storage.db import transaction
from storage.encryption import Cipher
from storage.events.models import Event
from storage.models import Trigger
from storage.repository import get_trigger
from storage.slack_stores import installation_store
from tests.bot.conftest import Served, Slack, make_settings, serve, text_of

KEY = Fernet.generate_key().decode()
CLIENT_ID = "111.222"


@pytest.fixture
def served_oauth(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    settings = make_settings(
        database_url,
        standin.api_url,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="shh",
        SCHEDULEBOT_SECRET_KEY=KEY,
    )
    # Listeners finish before the 200, so each assertion follows the request it is about.
    yield from serve(settings, engine, process_before_response=True)


@pytest.fixture
def slack(standin: SlackStandIn, served_oauth: Served) -> Iterator[Slack]:
    person = Slack(standin, served_oauth.url)
    yield person
    person.sender.close()


def install(standin: SlackStandIn, served: Served, **installation: Any) -> dict[str, Any]:
    """Click through /slack/install and Slack's consent screen; return what oauth.v2.access answered."""
    code = f"code-{uuid.uuid4().hex[:8]}"
    answer = standin.add_oauth_code(code, **installation)
    browser = requests.Session()
    page = browser.get(f"{served.url}/slack/install", timeout=10)
    state = re.search(r"state=([\w-]+)", page.text)
    assert state is not None
    done = browser.get(
        f"{served.url}/slack/oauth_redirect",
        params={"code": code, "state": state[1]},
        headers={"Cookie": page.headers["Set-Cookie"].split(";")[0]},
        timeout=10,
    )
    assert done.status_code == 200, done.text
    return answer


def grid_command(
    slack: Slack, words: str, *, team: str, enterprise: str, org_wide: bool = False, command: str = "/schedule"
) -> str:
    """`command words` typed in workspace `team` of Grid org `enterprise`; the reply's text."""
    key = uuid.uuid4().hex
    url = slack.standin.response_url(key, channel="C1", user="U1", team_id=team)
    fields = payloads.slash_command(
        slack.sender.app,
        command=command,
        text=words,
        user_id="U1",
        channel_id="C1",
        channel_name="general",
        team_id=team,
        response_url=url,
        trigger=payloads.trigger_id(),
    )
    fields.update(enterprise_id=enterprise, enterprise_name=f"Org {enterprise}")
    fields["is_enterprise_install"] = "true" if org_wide else "false"
    assert slack.sender.send_form(fields).status_code == 200
    return text_of(slack.reply_to(key))


def lifecycle_event(
    slack: Slack, event: dict[str, Any], *, team: str, enterprise: str | None = None, org_wide: bool = False
) -> None:
    envelope = payloads.event_callback(slack.sender.app, event=event, team_id=team, event_id=None)
    envelope["enterprise_id"] = enterprise
    envelope["authorizations"][0].update(enterprise_id=enterprise, is_enterprise_install=org_wide)
    assert slack.sender.send_json(envelope).status_code == 200


def stored_rows(engine: Engine, team: str) -> int:
    with engine.connect() as conn:
        return sum(
            conn.execute(text(f"SELECT count(*) FROM {table} WHERE team_id = :t"), {"t": team}).scalar_one()
            for table in ("slack_installations", "slack_bots")
        )


def trigger(sessions: sessionmaker[Session], number: int, team: str = "T7") -> Trigger:
    with transaction(sessions) as session:
        found = get_trigger(session, team_id=team, number=number)
        session.expunge(found)
        return found


def test_uninstall_forgets_tokens_and_pauses_and_reinstall_resumes_only_those(
    standin: SlackStandIn, served_oauth: Served, slack: Slack, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    install(standin, served_oauth, team_id="T7", bot_token="xoxb-t7-first")
    assert "Scheduled *#1*" in text_of(slack.command("to water the plants every friday at 4pm", team="T7"))
    assert "Scheduled *#2*" in text_of(slack.command("to stretch every monday at 9am", team="T7"))
    assert "Paused" in text_of(slack.command("pause 2", team="T7"))
    assert stored_rows(engine, "T7") == 2

    lifecycle_event(slack, {"type": "app_uninstalled"}, team="T7")
    assert stored_rows(engine, "T7") == 0
    first, second = trigger(sessions, 1), trigger(sessions, 2)
    assert (first.state, first.paused_by_uninstall) == ("paused", True)
    assert (second.state, second.paused_by_uninstall) == ("paused", False)

    install(standin, served_oauth, team_id="T7", bot_token="xoxb-t7-second")
    first, second = trigger(sessions, 1), trigger(sessions, 2)
    assert (first.state, first.paused_by_uninstall) == ("active", False) and first.next_run_at is not None
    assert second.state == "paused"
    assert "Scheduled *#3*" in text_of(slack.command("to rest tomorrow at noon", team="T7"))
    assert standin.calls("auth.test")[-1].token == "xoxb-t7-second"


def test_revoked_bot_tokens_pause_like_an_uninstall_but_revoked_user_tokens_change_nothing(
    standin: SlackStandIn, served_oauth: Served, slack: Slack, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    install(standin, served_oauth, team_id="T7", bot_token="xoxb-t7")
    assert "Scheduled *#1*" in text_of(slack.command("to water the plants every friday at 4pm", team="T7"))
    lifecycle_event(slack, {"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}, team="T7")
    assert stored_rows(engine, "T7") == 2 and trigger(sessions, 1).state == "active"
    lifecycle_event(slack, {"type": "tokens_revoked", "tokens": {"bot": ["UBOTT7"]}}, team="T7")
    assert stored_rows(engine, "T7") == 0
    assert (trigger(sessions, 1).state, trigger(sessions, 1).paused_by_uninstall) == ("paused", True)


def test_a_grid_workspace_install_records_the_enterprise_on_each_trigger(
    standin: SlackStandIn, served_oauth: Served, slack: Slack, sessions: sessionmaker[Session]
) -> None:
    install(standin, served_oauth, team_id="T7", enterprise_id="E1", bot_token="xoxb-t7-in-e1")
    reply = grid_command(slack, "to water the plants every friday at 4pm", team="T7", enterprise="E1")
    assert "Scheduled *#1*" in reply
    assert trigger(sessions, 1).enterprise_id == "E1"
    assert standin.calls("auth.test")[-1].token == "xoxb-t7-in-e1"
    reply = grid_command(slack, 'add "Retro" tomorrow 3pm', team="T7", enterprise="E1", command="/event")
    assert "Event added" in reply
    with sessions() as session:
        event = session.scalars(select(Event).where(Event.team_id == "T7")).one()
        made = session.scalars(select(Trigger).where(Trigger.team_id == "T7")).all()
    assert event.enterprise_id == "E1" and len(made) > 1 and {t.enterprise_id for t in made} == {"E1"}


def test_an_org_wide_install_serves_every_workspace_in_the_org_and_its_uninstall_pauses_them(
    standin: SlackStandIn, served_oauth: Served, slack: Slack, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    install(standin, served_oauth, enterprise_id="E2", is_enterprise_install=True, bot_token="xoxb-org-e2")
    for team in ("T8", "T9"):
        reply = grid_command(slack, "to stand up every weekday at 9am", team=team, enterprise="E2", org_wide=True)
        assert "Scheduled *#1*" in reply
        assert trigger(sessions, 1, team).enterprise_id == "E2"
    assert {call.token for call in standin.calls("auth.test")} == {"xoxb-org-e2"}
    lifecycle_event(slack, {"type": "app_uninstalled"}, team="T8", enterprise="E2", org_wide=True)
    store = installation_store(engine, CLIENT_ID, Cipher(KEY))
    assert store.find_bot(enterprise_id="E2", team_id=None, is_enterprise_install=True) is None
    assert [trigger(sessions, 1, team).state for team in ("T8", "T9")] == ["paused", "paused"]


def test_the_web_process_refreshes_an_expiring_token_on_slack_api_url(
    standin: SlackStandIn, served_oauth: Served, slack: Slack, engine: Engine
) -> None:
    issued = install(standin, served_oauth, team_id="T7", rotating_lifetime=600)
    assert "Scheduled *#1*" in text_of(slack.command("to water the plants every friday at 4pm", team="T7"))
    [refresh] = [c for c in standin.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
    assert refresh.params["refresh_token"] == issued["refresh_token"]
    store = installation_store(engine, CLIENT_ID, Cipher(KEY))
    stored = store.find_installation(enterprise_id=None, team_id="T7")
    assert stored is not None and stored.bot_token not in (None, issued["access_token"])
    assert standin.calls("auth.test")[-1].token == stored.bot_token
