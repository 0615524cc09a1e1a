"""`/schedule holidays` and business-day schedules over real HTTP, signed as Slack signs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from schedulebot.standin import SlackStandIn
from scheduling.schedule import Schedule
from storage import repository
from storage.db import transaction
from storage.models import AuditEntry
from tests.bot.conftest import Served, Slack, make_settings, serve, text_of

# Wednesday December 23 2026, 10:00 in New York (the stand-in's users' zone).
NOW = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def served(standin: SlackStandIn, engine: Engine, database_url: str) -> Iterator[Served]:
    yield from serve(make_settings(database_url, standin.api_url), engine, clock=lambda: NOW)


@pytest.fixture
def admin(standin: SlackStandIn) -> str:
    standin.set_user("U3", is_admin=True)
    return "U3"


def _schedule(db: sessionmaker[Session], number: int) -> Schedule:
    with transaction(db) as session:
        return Schedule.from_canonical(repository.get_trigger(session, team_id="T1", number=number).schedule)


def test_no_calendar_means_monday_to_friday_and_the_reply_says_so(slack: Slack) -> None:
    assert "No holiday calendar is set, so business days are Monday to Friday" in text_of(slack.command("holidays"))
    shown = text_of(slack.command("to post the report every business day at 9am"))
    assert "business days are Monday to Friday" in shown
    assert "Dec 25, 2026 9:00 AM" in shown and "Christmas" not in shown


def test_an_admin_sets_the_calendar_and_business_days_skip_its_holidays_visibly(
    slack: Slack, admin: str, db: sessionmaker[Session]
) -> None:
    shown = text_of(slack.command("holidays us-ca", user=admin))
    assert "The workspace holiday calendar is now *US-CA*" in shown
    assert "Fri Dec 25, 2026: Christmas Day" in shown and "Next holidays" in shown
    assert shown.count("\n• ") == 5
    shown = text_of(slack.command("holidays", user="U1"))
    assert f"is *US-CA* (set by <@{admin}>)" in shown and "Jan 1, 2027: New Year's Day" in shown
    shown = text_of(slack.command("to post the report every business day at 9am"))
    assert "except holidays (US-CA holidays, the workspace calendar)" in shown
    runs = shown[shown.index("Next runs") :]
    assert runs.index("Dec 24, 2026 9:00 AM") < runs.index("(Fri Dec 25 is Christmas Day, skipped)")
    assert runs.index("(Fri Dec 25 is Christmas Day, skipped)") < runs.index("Dec 28, 2026 9:00 AM")
    business = _schedule(db, 1).business
    assert business is not None and business.region == "US-CA"
    shown = text_of(slack.command("edit 1 the 15th of every month, or the next business day"))
    assert "Changed *#1*" in shown and "or the next business day when it is not one (US-CA holidays" in shown
    assert "(Fri Jan 15 is" not in shown and "Feb 16, 2027 9:00 AM" in shown  # Presidents' Day moves it
    assert "(Mon Feb 15 is Presidents' Day; Susan B. Anthony Day, moved to Tue Feb 16)" in shown
    with transaction(db) as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.target_kind == "workspace"))
        assert (entry.action, entry.actor_id, entry.detail["region"]) == ("holidays", admin, "US-CA")


def test_a_phrase_names_its_own_calendar_and_moved_runs_are_shown(slack: Slack) -> None:
    shown = text_of(slack.command("to send the timesheets every friday at 4pm, or the business day before in GB-ENG"))
    assert "(GB-ENG holidays)" in shown
    assert "(Fri Dec 25 is Christmas Day, moved to Thu Dec 24)" in shown


def test_only_admins_set_it_and_bad_regions_are_named(slack: Slack, admin: str, db: sessionmaker[Session]) -> None:
    shown = text_of(slack.command("holidays US", user="U2"))
    assert "Only a workspace admin or owner can set the holiday calendar" in shown
    assert "No holiday calendar is set" in text_of(slack.command("holidays"))
    shown = text_of(slack.command("holidays Narnia", user=admin))
    assert "'Narnia' is not a holiday region I know" in shown and "GB-ENG" in shown


def test_changing_the_calendar_replans_the_schedules_that_follow_it(
    slack: Slack, admin: str, db: sessionmaker[Session]
) -> None:
    slack.command("to post the report every business day at 9am")
    assert _schedule(db, 1).business.region is None  # type: ignore[union-attr]
    assert "Re-planned schedule #1" in text_of(slack.command("holidays GB-ENG", user=admin))
    assert _schedule(db, 1).business.region == "GB-ENG"  # type: ignore[union-attr]
    shown = text_of(slack.command("holidays off", user=admin))
    assert "Cleared the workspace holiday calendar" in shown and "Re-planned schedule #1" in shown
    assert _schedule(db, 1).business.region is None  # type: ignore[union-attr]


def test_help_lists_the_holidays_command(slack: Slack) -> None:
    assert "/schedule holidays US" in text_of(slack.command("help"))
