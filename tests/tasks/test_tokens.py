"""Whose token a worker posts with: its workspace's own install (Grid too), refreshed before expiry, no other."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import Settings, load_settings
from schedulebot.standin import SlackStandIn
from scheduling.schedule import Schedule
from storage.db import transaction
from storage.encryption import Cipher
from storage.events import repository as events
from storage.events import series
from storage.models import Run, Trigger
from storage.slack_stores import EncryptedInstallationStore, installation_store
from tasks.events import refresh_announcement
from tasks.slack import Message, NoToken, Refused, SlackPoster, Unavailable
from tasks.tokens import CACHE_SECONDS, REFRESH_MINUTES_BEFORE_EXPIRY, NotInstalled, Tokens
from tests.tasks.conftest import BOT_TOKEN, wait_until
from tests.tasks.factories import add_trigger, once
from tests.tasks.processes import Processes

KEY = Fernet.generate_key().decode()
CLIENT_ID, CLIENT_SECRET = "111.222", "shh"


def _settings(api_url: str) -> Settings:
    # SLACK_BOT_TOKEN is set too, as it might be left over from single-workspace days: it must never be used.
    return load_settings(
        SLACK_API_URL=api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SCHEDULEBOT_SECRET_KEY=KEY,
    )


def _store(engine: Engine) -> EncryptedInstallationStore:
    return installation_store(engine, CLIENT_ID, Cipher(KEY))


def _install(
    engine: Engine,
    token: str,
    *,
    team_id: str | None,
    enterprise_id: str | None = None,
    refresh: str | None = None,
    expires_in: int | None = None,
) -> None:
    expires_at = None if expires_in is None else int(time.time()) + expires_in
    _store(engine).save(
        Installation(
            app_id="A0STANDIN",
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id="U1",
            bot_token=token,
            bot_id="B1",
            bot_user_id="UB1",
            bot_scopes="chat:write",
            bot_refresh_token=refresh,
            bot_token_expires_at=expires_at,
            is_enterprise_install=team_id is None,
        )
    )


def _post(poster: SlackPoster, team_id: str, enterprise_id: str | None = None) -> str:
    return poster.post(team_id=team_id, enterprise_id=enterprise_id, channel="C1", message=Message("hi"), run_id=1)


def _used_token(standin: SlackStandIn) -> str | None:
    return standin.calls("chat.postMessage")[-1].token


def test_oauth_mode_never_posts_with_slack_bot_token(standin: SlackStandIn, engine: Engine) -> None:
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    with pytest.raises(NoToken, match="schedulebot is not installed in this workspace"):
        _post(poster, "T9")
    assert standin.calls("chat.postMessage") == []


def test_grid_installs_resolve_org_wide_by_enterprise_and_per_workspace_by_team(
    standin: SlackStandIn, engine: Engine
) -> None:
    _install(engine, "xoxb-org-e1", team_id=None, enterprise_id="E1")
    _install(engine, "xoxb-t5-in-e2", team_id="T5", enterprise_id="E2")
    _install(engine, "xoxb-plain-t6", team_id="T6")
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    for team, enterprise, token in (
        ("T4", "E1", "xoxb-org-e1"),
        ("T5", "E2", "xoxb-t5-in-e2"),
        ("T5", None, "xoxb-t5-in-e2"),  # a trigger saved before enterprise ids were recorded
        ("T6", None, "xoxb-plain-t6"),
    ):
        _post(poster, team, enterprise)
        assert _used_token(standin) == token, (team, enterprise)
    for team, enterprise in (("T4", None), ("T4", "E3"), ("T7", "E2")):
        with pytest.raises(NoToken):
            _post(poster, team, enterprise)


def test_a_worker_refreshes_an_expiring_token_and_stores_the_new_one(standin: SlackStandIn, engine: Engine) -> None:
    issued = standin.add_oauth_code("unused", team_id="T1", rotating_lifetime=600)
    old, refresh = issued["access_token"], issued["refresh_token"]
    _install(engine, old, team_id="T1", refresh=refresh, expires_in=600)  # inside the 2-hour refresh window
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    _post(poster, "T1")
    [exchange] = standin.calls("oauth.v2.access")
    assert exchange.params["grant_type"] == "refresh_token" and exchange.params["refresh_token"] == refresh
    new = _used_token(standin)
    assert new and new != old and new.startswith("xoxe.xoxb-")
    stored = _store(engine).find_workspace_bot(enterprise_id=None, team_id="T1")
    assert stored is not None and stored.bot_token == new and stored.bot_refresh_token != refresh
    assert stored.bot_token_expires_at > time.time() + 11 * 3600
    installation = _store(engine).find_installation(enterprise_id=None, team_id="T1")
    assert installation is not None and installation.bot_token == new  # what the web process reads first
    _post(poster, "T1")  # the stored token is fresh: no second refresh
    assert len(standin.calls("oauth.v2.access")) == 1 and _used_token(standin) == new


def test_an_expired_token_is_refused_by_slack_so_it_is_refreshed_before_use(
    standin: SlackStandIn, engine: Engine
) -> None:
    issued = standin.add_oauth_code("unused", team_id="T1", rotating_lifetime=600)
    expired = issued["access_token"]
    standin.workspace.rotation.expire(expired)
    single = SlackPoster(
        load_settings(SLACK_API_URL=standin.api_url, SLACK_BOT_TOKEN=expired, SLACK_CLIENT_ID=None), engine, timeout=5.0
    )
    with pytest.raises(Unavailable, match="token_expired"):
        _post(single, "T1")
    _install(engine, expired, team_id="T1", refresh=issued["refresh_token"], expires_in=-1)
    _post(SlackPoster(_settings(standin.api_url), engine, timeout=5.0), "T1")
    assert standin.calls("oauth.v2.access") and standin.calls("chat.postMessage")[-1].ok
    assert [call.ok for call in standin.calls("chat.postMessage")] == [False, True]


def test_two_workers_refreshing_at_once_keep_the_first_stored_token(standin: SlackStandIn, engine: Engine) -> None:
    issued = standin.add_oauth_code("unused", team_id="T1", rotating_lifetime=600)
    _install(engine, issued["access_token"], team_id="T1", refresh=issued["refresh_token"], expires_in=600)
    store = _store(engine)
    seen_by_b = store.find_workspace_bot(enterprise_id=None, team_id="T1")  # B read the row before A refreshed
    assert seen_by_b is not None
    a, b = (SlackPoster(_settings(standin.api_url), engine, timeout=5.0) for _ in range(2))
    _post(a, "T1")
    token_a = _used_token(standin)
    # B refreshes from the refresh token A already used: within Slack's grace period that still works ...
    rotator = TokenRotator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=WebClient(base_url=standin.api_url, timeout=5)
    )
    refreshed_by_b = rotator.perform_bot_token_rotation(bot=seen_by_b, minutes_before_expiration=120)
    assert refreshed_by_b is not None and refreshed_by_b.bot_token != token_a
    # ... but B's save finds A's refresh stored and leaves it, so the stored token is never the older one.
    assert store.save_refreshed_bot(seen_by_b, refreshed_by_b) is False
    stored = store.find_workspace_bot(enterprise_id=None, team_id="T1")
    assert stored is not None and stored.bot_token == token_a
    _post(b, "T1")
    assert _used_token(standin) == token_a and standin.calls("chat.postMessage")[-1].ok


def test_two_workers_posting_at_once_with_an_expiring_token_leave_a_usable_pair_stored(
    standin: SlackStandIn, engine: Engine
) -> None:
    issued = standin.add_oauth_code("unused", team_id="T1", rotating_lifetime=600)
    _install(engine, issued["access_token"], team_id="T1", refresh=issued["refresh_token"], expires_in=600)
    posters = [SlackPoster(_settings(standin.api_url), engine, timeout=5.0) for _ in range(2)]
    start = threading.Barrier(len(posters))

    def post(poster: SlackPoster) -> str:
        start.wait(timeout=10)
        return _post(poster, "T1")

    with ThreadPoolExecutor(max_workers=len(posters)) as pool:
        posted = list(pool.map(post, posters))
    assert len(posted) == 2 and all(call.ok for call in standin.calls("chat.postMessage"))
    stored = _store(engine).find_workspace_bot(enterprise_id=None, team_id="T1")
    assert stored is not None and stored.bot_token != issued["access_token"]
    # Whatever the interleaving, the stored refresh token was never used: the next refresh cannot be refused.
    assert standin.workspace.rotation.grants[str(stored.bot_refresh_token)].used_at is None


def test_a_refresh_slack_refuses_fails_the_call_with_the_reason(standin: SlackStandIn, engine: Engine) -> None:
    issued = standin.add_oauth_code("unused", team_id="T1", rotating_lifetime=600)
    # Used an hour ago (by a restored backup's twin, say): long past Slack's grace period.
    standin.workspace.rotation.grants[issued["refresh_token"]].used_at = time.time() - 3600
    _install(engine, issued["access_token"], team_id="T1", refresh=issued["refresh_token"], expires_in=600)
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    with pytest.raises(Refused, match="invalid_refresh_token") as refused:
        _post(poster, "T1")
    assert issued["refresh_token"] not in str(refused.value)
    assert standin.calls("chat.postMessage") == []


@pytest.fixture
def firing_env(firing_env: dict[str, str]) -> dict[str, str]:
    return {
        **firing_env,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SCHEDULEBOT_SECRET_KEY": KEY,
    }


def test_workers_post_with_each_install_and_fail_once_where_there_is_none(
    sessions: sessionmaker[Session], engine: Engine, procs: Processes, standin: SlackStandIn
) -> None:
    _install(engine, "xoxb-org-e1", team_id=None, enterprise_id="E1")
    procs.start(workers=["w1"], beat=True)
    due = datetime.now(UTC) + timedelta(seconds=2)
    grid = add_trigger(sessions, once(due), channel="C1", enterprise_id="E1")
    orphan = add_trigger(sessions, once(due), channel="C2")  # team T1 outside E1: never installed
    wait_until(lambda: _finished(sessions, 2), timeout=20, what="both runs finished")
    with sessions() as session:
        runs = {run.trigger_id: run for run in session.scalars(select(Run))}
    assert runs[grid.id].state == "succeeded"
    failed = runs[orphan.id]
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert failed.error == "schedulebot is not installed in this workspace"
    assert [entry["outcome"] for entry in failed.attempt_log] == ["no_token"]
    assert {call.token for call in standin.calls("chat.postMessage")} == {"xoxb-org-e1"}
    assert all(call.channel == "C1" for call in standin.calls("chat.postMessage"))


def _finished(sessions: sessionmaker[Session], n: int) -> bool:
    with sessions() as session:
        runs = session.scalars(select(Run)).all()
    return len(runs) == n and all(run.finished_at is not None for run in runs)


def test_events_made_in_a_grid_org_announce_and_remind_with_its_install(
    standin: SlackStandIn, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _install(engine, "xoxb-org-e1", team_id=None, enterprise_id="E1")
    now = datetime.now(UTC).replace(microsecond=0)
    with transaction(sessions) as session:
        event = events.create_event(
            session, team_id="T4", channel_id="C1", creator_id="U1", title="Standup",
            starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2), zone="UTC", remind_seconds=[600],
            now=now, enterprise_id="E1",
        )  # fmt: skip
        weekly = Schedule(kind="recurring", zone="UTC", every=7 * 86400, anchor=now + timedelta(days=1))
        _, made = series.create_series(
            session, team_id="T4", channel_id="C1", creator_id="U1", title="Retro", schedule=weekly,
            schedule_text="every week", duration=timedelta(hours=1), remind_seconds=[], now=now, enterprise_id="E1",
        )  # fmt: skip
        assert made and all(occurrence.enterprise_id == "E1" for occurrence in made)
        made_triggers = session.scalars(select(Trigger).where(Trigger.team_id == "T4")).all()
        assert made_triggers and {t.enterprise_id for t in made_triggers} == {"E1"}
        event_id = event.id
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    assert refresh_announcement(sessions, poster, team_id="T4", event_id=event_id) is not None
    assert _used_token(standin) == "xoxb-org-e1"


def test_slack_down_while_refreshing_uses_a_token_still_valid_and_retries_an_expired_one(
    standin: SlackStandIn, engine: Engine
) -> None:
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    valid = standin.add_oauth_code("unused", team_id="T1", rotating_lifetime=600)
    _install(engine, valid["access_token"], team_id="T1", refresh=valid["refresh_token"], expires_in=600)
    standin.faults(methods=("oauth.v2.access",), script=("500",))
    _post(poster, "T1")  # ten minutes left: the current token still posts
    assert _used_token(standin) == valid["access_token"] and standin.calls("chat.postMessage")[-1].ok

    expired = standin.add_oauth_code("unused-2", team_id="T2", rotating_lifetime=600)
    standin.workspace.rotation.expire(expired["access_token"])
    _install(engine, expired["access_token"], team_id="T2", refresh=expired["refresh_token"], expires_in=-1)
    standin.faults(methods=("oauth.v2.access",), script=("500",))
    with pytest.raises(Unavailable, match="retrying later"):
        _post(poster, "T2")
    _post(poster, "T2")  # Slack is back: refreshed, then posted
    assert _used_token(standin) not in (None, expired["access_token"]) and standin.calls("chat.postMessage")[-1].ok


def test_a_worker_reads_an_install_once_a_while_and_never_keeps_a_token_due_for_its_refresh(
    standin: SlackStandIn, engine: Engine
) -> None:
    now = [0.0]
    tokens = Tokens(_settings(standin.api_url), engine, timeout=5.0, clock=lambda: now[0])

    def token(team_id: str) -> str:
        return tokens.bot_token(team_id=team_id, enterprise_id=None)

    _install(engine, "xoxb-first", team_id="T1")
    assert token("T1") == "xoxb-first"
    _install(engine, "xoxb-second", team_id="T1")  # a reinstall
    now[0] = CACHE_SECONDS - 1
    assert token("T1") == "xoxb-first"  # kept: a herd of posts reads the install once
    now[0] = CACHE_SECONDS + 1
    assert token("T1") == "xoxb-second"
    _store(engine).delete_workspace(enterprise_id=None, team_id="T1")  # uninstalled
    now[0] = 2 * CACHE_SECONDS + 2
    with pytest.raises(NotInstalled):
        token("T1")
    # A rotating token ten seconds from its refresh window is kept those ten seconds at most.
    refresh_at = REFRESH_MINUTES_BEFORE_EXPIRY * 60
    _install(engine, "xoxe.xoxb-soon", team_id="T2", refresh="xoxe-1-r", expires_in=refresh_at + 10)
    assert token("T2") == "xoxe.xoxb-soon"
    _install(engine, "xoxe.xoxb-later", team_id="T2", refresh="xoxe-1-r2", expires_in=refresh_at + 3600)
    now[0] += 5
    assert token("T2") == "xoxe.xoxb-soon"
    now[0] += 6
    assert token("T2") == "xoxe.xoxb-later"


def test_a_kept_token_slack_refuses_is_read_again_and_the_post_goes_with_the_new_one(
    standin: SlackStandIn, engine: Engine
) -> None:
    _install(engine, "xoxb-old", team_id="T1")
    poster = SlackPoster(_settings(standin.api_url), engine, timeout=5.0)
    _post(poster, "T1")
    assert _used_token(standin) == "xoxb-old"
    _install(engine, "xoxb-new", team_id="T1")  # a reinstall, and Slack no longer takes the old token
    with standin.workspace.lock:
        standin.workspace.valid_tokens = {"xoxb-new"}
    _post(poster, "T1")  # within the 30 s the old token is kept: refused once, read again, posted
    calls = standin.calls("chat.postMessage")
    assert [(call.token, call.ok) for call in calls[1:]] == [("xoxb-old", False), ("xoxb-new", True)]
    with standin.workspace.lock:
        standin.workspace.valid_tokens = set()  # revoked, and the install deleted: no token at all
    _store(engine).delete_workspace(enterprise_id=None, team_id="T1")
    with pytest.raises(NoToken):
        _post(poster, "T1")
