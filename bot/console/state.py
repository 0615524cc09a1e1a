"""What the console keeps between runs (the channels it made up) and what it reads of the bot's (the user's zone)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage import repository
from storage.db import make_engine, session_factory, transaction

logger = logging.getLogger(__name__)


class ConsoleState:
    """A small JSON file in the state directory: channel names survive a restart, as Slack's do."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def channels(self) -> dict[str, str]:
        """Channel id → name, as remembered; nothing when there is no file or it cannot be read."""
        if self.path is None or not self.path.exists():
            return {}
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8")).get("channels", {})
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("console: ignoring %s (%s)", self.path, exc)
            return {}
        return {str(cid): str(name) for cid, name in saved.items()} if isinstance(saved, dict) else {}

    def remember_channel(self, channel_id: str, name: str) -> None:
        if self.path is None:
            return
        with self._lock:
            channels = {**self.channels(), channel_id: name}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps({"channels": channels}, indent=1), encoding="utf-8")
            temporary.replace(self.path)


class UserZones:
    """The zone the console's user chose with `/schedule tz`, read from the bot's own database."""

    def __init__(self, database_url: str | None, *, team_id: str, user_id: str) -> None:
        self.engine: Engine | None = make_engine(database_url) if database_url else None
        self.sessions = session_factory(self.engine) if self.engine is not None else None
        self.team_id, self.user_id = team_id, user_id

    def chosen(self) -> str | None:
        """The zone set with `/schedule tz`, or None (the user's Slack zone applies)."""
        if self.sessions is None:
            return None
        try:
            with transaction(self.sessions) as session:
                row = repository.get_user_zone(session, team_id=self.team_id, user_id=self.user_id)
                return row.zone if row is not None and row.overridden else None
        except SQLAlchemyError as exc:  # busy or gone for a moment: keep showing the zone in use
            logger.warning("console: could not read the time zone you set (%s)", exc.__class__.__name__)
            return None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
