"""What every operation needs: the shared services, and who is asking from where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.dispatch import Dispatcher
from bot.membership import Memberships
from bot.zones import Directory, Profile
from schedulebot.config import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    directory: Directory
    dispatcher: Dispatcher
    # Which channels each person is in (what they see, where they may post); bot.visibility reads it.
    memberships: Memberships = field(default_factory=Memberships)


@dataclass(frozen=True)
class Actor:
    """One person's request: their workspace, where they typed, and what we know of them."""

    team_id: str
    user_id: str
    channel_id: str
    profile: Profile
    # The words as typed, for the audit trail ("/schedule pause 3", "button: pause", ...).
    command: str = ""
    # The Enterprise Grid org the request came from (None outside Grid), stored with what it creates.
    enterprise_id: str | None = None
    # The Web API client of the request's workspace, for asking Slack about this person (None: cannot ask).
    client: WebClient | None = field(default=None, compare=False, repr=False)

    @property
    def zone(self) -> str:
        return self.profile.zone

    @property
    def is_admin(self) -> bool:
        return self.profile.is_admin
