"""Beat's schedule. Beat keeps it in memory (no state file): a fresh container starts clean, and
two beats at once only tick twice, which the database claim makes harmless."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from schedulebot.config import Settings
from storage.claims import TICK_TASK, UPDATE_EVENT_STATES_TASK

# Celery's base Scheduler holds the schedule in memory; PersistentScheduler would write a shelve file.
SCHEDULER = "celery.beat:Scheduler"
EVENT_STATES_EVERY = timedelta(minutes=30)


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    tick = timedelta(seconds=settings.tick_seconds)
    return {
        "execute-scheduled-triggers": {
            "task": TICK_TASK,
            "schedule": tick,
            # A tick nobody ran in time is dropped: the next one does the same work.
            "options": {"expires": settings.tick_seconds},
        },
        "update-event-states": {
            "task": UPDATE_EVENT_STATES_TASK,
            "schedule": EVENT_STATES_EVERY,
            "options": {"expires": EVENT_STATES_EVERY.total_seconds()},
        },
    }
