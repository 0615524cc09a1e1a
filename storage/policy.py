"""A workspace's policy: its settings row, and the counts its quotas are checked against.

Every function takes `team_id` as a required keyword and filters by it, as the repository does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repository
from storage.models import AuditEntry, Trigger, WorkspacePolicy

BROADCASTS_ADMINS = "admins"
BROADCASTS_EVERYONE = "everyone"
BROADCAST_CHOICES = (BROADCASTS_ADMINS, BROADCASTS_EVERYONE)


@dataclass(frozen=True)
class Usage:
    """Live (active or paused) schedules: the workspace's, one person's and one channel's."""

    workspace: int
    person: int
    channel: int


def broadcasts(session: Session, *, team_id: str) -> str:
    """Who may schedule broadcast mentions in this workspace: "admins" (the default) or "everyone"."""
    row = session.get(WorkspacePolicy, team_id)
    return row.broadcasts if row is not None else BROADCASTS_ADMINS


def set_broadcasts(session: Session, *, team_id: str, value: str, actor_id: str) -> None:
    if value not in BROADCAST_CHOICES:
        raise ValueError(f"broadcasts must be one of {BROADCAST_CHOICES}, not {value!r}")
    row = session.get(WorkspacePolicy, team_id, with_for_update=True)
    if row is None:
        session.add(WorkspacePolicy(team_id=team_id, broadcasts=value, updated_by=actor_id))
    else:
        row.broadcasts, row.updated_by = value, actor_id
    session.flush()


def lock_for_quota(session: Session, *, team_id: str) -> None:
    """Serialise this workspace's saves for the rest of the transaction: the lock that hands out numbers.

    Counting after it sees every schedule saved before, and no other save counts until this one commits.
    """
    repository.lock_numbers(session, team_id=team_id)


def usage(session: Session, *, team_id: str, creator_id: str, channel_id: str) -> Usage:
    live = (
        select(
            func.count(),
            func.count().filter(Trigger.creator_id == creator_id),
            func.count().filter(Trigger.channel_id == channel_id),
        )
        .where(Trigger.team_id == team_id, Trigger.state.in_(repository.LIVE_STATES))
        .where(repository._not_event())
    )
    workspace, person, channel = session.execute(live).one()
    return Usage(workspace=workspace, person=person, channel=channel)


def last_run_now(session: Session, *, team_id: str, trigger_id: int) -> datetime | None:
    """When someone last asked this schedule to run now (the audit trail records every `run`)."""
    query = select(func.max(AuditEntry.at)).where(
        AuditEntry.team_id == team_id,
        AuditEntry.target_kind == "trigger",
        AuditEntry.target_id == trigger_id,
        AuditEntry.action == "run",
    )
    return session.scalar(query)


def lock_trigger(session: Session, *, team_id: str, trigger_id: int) -> None:
    """Hold the trigger's row until commit, so two `run now`s of it are checked one after the other."""
    query = select(Trigger.id).where(Trigger.team_id == team_id, Trigger.id == trigger_id).with_for_update()
    session.execute(query)
