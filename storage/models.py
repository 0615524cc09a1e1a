"""SQLAlchemy 2.0 models: triggers, runs, the audit trail and cached user time zones.

Slack installations and OAuth state live in slack_sdk's own SQLAlchemy stores on the same
engine (see `storage.slack_stores`); their tables are created by the same migrations.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


# The outcome prefix of a run given back before it started (a skip, a new time, a holiday on an every-run
# rotation); a claim that owes the instant again takes such a run back (storage/claims.py).
RELEASED_PREFIX = "released: "


class TriggerState(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class RunState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class MisfirePolicy(enum.StrEnum):
    ONCE = "once"
    ALL = "all"
    SKIP = "skip"


class Trigger(Base):
    __tablename__ = "triggers"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_triggers_team_number"),
        # Serves the tick: active triggers due at or before T, oldest first, without a scan. Nulls are left out
        # (no tick matches one), so finishing a run never walks the triggers whose runs are under way.
        Index(
            "ix_triggers_due",
            "next_run_at",
            postgresql_where=text("state = 'active' AND next_run_at IS NOT NULL"),
            sqlite_where=text("state = 'active' AND next_run_at IS NOT NULL"),
        ),
        Index("ix_triggers_team_channel", "team_id", "channel_id"),
        Index("ix_triggers_team_creator", "team_id", "creator_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    # The Enterprise Grid org the trigger was made in (None outside Grid): finds an org-wide install's token.
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    number: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    action_kind: Mapped[str] = mapped_column(String(64), default="message")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    schedule: Mapped[str] = mapped_column(Text)
    schedule_text: Mapped[str] = mapped_column(Text, default="")
    zone: Mapped[str] = mapped_column(String(64))
    next_run_at: Mapped[datetime | None] = mapped_column(nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=TriggerState.ACTIVE.value)
    misfire_policy: Mapped[str] = mapped_column(String(8), default=MisfirePolicy.ONCE.value)
    # Paused because the app was uninstalled (not by a person): a reinstall resumes exactly these.
    paused_by_uninstall: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    runs: Mapped[list[Run]] = relationship(back_populates="trigger", passive_deletes=True)


# The conditions of the indexes of unfinished runs (storage/migrations/versions/0019_unfinished_runs_by_trigger.py):
# each names its key, so only a question asked by that key can be answered from it. Between herds statistics say
# both are empty, and PostgreSQL, believing them, would otherwise read all of one to find a run by its id.
UNFINISHED_SQL = "state IN ('queued', 'running')"
UNFINISHED_WITH_TIME = f"{UNFINISHED_SQL} AND enqueued_at IS NOT NULL"
UNFINISHED_BY_TRIGGER = f"{UNFINISHED_SQL} AND trigger_id IS NOT NULL"


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        # The claim: one Run per (trigger, due instant), whatever number of beats or retries. Its
        # index also serves every look-up of a trigger's runs.
        UniqueConstraint("trigger_id", "due_at", name="uq_runs_trigger_due"),
        # Serves recovery: runs claimed but not finished, oldest first. It names enqueued_at in its condition (which
        # recovery's "queued before" implies) so that no other question about unfinished runs can be answered by
        # reading all of it: between herds, statistics say it is empty, and PostgreSQL would believe them.
        Index(
            "ix_runs_unfinished",
            "enqueued_at",
            postgresql_where=text(UNFINISHED_WITH_TIME),
            sqlite_where=text(UNFINISHED_WITH_TIME),
        ),
        # Serves finishing and starting a run: the other unfinished runs of its trigger, one look-up whatever the
        # backlog or the trigger's history. It too names its key in its condition: a run's own moves (by id) must
        # not read all of it.
        Index(
            "ix_runs_unfinished_trigger",
            "trigger_id",
            postgresql_where=text(UNFINISHED_BY_TRIGGER),
            sqlite_where=text(UNFINISHED_BY_TRIGGER),
        ),
        # Serves Done: the repeats of one reminder.
        Index(
            "ix_runs_repeat_of",
            "repeat_of",
            postgresql_where=text("repeat_of IS NOT NULL"),
            sqlite_where=text("repeat_of IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger_id: Mapped[int] = mapped_column(ForeignKey("triggers.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16), default="scheduled")
    state: Mapped[str] = mapped_column(String(16), default=RunState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    slack_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    missed_count: Mapped[int] = mapped_column(Integer, default=0)
    # One entry per attempt: {"n", "at", "outcome", "error"}; an entry left "started" means a worker died mid-attempt.
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A rotation's turn this run names, pinned by its first start so every attempt names the same person.
    rotation_turn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Until done: a repeat names the run that first posted its reminder (the occurrence); that run
    # records who pressed Done and when, and no repeat of it starts after that.
    repeat_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)

    trigger: Mapped[Trigger] = relationship(back_populates="runs")


class Rotation(Base):
    """Whose turn it is on a rotating schedule: person = members[turn % len(members)].

    `turn` moves only by the guarded statement that finishes a run (tasks/runstate.py) and by the
    rotation commands; its own row, so it never contends with the trigger's completion.
    """

    __tablename__ = "rotations"

    trigger_id: Mapped[int] = mapped_column(ForeignKey("triggers.id", ondelete="CASCADE"), primary_key=True)
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    turn: Mapped[int] = mapped_column(Integer, default=0)
    # True: every finished run passes the turn (skipped ones too); False: only runs that posted.
    every_run: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_team_target", "team_id", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    target_kind: Mapped[str] = mapped_column(String(16), default="trigger")
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    command: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class UserZone(Base):
    """A user's Slack time zone, cached; `overridden` marks one set with `/schedule tz`."""

    __tablename__ = "user_zones"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    overridden: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkspacePolicy(Base):
    """A workspace's own settings (`/schedule settings`); a workspace without a row has the defaults."""

    __tablename__ = "workspace_policy"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Who may schedule @channel, @here, @everyone and user-group mentions: "admins" or "everyone".
    broadcasts: Mapped[str] = mapped_column(String(16), default="admins")
    updated_by: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WorkspaceCalendar(Base):
    """A workspace's holiday calendar (`/schedule holidays US`): the region its business-day schedules follow."""

    __tablename__ = "workspace_calendars"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    region: Mapped[str] = mapped_column(String(16))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


def state_in(column: Any, *states: str) -> ColumnElement[bool]:
    """`column IN (states)` with the states written into the statement, not bound as parameters.

    A run's moves are prepared statements that PostgreSQL plans once (a generic plan) when that plan is as
    good as planning each time; a generic plan can use a partial index (the due index, the unfinished runs')
    only if the statement itself names the states its condition names. Only our own state names go here.
    """
    for state in states:
        if not state.isidentifier():
            raise ValueError(f"not a state name: {state!r}")
    return column.in_([literal_column(f"'{state}'") for state in states])  # type: ignore[no-any-return]
