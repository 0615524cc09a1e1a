"""Which bot token a worker posts with: its workspace's install (refreshed before it expires), or SLACK_BOT_TOKEN.

In OAuth mode every workspace uses its own install's token and nothing else: a workspace with no install
has no token, whatever SLACK_BOT_TOKEN holds, since that token belongs to some other workspace.

A process reads a workspace's install at most once every CACHE_SECONDS, so a herd of posts does not read it
once per post. A token that nears its refresh within that time is never kept. A kept token Slack refuses
(a reinstall replaced it, an uninstall revoked it) is forgotten and the install read again at once
(tasks/slack.py), so the post goes with the new token, or fails as having no install.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine

from schedulebot.config import Settings
from storage.encryption import Cipher
from storage.slack_stores import EncryptedInstallationStore, installation_store

logger = logging.getLogger(__name__)

# Refresh a rotating token when it has less than this left, as Bolt does in the web process (its default).
REFRESH_MINUTES_BEFORE_EXPIRY = 120
# How long one process keeps a workspace's token before reading its install again.
CACHE_SECONDS = 30.0
NOT_INSTALLED = "schedulebot is not installed in this workspace"


class NotInstalled(Exception):
    """No install (so no token) for the workspace."""


class RefreshFailed(Exception):
    """Slack refused to refresh an expiring token (the install was revoked, say): retrying will not help."""


class RefreshUnavailable(Exception):
    """Slack could not be reached to refresh a token that has already expired: try again later."""


class Tokens:
    def __init__(
        self, settings: Settings, engine: Engine, *, timeout: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._single = settings.slack_bot_token
        self._clock = clock
        # (enterprise id, team id) -> (the clock's moment it is kept until, token)
        self._kept: dict[tuple[str | None, str], tuple[float, str]] = {}
        self._store: EncryptedInstallationStore | None = None
        self._rotator: TokenRotator | None = None
        if settings.oauth_enabled:
            assert settings.slack_client_id and settings.slack_client_secret
            self._store = installation_store(engine, settings.slack_client_id, Cipher(settings.secret_key))
            client = WebClient(base_url=settings.slack_api_url, timeout=int(max(1, timeout)))
            self._rotator = TokenRotator(
                client_id=settings.slack_client_id, client_secret=settings.slack_client_secret, client=client
            )

    def bot_token(self, *, team_id: str, enterprise_id: str | None) -> str:
        if self._store is None:
            if self._single:
                return self._single
            raise NotInstalled(NOT_INSTALLED)
        store = self._store
        key = (enterprise_id, team_id)
        kept = self._kept.get(key)
        if kept is not None and kept[0] > self._clock():
            return kept[1]

        def find() -> Bot | None:
            return store.find_workspace_bot(enterprise_id=enterprise_id, team_id=team_id)

        bot = find()
        if bot is None or not bot.bot_token:
            self._kept.pop(key, None)
            raise NotInstalled(NOT_INSTALLED)
        bot = self._fresh(store, bot, find)
        self._keep(key, bot)
        return str(bot.bot_token)

    def forget(self, team_id: str, enterprise_id: str | None) -> bool:
        """Drop the kept token (Slack refused it); whether there was one."""
        return self._kept.pop((enterprise_id, team_id), None) is not None

    def _keep(self, key: tuple[str | None, str], bot: Bot) -> None:
        """Keep the token for CACHE_SECONDS, unless it is due for its refresh sooner."""
        seconds = CACHE_SECONDS
        if bot.bot_token_expires_at is not None:
            seconds = min(seconds, bot.bot_token_expires_at - time.time() - REFRESH_MINUTES_BEFORE_EXPIRY * 60)
        if seconds > 0:
            self._kept[key] = (self._clock() + seconds, str(bot.bot_token))
        else:
            self._kept.pop(key, None)

    def _fresh(self, store: EncryptedInstallationStore, bot: Bot, find: Callable[[], Bot | None]) -> Bot:
        """The bot, its token refreshed first when it is near expiry; a refresh another worker stored wins."""
        refreshed = self._refreshed(bot)
        if refreshed is None:
            return bot
        if store.save_refreshed_bot(bot, refreshed):
            logger.info("refreshed the bot token of team %s", bot.team_id or bot.enterprise_id)
            return refreshed
        stored = find()  # another process refreshed first: theirs is stored, and still valid
        return stored or refreshed

    def _refreshed(self, bot: Bot) -> Bot | None:
        """A refreshed bot when its token is near expiry, else None; a token still valid outlives a Slack outage."""
        assert self._rotator is not None
        try:
            return self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=REFRESH_MINUTES_BEFORE_EXPIRY
            )
        except SlackTokenRotationError as exc:
            response = exc.api_error.response
            if response.status_code < 500 and response.status_code != 429:
                raise RefreshFailed(f"Slack would not refresh the bot token ({response.get('error')})") from None
            reason = f"Slack answered {response.status_code}"
        except (SlackClientError, OSError) as exc:  # no answer: URLError and timeouts are OSErrors
            reason = exc.__class__.__name__
        if bot.bot_token_expires_at is not None and bot.bot_token_expires_at > time.time():
            logger.warning(
                "could not refresh the bot token of team %s yet (%s)", bot.team_id or bot.enterprise_id, reason
            )
            return None
        raise RefreshUnavailable(f"could not refresh the expired bot token ({reason}); retrying later")
