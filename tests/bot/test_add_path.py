"""What adding a schedule asks the database (the common path is measured by the open-loop bench): no holiday
calendar unless the words follow business days, and the workspace's numbering lock once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot import schedules
from bot.commands.holidays import split_in_workspace
from scheduling.schedule import Schedule
from storage.db import transaction
from storage.workspace_calendars import set_workspace_region
from tests.bot.conftest import Served, Slack, text_of

ZONE = "America/New_York"


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


def test_an_add_reads_the_holiday_calendar_only_when_it_follows_business_days(slack: Slack, engine: Engine) -> None:
    text_of(slack.command("to warm up tomorrow at 9am"))  # the person's profile and channels, read once
    seen = _statements(engine)
    assert text_of(slack.command("to check the deploy every weekday at 9:30am")).startswith("Scheduled #2")
    assert not [s for s in seen if "workspace_calendars" in s]
    assert sum("pg_advisory_xact_lock" in s for s in seen) == (1 if engine.dialect.name == "postgresql" else 0)
    seen.clear()
    shown = text_of(slack.command("to post the report every business day at 9am"))
    assert shown.startswith("Scheduled #3") and "business days are Monday to Friday" in shown
    assert [s for s in seen if "workspace_calendars" in s]


PHRASES = [
    "to check the deploy every weekday at 9:30am",
    "to post the report every business day at 9am",
    "to send the timesheets every friday at 4pm, or the business day before",
    "to pay on the 15th of every month, or the next business day in GB-ENG",
    "to post the report every business day at 9am for 3 times",
    "to post the report every business day at 9am until yesterday",
    "to post it on business days",
    "to do it soon",
    "to ship it on february 30",
]


@pytest.mark.parametrize("region", [None, "US-CA"])
def test_the_split_is_the_one_with_the_workspace_calendar(served: Served, region: str | None) -> None:
    services = served.bot.services
    now = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    with transaction(services.sessions) as session:
        set_workspace_region(session, team_id="T1", region=region, set_by="U9", now=now)
    for phrase in PHRASES:
        ours = _outcome(split_in_workspace, services, "T1", phrase, now=now, tz=ZONE)
        assert ours == _outcome(schedules.split_what_when, phrase, now=now, tz=ZONE, holidays=region), phrase


def _outcome(split: Callable[..., tuple[str, Schedule]], *args: Any, **kwargs: Any) -> tuple[str, str]:
    try:
        what, schedule = split(*args, **kwargs)
    except schedules.ParseError as exc:
        return type(exc).__name__, str(exc)
    return what, schedule.to_canonical()
