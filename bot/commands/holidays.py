"""`/schedule holidays [REGION|off]`: the workspace holiday calendar that business-day schedules follow."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import schedules
from bot.blocks import Reply
from bot.commands.changes import send_if_due
from bot.context import Actor, Services
from bot.errors import NotAllowed
from bot.schedules import Schedule
from storage import repository
from storage.db import transaction
from storage.workspace_calendars import set_workspace_region, workspace_calendar, workspace_region

EXAMPLE = "/schedule holidays US"
OFF_WORDS = ("off", "none", "clear", "reset")
# How many coming holidays `/schedule holidays` lists.
SHOWN_HOLIDAYS = 5


def holidays(services: Services, actor: Actor, argument: str) -> Reply:
    if not argument:
        return show(services, actor)
    if not actor.is_admin:
        raise NotAllowed(
            "Only a workspace admin or owner can set the holiday calendar. Anyone can see it", "/schedule holidays"
        )
    region = None if argument.lower() in OFF_WORDS else schedules.check_region(argument)
    now = services.clock()
    with transaction(services.sessions) as session:
        replanned = set_workspace_region(session, team_id=actor.team_id, region=region, set_by=actor.user_id, now=now)
        repository.record_audit(
            session,
            team_id=actor.team_id,
            actor_id=actor.user_id,
            action="holidays",
            target_id=None,
            target_kind="workspace",
            command=actor.command,
            detail={"region": region, "replanned": replanned},
        )
    for number in replanned:  # a moved run may now fall due before the next tick
        send_if_due(services, team_id=actor.team_id, number=number, now=now)
    return Reply(_set_text(region, replanned) + _coming(region, now, actor.zone))


def show(services: Services, actor: Actor) -> Reply:
    with transaction(services.sessions) as session:
        calendar = workspace_calendar(session, team_id=actor.team_id)
        region, set_by = (None, None) if calendar is None else (calendar.region, calendar.set_by)
    if region is None:
        return Reply(
            ":calendar: No holiday calendar is set, so business days are Monday to Friday. "
            f"A workspace admin can set one, e.g. `{EXAMPLE}` (or `US-CA`, `GB-ENG`, `DE-BY`, `IN`)."
        )
    text = (
        f":calendar: The workspace holiday calendar is *{region}* (set by <@{set_by}>). "
        f"Change it: `{EXAMPLE}` · clear it: `/schedule holidays off`."
    )
    return Reply(text + _coming(region, services.clock(), actor.zone))


def region_of(services: Services, team_id: str) -> str | None:
    """The workspace's region, for reading what someone typed (business-day phrases follow it)."""
    with transaction(services.sessions) as session:
        return workspace_region(session, team_id=team_id)


def split_in_workspace(services: Services, team_id: str, text: str, *, now: datetime, tz: str) -> tuple[str, Schedule]:
    """split_what_when in the workspace's holiday calendar, read only when the words follow business days.

    The region changes nothing but a business-day schedule (its days, or an InvalidSchedule when the series
    has none left), so a split without it that finds no business days is the split with it; anything else
    is split again with the region. Most adds so skip a database transaction.
    """
    try:
        what, schedule = schedules.split_what_when(text, now=now, tz=tz, holidays=None)
    except schedules.ParseError:
        pass  # perhaps because of the region: the split with it says what is wrong
    else:
        if schedule.business is None:
            return what, schedule
    return schedules.split_what_when(text, now=now, tz=tz, holidays=region_of(services, team_id))


def _set_text(region: str | None, replanned: list[int]) -> str:
    moved = f" Re-planned {_numbers(replanned)} for it." if replanned else ""
    if region is None:
        return f":calendar: Cleared the workspace holiday calendar: business days are Monday to Friday.{moved}"
    return (
        f":calendar: The workspace holiday calendar is now *{region}*: business-day schedules skip its holidays.{moved}"
    )


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(f"#{n}" for n in numbers)
    return shown if len(numbers) > 1 else f"schedule {shown}"


def _coming(region: str | None, now: datetime, zone: str) -> str:
    if region is None:
        return ""
    today = now.astimezone(ZoneInfo(zone)).date()
    coming = schedules.HolidayCalendar(region).upcoming(today, SHOWN_HOLIDAYS)
    if not coming:
        return "\nNo holidays in the next two years."
    lines = [f"• {day:%a %b} {day.day}, {day.year}: {name}" for day, name in coming]
    return "\n*Next holidays:*\n" + "\n".join(lines)
