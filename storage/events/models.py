"""Event tables: occurrences, recurring series, RSVPs, transitions, their triggers, feeds and defaults."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow

MAX_TITLE = 200
_ACTIVE = text("state = 'active'")
_LIVE = text("state IN ('scheduled', 'ongoing')")
_UNPOSTED = text("posted_at IS NULL")


class EventState(enum.StrEnum):
    SCHEDULED = "scheduled"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


LIVE_STATES = (EventState.SCHEDULED.value, EventState.ONGOING.value)


class Cause(enum.StrEnum):
    """What made a transition: a person's command, the event's own trigger, or the repair sweep."""

    USER = "user"
    CLOCK = "clock"
    SWEEP = "sweep"


class TriggerKind(enum.StrEnum):
    """The action kinds of the triggers that fire an event's reminders, start and end."""

    REMINDER = "event_reminder"
    START = "event_start"
    END = "event_end"
    # Tells the channel about one transition a person or the sweep made (the clock's own tell themselves).
    NOTICE = "event_notice"


# The triggers that follow the event's times; notices, once made, are left to post.
TIMED_KINDS = (TriggerKind.REMINDER, TriggerKind.START, TriggerKind.END)


class EventSeries(Base):
    """A recurring event; its occurrences are Event rows materialized ahead for a window."""

    __tablename__ = "event_series"
    __table_args__ = (
        Index("ix_event_series_live", "materialized_until", postgresql_where=_ACTIVE, sqlite_where=_ACTIVE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    schedule: Mapped[str] = mapped_column(Text)
    schedule_text: Mapped[str] = mapped_column(Text, default="")
    zone: Mapped[str] = mapped_column(String(64))
    duration_seconds: Mapped[int] = mapped_column(Integer)
    remind_seconds: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="active")
    # The Enterprise Grid org it was made in (None outside Grid), handed to each occurrence.
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    materialized_until: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """One occurrence: a titled span of time in a channel, moving scheduled → ongoing → completed."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_events_team_number"),
        # One row per instance of a series, whatever number of sweeps materialize it at once.
        UniqueConstraint("series_id", "occurrence_at", name="uq_events_series_occurrence"),
        Index("ix_events_team_channel_starts", "team_id", "channel_id", "starts_at"),
        # Serves the sweep: live events whose start or end has passed.
        Index("ix_events_live_starts", "starts_at", postgresql_where=_LIVE, sqlite_where=_LIVE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), nullable=True)
    occurrence_at: Mapped[datetime | None] = mapped_column(nullable=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    zone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=EventState.SCHEDULED.value)
    remind_seconds: Mapped[list[int]] = mapped_column(JSON, default=list)
    announcement_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The Enterprise Grid org it was made in (None outside Grid): its announcements and triggers post with that install.
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EventRsvp(Base):
    __tablename__ = "event_rsvps"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    going: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class EventTransition(Base):
    """One change of state, who or what caused it, and whether the channel has been told (once)."""

    __tablename__ = "event_transitions"
    __table_args__ = (
        Index("ix_event_transitions_event", "event_id", "id"),
        Index("ix_event_transitions_unposted", "event_id", postgresql_where=_UNPOSTED, sqlite_where=_UNPOSTED),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the one process that claims the post; a claimed transition is never posted again.
    posted_at: Mapped[datetime | None] = mapped_column(nullable=True)


class EventTrigger(Base):
    """Links an event to the triggers that fire its reminders, start and end."""

    __tablename__ = "event_triggers"
    __table_args__ = (Index("ix_event_triggers_event", "event_id"),)

    trigger_id: Mapped[int] = mapped_column(ForeignKey("triggers.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))


class EventFeed(Base):
    """One person's secret link to a channel's iCalendar feed, kept as the SHA-256 of its token.

    The token itself is shown once, to its member; a copy of this table opens no feed. `user_id` is ""
    for a link made before links were per person (it works until an admin rotates the channel's links).
    """

    __tablename__ = "event_feeds"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventDefaults(Base):
    __tablename__ = "event_defaults"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    reminder_seconds: Mapped[int] = mapped_column(Integer)
