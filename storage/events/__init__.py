"""Events: occurrences with a lifecycle, recurring series, RSVPs, transitions and calendar feeds.

`models` holds the tables, `lifecycle` the pure rules, `repository` the workspace-scoped reads and
changes (each takes `team_id`), `series` recurring events, `feeds` calendar tokens, and `sweep` the
two deliberately cross-workspace scans the reconciliation sweep runs.
"""

from storage.events.lifecycle import EventError
from storage.events.models import (
    Cause,
    Event,
    EventDefaults,
    EventFeed,
    EventRsvp,
    EventSeries,
    EventState,
    EventTransition,
    EventTrigger,
    TriggerKind,
)

__all__ = [
    "Cause",
    "Event",
    "EventDefaults",
    "EventError",
    "EventFeed",
    "EventRsvp",
    "EventSeries",
    "EventState",
    "EventTransition",
    "EventTrigger",
    "TriggerKind",
]
