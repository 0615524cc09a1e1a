"""Quotas: live schedules per workspace, person and channel; how often a non-admin's schedule may run; how
often one schedule may `run now`. The numbers come from the settings (README "Limits")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from bot import schedules
from bot.context import Actor
from bot.errors import Conflict, NotAllowed
from schedulebot.config import Settings
from storage import policy
from storage.models import Trigger

# Upcoming runs compared to find a schedule's shortest gap: enough for `at 9:00 and 9:01` or `*/2 9 * * *`.
GAP_SAMPLE = 12


@dataclass(frozen=True)
class Limits:
    workspace: int
    person: int
    channel: int
    min_interval: timedelta
    run_now: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            workspace=settings.max_triggers_per_workspace,
            person=settings.max_triggers_per_person,
            channel=settings.max_triggers_per_channel,
            min_interval=timedelta(minutes=settings.min_interval_minutes),
            run_now=timedelta(seconds=settings.run_now_seconds),
        )


def check_room(
    session: Session, actor: Actor, *, channel_id: str, limits: Limits, creator_id: str | None = None
) -> None:
    """In the saving transaction, before the insert: refuse a schedule that would go over a quota.

    Takes the workspace's numbering lock first, so saves made at the same moment count one after another.
    `creator_id`: whose schedule it is, when not the actor's (an admin bringing back someone's schedule).
    """
    owner = creator_id or actor.user_id
    policy.lock_for_quota(session, team_id=actor.team_id)
    used = policy.usage(session, team_id=actor.team_id, creator_id=owner, channel_id=channel_id)
    if used.workspace >= limits.workspace:
        raise Conflict(
            f"This workspace already has {used.workspace:,} live schedules, its limit "
            f"(SCHEDULEBOT_MAX_TRIGGERS_PER_WORKSPACE = {limits.workspace:,}). Cancel some it no longer needs first",
            "/schedule list all",
        )
    if used.person >= limits.person:
        who = "You already have" if owner == actor.user_id else f"<@{owner}> already has"
        raise Conflict(
            f"{who} {used.person:,} live schedules, the limit per person "
            f"(SCHEDULEBOT_MAX_TRIGGERS_PER_PERSON = {limits.person:,}). Cancel one no longer needed first",
            "/schedule list mine",
        )
    if used.channel >= limits.channel:
        raise Conflict(
            f"<#{channel_id}> already has {used.channel:,} live schedules, the limit per channel "
            f"(SCHEDULEBOT_MAX_TRIGGERS_PER_CHANNEL = {limits.channel:,}). Cancel some there first",
            f"/schedule list <#{channel_id}>",
        )


def check_interval(schedule: schedules.Schedule, actor: Actor, *, now: datetime, limits: Limits) -> None:
    """Refuse a schedule that runs more often than the minimum interval, unless an admin makes it."""
    if actor.is_admin:
        return
    gap = shortest_gap(schedule, now=now)
    if gap is not None and gap < limits.min_interval:
        minutes = _minutes(limits.min_interval)
        raise NotAllowed(
            f"That runs every {_span(gap)}; schedules made by people who are not workspace admins run at most "
            f"every {minutes} (SCHEDULEBOT_MIN_INTERVAL_MINUTES). A workspace admin can make faster ones",
            f"/schedule #ops to check the queue every {minutes}",
        )


def shortest_gap(schedule: schedules.Schedule, *, now: datetime) -> timedelta | None:
    runs = schedules.upcoming(schedule, after=now, count=GAP_SAMPLE)
    return min((later - earlier for earlier, later in pairwise(runs)), default=None)


def check_run_now(session: Session, trigger: Trigger, *, now: datetime, limits: Limits) -> None:
    """`run now` of one schedule at most once per limits.run_now; the audit trail says when it last ran."""
    if limits.run_now <= timedelta(0):
        return
    policy.lock_trigger(session, team_id=trigger.team_id, trigger_id=trigger.id)
    last = policy.last_run_now(session, team_id=trigger.team_id, trigger_id=trigger.id)
    if last is None or now - last >= limits.run_now:
        return
    wait = max(1, int((last + limits.run_now - now).total_seconds() + 0.999))
    raise Conflict(
        f"#{trigger.number} was run by hand {_ago(now - last)}; a schedule runs by hand at most once every "
        f"{_span(limits.run_now)} (SCHEDULEBOT_RUN_NOW_SECONDS), so it may run again in {_seconds(wait)}",
        f"/schedule show {trigger.number}",
    )


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return "minute" if minutes == 1 else f"{minutes} minutes"


def _span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds >= 60 and seconds % 60 == 0:
        return _minutes(span)
    return _seconds(max(seconds, 0))


def _ago(span: timedelta) -> str:
    return "just now" if span < timedelta(seconds=1) else f"{_span(span)} ago"


def _seconds(seconds: int) -> str:
    return "1 second" if seconds == 1 else f"{seconds} seconds"
