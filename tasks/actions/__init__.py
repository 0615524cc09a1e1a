"""Actions a trigger runs: built-ins by name, and a team's own through the `schedulebot.actions` entry points.

An action is a callable `(ActionContext) -> ActionResult`. It raises ActionFailed for a failure that
retrying cannot fix (the channel is told at once) and ActionRetry for one that may pass next time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

from schedulebot.config import Settings

ENTRY_POINT_GROUP = "schedulebot.actions"


@dataclass(frozen=True)
class ActionContext:
    run_id: int
    trigger_id: int
    trigger_number: int
    team_id: str
    channel_id: str
    payload: dict[str, Any]
    due_at: datetime
    now: datetime
    settings: Settings
    timeout: float


@dataclass(frozen=True)
class ActionResult:
    """What to post to the trigger's channel; an empty text posts nothing."""

    text: str


class ActionFailed(Exception):
    """A failure retrying cannot fix; the message is posted to the channel."""


class ActionRetry(Exception):
    """A failure that may pass on a later attempt; after the last one the message is posted."""


Action = Callable[[ActionContext], ActionResult]


class UnknownAction(ActionFailed):
    pass


def pure(action: Action) -> Action:
    """Mark an action whose text depends only on its context: a retry may run it again instead of storing it."""
    action.schedulebot_pure = True  # type: ignore[attr-defined]
    return action


def is_pure(action: Action) -> bool:
    return bool(getattr(action, "schedulebot_pure", False))


def find_action(kind: str) -> Action:
    from tasks.actions.message import message
    from tasks.actions.webhook import webhook

    builtin: dict[str, Action] = {"message": message, "webhook": webhook}
    if kind in builtin:
        return builtin[kind]
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == kind:
            action: Action = point.load()
            return action
    raise UnknownAction(f"There is no action called {kind!r} installed on this schedulebot.")
