"""Saying what and when: adding a schedule and editing its time or its text."""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlalchemy.orm import Session

from bot import broadcasts, quotas, schedules, visibility
from bot.blocks import Reply, confirmation, quote
from bot.commands import holidays
from bot.commands.changes import change, require_live, send_if_due
from bot.commands.grammar import ADD_EXAMPLE, Command, unquote
from bot.context import Actor, Services
from bot.errors import UsageError
from storage import claims, repository
from storage.db import transaction
from storage.models import Trigger, TriggerState
from storage.workspace_calendars import workspace_region

# Slack posts up to 40,000 characters, but a scheduled message that long is a mistake.
MAX_WHAT_CHARS = 3000


def add(services: Services, actor: Actor, command: Command) -> Reply:
    now = services.clock()
    what, schedule = holidays.split_in_workspace(services, actor.team_id, command.argument, now=now, tz=actor.zone)
    what = check_what(unquote(what) or what)
    channel_id = command.channel_id or actor.channel_id
    visibility.require_can_target(services, actor, channel_id)
    return schedule_new(
        services,
        actor,
        channel_id=channel_id,
        what=what,
        schedule=schedule,
        when=when_text(command.argument, what),
        now=now,
    )


def schedule_new(
    services: Services,
    actor: Actor,
    *,
    channel_id: str,
    what: str,
    schedule: schedules.Schedule,
    when: str,
    now: datetime,
) -> Reply:
    """Save a new trigger, hand it to the workers if it falls due before the next tick, and confirm it."""
    runs = schedules.upcoming(schedule, after=now)
    if not runs:
        raise UsageError("That schedule has no runs in the future", ADD_EXAMPLE)
    limits = quotas.Limits.from_settings(services.settings)
    quotas.check_interval(schedule, actor, now=now, limits=limits)
    with transaction(services.sessions) as session:
        check_allowed(session, actor, channel_id=channel_id, what=what, limits=limits)
        trigger = save(session, actor, channel_id=channel_id, what=what, schedule=schedule, when=when, first=runs[0])
    send_if_due(services, team_id=actor.team_id, number=trigger.number, now=now, next_run_at=runs[0])
    headline = f":white_check_mark: Scheduled *#{trigger.number}*"
    passed = schedules.passed_holidays(schedule, now, runs[-1])
    return confirmation(trigger, schedules.describe(schedule), runs, headline=headline, passed=passed)


def check_new(services: Services, actor: Actor, *, channel_id: str, what: str, schedule: schedules.Schedule) -> None:
    """Every refusal schedule_new would make, checked ahead (the App Home form shows it on the form)."""
    limits = quotas.Limits.from_settings(services.settings)
    quotas.check_interval(schedule, actor, now=services.clock(), limits=limits)
    with transaction(services.sessions) as session:
        check_allowed(session, actor, channel_id=channel_id, what=what, limits=limits)


def check_allowed(session: Session, actor: Actor, *, channel_id: str, what: str, limits: quotas.Limits) -> None:
    """What this person may not schedule here: broadcast mentions, and more than the quotas allow."""
    broadcasts.check(session, actor, what)
    quotas.check_room(session, actor, channel_id=channel_id, limits=limits)


def save(
    session: Session,
    actor: Actor,
    *,
    channel_id: str,
    what: str,
    schedule: schedules.Schedule,
    when: str,
    first: datetime,
) -> Trigger:
    description = schedules.describe(schedule)
    trigger = repository.create_trigger(
        session,
        team_id=actor.team_id,
        channel_id=channel_id,
        creator_id=actor.user_id,
        schedule=schedule.to_canonical(),
        schedule_text=when or description,
        zone=schedule.zone,
        next_run_at=first,
        payload={"text": what},
        enterprise_id=actor.enterprise_id,
    )
    repository.record_audit(
        session,
        team_id=actor.team_id,
        actor_id=actor.user_id,
        action="create",
        target_id=trigger.id,
        command=actor.command,
        detail={"text": what[:200], "schedule": description},
    )
    return trigger


def check_what(what: str) -> str:
    what = what.strip()
    if not what:
        raise UsageError("What should I post? Put the message before the time", ADD_EXAMPLE)
    if len(what) > MAX_WHAT_CHARS:
        raise UsageError(f"That message is {len(what)} characters; I can post up to {MAX_WHAT_CHARS}", ADD_EXAMPLE)
    return what


def escape_plain(text: str) -> str:
    """Plain text (from a modal) escaped the way Slack escapes what people type in commands."""
    return escape(text, quote=False)


def when_text(argument: str, what: str) -> str:
    """The words the user wrote for the time: what follows the message in what they typed."""
    at = argument.rfind(what)
    return argument[at + len(what) :].strip(" \"“”'‘’") if at >= 0 else ""


def edit(services: Services, actor: Actor, command: Command) -> Reply:
    assert command.number is not None
    text = unquote(command.argument)
    if text is not None:
        return _edit_text(services, actor, command.number, check_what(text))
    return _edit_when(services, actor, command.number, command.argument)


def _edit_text(services: Services, actor: Actor, number: int, text: str) -> Reply:
    def apply(session: Session, trigger: Trigger) -> Reply:
        require_live(trigger, "edit")
        broadcasts.check(session, actor, text)
        payload = {**(trigger.payload or {}), "text": text}
        repository.update_trigger(session, team_id=actor.team_id, number=number, payload=payload)
        return Reply(f":pencil2: *#{number}* will now post:\n{quote(text)}")

    return change(services, actor, number, "edit", apply)


def _edit_when(services: Services, actor: Actor, number: int, when: str) -> Reply:
    now = services.clock()

    def apply(session: Session, trigger: Trigger) -> Reply:
        if trigger.state == TriggerState.CANCELLED:
            require_live(trigger, "edit")
        region = workspace_region(session, team_id=actor.team_id)
        schedule = schedules.parse(when, now=now, tz=trigger.zone, holidays=region)
        runs = schedules.upcoming(schedule, after=now)
        if not runs:
            raise UsageError("That schedule has no runs in the future", f"/schedule edit {number} every monday at 9am")
        limits = quotas.Limits.from_settings(services.settings)
        quotas.check_interval(schedule, actor, now=now, limits=limits)
        if trigger.state == TriggerState.COMPLETED:  # it comes back to life: it counts again
            quotas.check_room(
                session, actor, channel_id=trigger.channel_id, limits=limits, creator_id=trigger.creator_id
            )
        state = TriggerState.PAUSED.value if trigger.state == TriggerState.PAUSED else TriggerState.ACTIVE.value
        # Runs claimed for the old time must not post; the new time is claimed afresh below.
        claims.release_claimed(session, team_id=actor.team_id, trigger_id=trigger.id, now=now, why="given a new time")
        repository.update_trigger(
            session,
            team_id=actor.team_id,
            number=number,
            schedule=schedule.to_canonical(),
            schedule_text=when,
            next_run_at=runs[0],
            state=state,
        )
        # An every-run rotation passes the turns of holidays the new time skips before its first run (if it runs).
        if state == TriggerState.ACTIVE.value:
            claims.pass_holidays_moved(session, trigger_id=trigger.id, team_id=actor.team_id, schedule=schedule,
                                       after=now, following=runs[0], now=now)  # fmt: skip
        passed = schedules.passed_holidays(schedule, now, runs[-1])
        headline = f":pencil2: Changed *#{number}*"
        return confirmation(trigger, schedules.describe(schedule), runs, headline=headline, passed=passed)

    reply = change(services, actor, number, "edit", apply)
    send_if_due(services, team_id=actor.team_id, number=number, now=now)
    return reply
