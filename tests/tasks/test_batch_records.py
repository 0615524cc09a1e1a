"""A batch records its posted runs together: one statement on PostgreSQL, each run as it would be alone.

fire_runs runs in this process (the task called directly) on the test's own database, Redis db and stand-in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.config import load_settings
from schedulebot.standin import SlackStandIn
from storage.claims import claim_due
from storage.models import Run, Trigger
from tasks import app as app_module
from tasks import runstate
from tasks.app import create_app, runtime_for
from tests.tasks.conftest import BOT_TOKEN, QUICK_RETRIES, run_ids, runs
from tests.tasks.factories import add_trigger, once
from tests.tasks.test_batch_reads import _claimed, _fire_batch


def test_a_batch_records_its_posted_runs_together_as_each_would_be_alone(
    engine: Engine,
    sessions: sessionmaker[Session],
    redis_url: str,
    standin: SlackStandIn,
    statements: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app_module, "FRESH_READ_SECONDS", 600.0)  # one read, one record, however slow the machine
    ids = _claimed(sessions, ["C1", "C2", "C3", "C4"])
    _fire_batch(engine, redis_url, standin, ids)

    posts = standin.posts()
    assert sorted(run_ids(posts)) == ids
    together = [sql for sql in statements if sql.startswith("WITH posted AS")]
    one_by_one = [sql for sql in statements if sql.startswith("WITH moved AS")]
    if engine.dialect.name == "postgresql":
        assert (len(together), len(one_by_one)) == (1, 0), statements
    else:  # SQLite finishes each run in its own transaction
        assert together == []
    ts_by_run = {post.metadata["event_payload"]["run_id"]: post.ts for post in posts}
    for run in runs(sessions):
        assert run.state == "succeeded"
        assert run.slack_ts == ts_by_run[run.id]
        assert run.posted_at is not None and run.finished_at is not None and run.posted_at <= run.finished_at
        assert run.attempts == 1 and run.attempt_log[-1]["outcome"] == "posted" and run.error is None
    with sessions() as session:  # each one-off is completed by its run, as one run alone completes it
        assert set(session.scalars(select(Trigger.state))) == {"completed"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_posted_run_taken_over_meanwhile_is_not_recorded_and_its_trigger_stays_active(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Only runs still running the attempt their worker started move; a run another worker has since taken over
    (its attempt number moved on) is left to that worker, and so is its trigger."""
    now = datetime.now(UTC).replace(microsecond=0)
    for channel in ("C1", "C2"):
        add_trigger(sessions, once(now), channel=channel)
    claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    with runstate.connect(engine) as db:
        views = runstate.load_many(db, [run.id for run in runs(sessions)])
        held, lost = (runstate.start(db, view, now=now, running_lease=timedelta(minutes=3)) for view in views.values())
        assert held is not None and lost is not None
        with sessions.begin() as session:  # another worker takes `lost` over
            session.get_one(Run, lost.run_id).attempts = lost.attempts + 1
        posted = runstate.PostedRuns(db)
        for view in (held, lost):
            assert posted.takes(view)
            posted.add(view, posted_at=now, slack_ts=f"1.{view.run_id}", outcome=None)
        recorded = posted.record(now=now)
    assert [item.view.run_id for item in recorded] == [held.run_id]
    by_id = {run.id: run for run in runs(sessions)}
    assert (by_id[held.run_id].state, by_id[lost.run_id].state) == ("succeeded", "running")
    assert by_id[lost.run_id].slack_ts is None
    with sessions() as session:
        states = {row.id: row.state for row in session.execute(select(Trigger.id, Trigger.state))}
    assert (states[held.trigger_id], states[lost.trigger_id]) == ("completed", "active")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_runs_the_statement_refuses_together_are_recorded_each_on_its_own(
    engine: Engine, sessions: sessionmaker[Session], redis_url: str, standin: SlackStandIn
) -> None:
    """One bad row (text PostgreSQL cannot store) spoils the statement for all: each run is then recorded alone,
    and the one that cannot be is left running, for its lease and a look in its channel."""
    now = datetime.now(UTC).replace(microsecond=0)
    for channel in ("C1", "C2"):
        add_trigger(sessions, once(now), channel=channel)
    claim_due(sessions, now=now, horizon=now + timedelta(seconds=1))
    settings = load_settings(
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        REDIS_URL=redis_url,
        SLACK_API_URL=standin.api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
    )
    rt = runtime_for(create_app(settings, QUICK_RETRIES))
    try:
        with runstate.connect(rt.engine) as db:
            views = runstate.load_many(db, [run.id for run in runs(sessions)])
            good, bad = (runstate.start(db, v, now=now, running_lease=timedelta(minutes=3)) for v in views.values())
            assert good is not None and bad is not None
            posted = runstate.PostedRuns(db)
            posted.add(good, posted_at=now, slack_ts="1.1", outcome="fine")
            posted.add(bad, posted_at=now, slack_ts="1.2", outcome="nul \x00 byte")
            app_module._record(rt, posted)
            assert len(posted) == 0
    finally:
        rt.close()
    by_id = {run.id: run for run in runs(sessions)}
    assert (by_id[good.run_id].state, by_id[good.run_id].slack_ts) == ("succeeded", "1.1")
    assert (by_id[bad.run_id].state, by_id[bad.run_id].slack_ts) == ("running", None)
