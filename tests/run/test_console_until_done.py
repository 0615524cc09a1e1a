"""Until done and business days from the console: the words typed as in Slack, the posts the workers make
(fired here by the worker's own code against the console's stand-in), and the Done button pressed by number."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from bot.console import Console
from bot.web import create_web_app
from schedulebot.config import load_settings
from schedulebot.launcher import embedded_broker_url
from storage.claims import Claimed, claim_due
from storage.db import make_engine, session_factory
from storage.migrate import upgrade
from storage.models import Run, RunState, Trigger
from tasks import firing
from tasks.options import FiringOptions
from tasks.runtime import Runtime, build_runtime
from tests.run.test_console import Screen, console  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")

OPTIONS = FiringOptions(channel_interval=0.0, http_timeout=5.0)
DECEMBER_23 = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)


class ClockedRuntime(Runtime):
    """A worker's runtime whose clock the test moves, so a repeat an hour away is due now."""

    at: datetime

    def now(self) -> datetime:  # type: ignore[override]
        return self.at


@dataclass
class Worker:
    """A worker on the console's database, with the clock the test moves; it claims and fires as a real one."""

    sessions: sessionmaker[Session]
    rt: ClockedRuntime

    def claim_next(self) -> Claimed:
        """Move the clock to the only trigger's next run and claim it."""
        with self.sessions() as session:
            due = session.scalars(select(Trigger.next_run_at)).one()
        assert due is not None
        self.rt.at = due
        (claimed,) = claim_due(self.sessions, now=due, horizon=due + timedelta(seconds=1))
        return claimed

    def fire(self, run_id: int) -> None:
        """Fire as a worker would; a requeue for pacing waits its (short) countdown."""
        while (requeue := firing.fire(self.rt, run_id)) is not None:
            time.sleep(min(requeue.countdown, 1.0))


@pytest.fixture
def worker(console: tuple[Console, Screen, Any], tmp_path: Path) -> Iterator[Worker]:  # noqa: F811
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"  # the console fixture's database
    env = console[2]
    settings = load_settings(_env_file=None, DATABASE_URL=database_url, REDIS_URL=embedded_broker_url(tmp_path), **env)
    built = build_runtime(settings, OPTIONS)
    rt = ClockedRuntime(**{name: getattr(built, name) for name in built.__dataclass_fields__})
    rt.at = DECEMBER_23
    engine = make_engine(database_url)
    try:
        yield Worker(session_factory(engine), rt)
    finally:
        rt.close()
        engine.dispose()


def _wait_for(screen: Screen, text: str, after: int = 0) -> str:
    deadline = time.monotonic() + 10
    while text not in screen.getvalue()[after:]:
        assert time.monotonic() < deadline, f"never shown: {text}"
        time.sleep(0.05)
    return screen.getvalue()


def test_a_reminder_repeats_in_the_console_until_done_is_pressed(
    console: tuple[Console, Screen, Any],  # noqa: F811
    worker: Worker,
) -> None:
    shell, screen, _ = console
    shell.handle("/schedule to check the backups tomorrow at 9am, repeat every hour until done")
    assert "*Until done:* posted again every hour in its thread, up to 20 times" in screen.getvalue()
    first = worker.claim_next()
    before = len(screen.getvalue())
    worker.fire(first.run_id)
    shown = _wait_for(screen, "check the backups", before)
    assert "Done" in shown[before:], "the post carries a Done button"

    worker.rt.at = first.due_at + timedelta(hours=1)  # an hour on, nobody has pressed Done: the repeat is due
    with worker.sessions() as session:
        repeat = session.scalars(select(Run).where(Run.repeat_of == first.run_id)).one()
    before = len(screen.getvalue())
    worker.fire(repeat.id)
    _wait_for(screen, "check the backups", before)

    done = max(n for n, button in shell.buttons.items() if button.label == "Done")
    before = len(screen.getvalue())
    shell.handle(str(done))
    _wait_for(screen, "Done by", before)

    worker.rt.at = first.due_at + timedelta(hours=2)
    with worker.sessions() as session:
        runs = session.scalars(select(Run).order_by(Run.due_at)).all()
        assert [(r.kind, r.state) for r in runs] == [
            ("scheduled", RunState.SUCCEEDED.value),
            ("repeat", RunState.SUCCEEDED.value),
            ("repeat", RunState.SKIPPED.value),  # queued by the first repeat, released by Done
        ]
        assert runs[0].done_by is not None
    posts = len(shell.standin.calls("chat.postMessage"))
    worker.fire(runs[2].id)
    assert len(shell.standin.calls("chat.postMessage")) == posts, "nothing more is posted once done"


@pytest.fixture
def december_console(tmp_path: Path) -> Iterator[tuple[Console, Screen]]:
    """The console against the real Bolt app whose clock reads Wednesday December 23 2026, 10:00 in New York."""
    screen = Screen()
    shell = Console(web_url="http://127.0.0.1:1", out=screen, stdin=io.StringIO(""), zone="America/New_York")
    env = shell.start()
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    settings = load_settings(_env_file=None, DATABASE_URL=database_url, REDIS_URL=embedded_broker_url(tmp_path), **env)
    web = create_web_app(settings, engine=engine, clock=lambda: DECEMBER_23)
    server = make_server("127.0.0.1", 0, web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shell.web_url = f"http://127.0.0.1:{server.server_port}"
    shell.start_sender()
    try:
        yield shell, screen
    finally:
        server.shutdown()
        thread.join()
        shell.stop()
        engine.dispose()


def test_business_days_in_the_console_show_the_holiday_skipped(december_console: tuple[Console, Screen]) -> None:
    shell, screen = december_console
    shell.handle("/schedule holidays US")
    assert "The workspace holiday calendar is now *US*" in screen.getvalue()
    before = len(screen.getvalue())
    shell.handle("/schedule to post the report every business day at 9am")
    added = screen.getvalue()[before:]
    assert "except holidays (US holidays, the workspace calendar)" in added
    assert added.index("Dec 24") < added.index("(Fri Dec 25 is Christmas Day, skipped)") < added.index("Dec 28")
    before = len(screen.getvalue())
    shell.handle("/schedule show 1")
    shown = screen.getvalue()[before:]
    assert shown.index("Dec 24") < shown.index("(Fri Dec 25 is Christmas Day, skipped)") < shown.index("Dec 28")


def test_a_rotation_run_three_times_from_the_console_names_three_people_in_order(
    console: tuple[Console, Screen, Any],  # noqa: F811
    worker: Worker,
) -> None:
    shell, screen, _ = console
    for user_id, name in (("UANA", "ana"), ("UBO", "bo"), ("UCY", "cy")):
        shell.standin.set_user(user_id, name=name)
    shell.handle("/schedule rotate @ana @bo @cy to run the standup every weekday at 9:30am")
    assert "Scheduled rotation" in screen.getvalue()
    named = []
    for _ in range(3):
        claimed = worker.claim_next()
        before = len(screen.getvalue())
        worker.fire(claimed.run_id)
        shown = _wait_for(screen, "run the standup", before)[before:]
        named.append(next(name for name in ("@ana", "@bo", "@cy") if f"{name}: run the standup" in shown))
    assert named == ["@ana", "@bo", "@cy"]
