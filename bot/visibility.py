"""Who sees what, and where a person may post: the one place these rules live.

A person sees a schedule or an event when it is theirs, or it belongs to a channel they are a member of,
or they are a workspace admin or owner. Something in a DM (the bot's DM, `me to …`) is its creator's
alone, admins included. A person may target only channels they are a member of (admins: any); their own
DMs always. Membership comes from Slack (bot.membership); when Slack cannot be asked, a person sees only
their own, is told so, and may target only their DMs.

Not found and not visible answer the same way, so a reply never says what exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Protocol, TypeVar

from bot.context import Actor, Services
from bot.errors import NotAllowed, UserError
from storage import repository
from storage.db import transaction
from storage.errors import NotFound
from storage.models import Trigger

ALLOWED, OUTSIDE, UNKNOWN = "allowed", "outside", "unknown"
UNKNOWN_NOTE = (
    "I could not ask Slack which channels you are in just now, so this shows only your own. Try again in a minute."
)


class Owned(Protocol):
    """A schedule or an event: who made it and where it belongs."""

    @property
    def creator_id(self) -> str: ...

    @property
    def channel_id(self) -> str: ...


T = TypeVar("T", bound=Owned)


class NotVisible(UserError):
    """Nothing by that number that this person may see (whether or not it exists)."""


def is_direct(channel_id: str, creator_id: str = "") -> bool:
    """A DM: the creator's own id (`me to …`) or a D… conversation."""
    return channel_id.startswith(("D", "U", "W")) or channel_id == creator_id


class Viewer:
    """One person asking to look; Slack is asked about their channels only when the answer matters."""

    def __init__(self, services: Services, actor: Actor) -> None:
        self._services = services
        self.actor = actor

    @property
    def user_id(self) -> str:
        return self.actor.user_id

    @property
    def is_admin(self) -> bool:
        return self.actor.is_admin

    @cached_property
    def channels(self) -> frozenset[str] | None:
        """The channels this person is a member of, or None when Slack could not be asked."""
        actor = self.actor
        return self._services.memberships.channels(actor.client, team_id=actor.team_id, user_id=actor.user_id)

    @property
    def partial(self) -> bool:
        """True when a look has been cut down to the person's own because Slack could not be asked."""
        return "channels" in self.__dict__ and self.channels is None and not self.is_admin

    def member_of(self, channel_id: str) -> bool:
        return channel_id in (self.channels or frozenset())

    def sees(self, item: Owned) -> bool:
        if item.creator_id == self.user_id:
            return True
        if is_direct(item.channel_id, item.creator_id):
            return False
        return self.is_admin or self.member_of(item.channel_id)

    def visible(self, items: Iterable[T]) -> list[T]:
        return [item for item in items if self.sees(item)]

    def note(self) -> str:
        return UNKNOWN_NOTE if self.partial else ""


def viewer(services: Services, actor: Actor) -> Viewer:
    return Viewer(services, actor)


def require_visible(viewer: Viewer, item: T | None, *, number: int, noun: str = "schedule") -> T:
    """`item` if this person may see it; otherwise the same refusal as for one that does not exist."""
    if item is None or not viewer.sees(item):
        raise not_visible(number, noun)
    return item


def visible_trigger(services: Services, actor: Actor, number: int) -> Trigger:
    """Schedule `number` if this person may see it; else the same refusal as for one that does not exist.

    Read in a transaction of its own and decided after it ends, so the Slack call that membership may
    need never holds a database transaction (on SQLite, the write lock) open.
    """
    try:
        with transaction(services.sessions) as session:
            trigger = repository.get_trigger(session, team_id=actor.team_id, number=number)
    except NotFound:
        raise not_visible(number) from None
    return require_visible(viewer(services, actor), trigger, number=number)


def not_visible(number: int, noun: str = "schedule") -> NotVisible:
    example = "/event list" if noun == "event" else "/schedule list"
    return NotVisible(f"There is no {noun} #{number} you can see", example)


def require_can_target(services: Services, actor: Actor, channel_id: str, *, command: str = "/schedule") -> None:
    """Refuse a channel this person is not a member of (admins may target any; DMs are always fine)."""
    verdict = _target_verdict(services, actor, channel_id)
    if verdict == UNKNOWN:
        raise NotAllowed(
            f"I could not ask Slack whether you are in <#{channel_id}>, so I saved nothing. Try again in a minute, "
            "or schedule it for yourself",
            "/schedule me to check the deploy tomorrow at 9am" if command == "/schedule" else None,
        )
    if verdict == OUTSIDE:
        raise NotAllowed(
            f"You are not a member of <#{channel_id}>, so I cannot post there for you. Join <#{channel_id}> and "
            "try again, or ask a workspace admin to schedule it"
        )


def target_problem(services: Services, actor: Actor, channel_id: str) -> str:
    """Why this person may not target `channel_id`, as plain text for a modal field; "" when they may."""
    return {
        UNKNOWN: "I could not ask Slack whether you are in that channel, so nothing was saved. Try again in a minute.",
        OUTSIDE: "You are not a member of that channel, so I cannot post there for you. Join it, or ask an admin.",
    }.get(_target_verdict(services, actor, channel_id), "")


def _target_verdict(services: Services, actor: Actor, channel_id: str) -> str:
    # Their own DMs: their own id (`me to …`) or a D… conversation they typed in; another person's id is no DM
    # of theirs, so it is checked like any channel (and refused).
    if channel_id == actor.user_id or channel_id.startswith("D") or actor.is_admin:
        return ALLOWED
    channels = services.memberships.channels(actor.client, team_id=actor.team_id, user_id=actor.user_id)
    if channels is None:
        return UNKNOWN
    return ALLOWED if channel_id in channels else OUTSIDE
