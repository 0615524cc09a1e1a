"""events: occurrences, recurring series, RSVPs, transitions, their triggers, feeds and defaults

Revision ID: 0010_events
Revises: 0002_firing
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The event models live in their own module; importing it puts them on Base.metadata, which the
# schema-versus-models comparison reads.
import storage.events.models  # noqa: F401


revision = '0010_events'
down_revision = '0002_firing'
branch_labels = None
depends_on = None

LIVE = sa.text("state IN ('scheduled', 'ongoing')")
ACTIVE = sa.text("state = 'active'")
UNPOSTED = sa.text("posted_at IS NULL")


def upgrade() -> None:
    op.create_table('event_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('creator_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('schedule', sa.Text(), nullable=False),
    sa.Column('schedule_text', sa.Text(), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('remind_seconds', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('materialized_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_event_series_live', 'event_series', ['materialized_until'], unique=False, postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_at', sa.DateTime(), nullable=True),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('creator_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('remind_seconds', sa.JSON(), nullable=False),
    sa.Column('announcement_ts', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['event_series.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series_id', 'occurrence_at', name='uq_events_series_occurrence'),
    sa.UniqueConstraint('team_id', 'number', name='uq_events_team_number')
    )
    op.create_index('ix_events_team_channel_starts', 'events', ['team_id', 'channel_id', 'starts_at'], unique=False)
    op.create_index('ix_events_live_starts', 'events', ['starts_at'], unique=False, postgresql_where=LIVE, sqlite_where=LIVE)
    op.create_table('event_rsvps',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('going', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id')
    )
    op.create_table('event_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_event_transitions_event', 'event_transitions', ['event_id', 'id'], unique=False)
    op.create_index('ix_event_transitions_unposted', 'event_transitions', ['event_id'], unique=False, postgresql_where=UNPOSTED, sqlite_where=UNPOSTED)
    op.create_table('event_triggers',
    sa.Column('trigger_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trigger_id'], ['triggers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trigger_id')
    )
    op.create_index('ix_event_triggers_event', 'event_triggers', ['event_id'], unique=False)
    op.create_table('event_feeds',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'channel_id'),
    sa.UniqueConstraint('token')
    )
    op.create_table('event_defaults',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('reminder_seconds', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id')
    )


def downgrade() -> None:
    op.drop_table('event_defaults')
    op.drop_table('event_feeds')
    op.drop_index('ix_event_triggers_event', table_name='event_triggers')
    op.drop_table('event_triggers')
    op.drop_index('ix_event_transitions_unposted', table_name='event_transitions')
    op.drop_index('ix_event_transitions_event', table_name='event_transitions')
    op.drop_table('event_transitions')
    op.drop_table('event_rsvps')
    op.drop_index('ix_events_live_starts', table_name='events')
    op.drop_index('ix_events_team_channel_starts', table_name='events')
    op.drop_table('events')
    op.drop_index('ix_event_series_live', table_name='event_series')
    op.drop_table('event_series')
