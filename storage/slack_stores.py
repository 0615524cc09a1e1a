"""slack_sdk's own SQLAlchemy installation and OAuth state stores, on our engine, with tokens encrypted at rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, and_, desc, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from storage.encryption import Cipher

# OAuth state lives ten minutes, long enough to click through Slack's consent screen.
DEFAULT_STATE_EXPIRATION_SECONDS = 600
# The columns that hold a credential: a token, a refresh token, or an incoming webhook's secret URL.
SEALED_INSTALLATION_COLUMNS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)
SEALED_BOT_COLUMNS = ("bot_token", "bot_refresh_token")


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, sealing every credential before it is written and opening it after it is read."""

    def __init__(self, client_id: str, engine: Engine, cipher: Cipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher

    def save(self, installation: Installation) -> None:
        super().save(_with(Installation, installation, SEALED_INSTALLATION_COLUMNS, self.cipher.seal))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_with(Bot, bot, SEALED_BOT_COLUMNS, self.cipher.seal))

    def build_installation_entity(self, row: Any) -> Installation:  # type: ignore[override]
        found = SQLAlchemyInstallationStore.build_installation_entity(row)
        return _with(Installation, found, SEALED_INSTALLATION_COLUMNS, self.cipher.open)

    def build_bot_entity(self, row: Any) -> Bot:  # type: ignore[override]
        return _with(Bot, SQLAlchemyInstallationStore.build_bot_entity(row), SEALED_BOT_COLUMNS, self.cipher.open)

    def find_workspace_bot(self, *, enterprise_id: str | None, team_id: str) -> Bot | None:
        """The bot installed for `team_id`: in that workspace, or org-wide in its Enterprise Grid org.

        A workspace install is matched by team id (and by enterprise id when one is known, so a trigger saved
        before Grid ids were recorded still finds a per-workspace Grid install); an org-wide install only by
        the enterprise id, since its rows carry no team.
        """
        c = self.bots.c
        mine = and_(c.client_id == self.client_id, c.bot_token.is_not(None))
        in_workspace = and_(mine, c.team_id == team_id)
        if enterprise_id is not None:
            in_workspace = and_(in_workspace, c.enterprise_id == enterprise_id)
        found = self._latest_bot(in_workspace)
        if found is None and enterprise_id is not None:
            found = self._latest_bot(and_(mine, c.enterprise_id == enterprise_id, c.is_enterprise_install.is_(True)))
        return found

    def save_refreshed_bot(self, before: Bot, after: Bot) -> bool:
        """Store a refreshed bot token unless another process stored one first (then False: use theirs).

        The newest bots row is locked (FOR UPDATE on PostgreSQL) and changed only while it still holds the
        refresh token this process refreshed from, so a slower refresh never overwrites a newer token.
        """
        c = self.bots.c
        latest = (
            select(c.id, c.bot_refresh_token)
            .where(_same_install(self.bots, self.client_id, before), c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
            .with_for_update()
        )
        with self.engine.begin() as conn:
            row = conn.execute(latest).mappings().first()
            if row is None or self.cipher.open(row["bot_refresh_token"]) != before.bot_refresh_token:
                return False
            values = self._refreshed_values(after)
            conn.execute(update(self.bots).where(c.id == row["id"]).values(values))
            installs = self.installations
            conn.execute(
                update(installs)
                .where(_same_install(installs, self.client_id, before), installs.c.bot_token.is_not(None))
                .values(values)
            )
        return True

    def delete_workspace(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget every token of one install (a workspace's, or an org-wide one when team_id is None)."""
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def reseal_all(self) -> int:
        """Re-encrypt every stored credential under the first key; return the rows rewritten."""
        with self.engine.begin() as conn:
            return _reseal(conn, self.installations, SEALED_INSTALLATION_COLUMNS, self.cipher) + _reseal(
                conn, self.bots, SEALED_BOT_COLUMNS, self.cipher
            )

    def _latest_bot(self, where: Any) -> Bot | None:
        query = self.bots.select().where(where).order_by(desc(self.bots.c.installed_at)).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else self.build_bot_entity(row)

    def _refreshed_values(self, after: Bot) -> dict[str, Any]:
        expires = after.bot_token_expires_at
        return {
            "bot_token": self.cipher.seal(after.bot_token),
            "bot_refresh_token": self.cipher.seal(after.bot_refresh_token),
            "bot_token_expires_at": None
            if expires is None
            else datetime.fromtimestamp(expires, UTC).replace(tzinfo=None),
        }


def installation_store(engine: Engine, client_id: str, cipher: Cipher) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(client_id=client_id, engine=engine, cipher=cipher)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=DEFAULT_STATE_EXPIRATION_SECONDS, engine=engine)


def slack_metadata() -> MetaData:
    """The slack_sdk tables, built by slack_sdk itself, for the migrations to create."""
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(
        metadata, SQLAlchemyInstallationStore.default_installations_table_name
    )
    SQLAlchemyInstallationStore.build_bots_table(metadata, SQLAlchemyInstallationStore.default_bots_table_name)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, SQLAlchemyOAuthStateStore.default_table_name)
    return metadata


def _with(kind: Any, entity: Any, columns: tuple[str, ...], change: Any) -> Any:
    """A copy of an Installation or Bot with `change` applied to each credential column."""
    copy = kind(**entity.to_dict_for_copying())
    for column in columns:
        setattr(copy, column, change(getattr(entity, column)))
    return copy


def _same_install(table: Table, client_id: str, bot: Bot) -> Any:
    c = table.c
    return and_(c.client_id == client_id, c.enterprise_id == bot.enterprise_id, c.team_id == bot.team_id)


def _reseal(conn: Connection, table: Table, columns: tuple[str, ...], cipher: Cipher) -> int:
    rows: list[RowMapping] = list(conn.execute(select(table.c.id, *(table.c[c] for c in columns))).mappings())
    for row in rows:
        values = {column: cipher.reseal(row[column]) for column in columns}
        conn.execute(update(table).where(table.c.id == row["id"]).values(values))
    return len(rows)
