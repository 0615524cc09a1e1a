"""The one typed settings object, built from the environment at each entry point and passed down."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///schedulebot.db"
DEFAULT_REDIS_URL = "redis://localhost:6379/0"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_WORKSPACE_POSTS_PER_MINUTE = 300
# Slash commands one web worker process holds behind its acks before it answers "busy" (SCHEDULEBOT_WEB_QUEUE).
DEFAULT_WEB_QUEUE = 20


class ConfigError(Exception):
    """A setting that cannot work; the message names the variable and the problem."""


def normalize_database_url(url: str) -> str:
    """Map the `postgres://` and `postgresql://` URLs hosting platforms hand out onto the installed driver."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_slack_api_url(url: str) -> None:
    """Tokens travel to this URL: https, or http only to this machine (a local stand-in)."""
    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return
    raise ValueError(
        "must be an https URL (http only for 127.0.0.1, ::1 or localhost), so tokens never cross a network "
        "in clear text; example: https://slack.com/api/"
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    # URLs that may carry a password: kept out of reprs (print them through telemetry.Redactor).
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL", repr=False)
    redis_url: str = Field(default=DEFAULT_REDIS_URL, alias="REDIS_URL", repr=False)
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN", repr=False)
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET", repr=False)
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN", repr=False)
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET", repr=False)
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    # Where people reach the web process (calendar feed links); unset, links use http://localhost:$PORT.
    public_url: str | None = Field(default=None, alias="PUBLIC_URL")
    tick_seconds: int = Field(default=60, alias="SCHEDULEBOT_TICK_SECONDS", ge=1, le=3600)
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    # gunicorn worker processes for the web process (the name Procfile platforms already use).
    web_concurrency: int = Field(default=2, alias="WEB_CONCURRENCY", ge=1, le=64)
    log_format: str = Field(default="text", alias="LOG_FORMAT")
    # Hosts or CIDRs, each with an optional :port, a webhook action may reach although they are not public.
    webhook_allowlist: str = Field(default="", alias="SCHEDULEBOT_WEBHOOK_ALLOWLIST")
    # Fernet key(s) encrypting Slack tokens at rest; comma-separated for rotation (the first encrypts).
    secret_key: str | None = Field(default=None, alias="SCHEDULEBOT_SECRET_KEY", repr=False)
    # Quotas (README "Limits"): live (active or paused) schedules per workspace, per person and per channel.
    max_triggers_per_workspace: int = Field(default=1000, alias="SCHEDULEBOT_MAX_TRIGGERS_PER_WORKSPACE", ge=1)
    max_triggers_per_person: int = Field(default=100, alias="SCHEDULEBOT_MAX_TRIGGERS_PER_PERSON", ge=1)
    max_triggers_per_channel: int = Field(default=100, alias="SCHEDULEBOT_MAX_TRIGGERS_PER_CHANNEL", ge=1)
    # The shortest time between two runs of a schedule made by someone who is not a workspace admin.
    min_interval_minutes: int = Field(default=5, alias="SCHEDULEBOT_MIN_INTERVAL_MINUTES", ge=1, le=1440)
    # `run now` of one schedule at most once in this many seconds.
    run_now_seconds: int = Field(default=60, alias="SCHEDULEBOT_RUN_NOW_SECONDS", ge=0, le=86400)
    # Seconds a person's channel list (from Slack) is trusted before it is asked again; joins and leaves
    # seen as events update it at once in the process that receives them.
    membership_ttl_seconds: float = Field(default=300.0, alias="SCHEDULEBOT_MEMBERSHIP_TTL", ge=0, le=86400)
    # Posts per minute the workers send to one workspace at most (Slack allows "several hundred"); the rate
    # they use is learned below this from Slack's 429s (tasks/pacing.py).
    workspace_posts_per_minute: int = Field(
        default=DEFAULT_WORKSPACE_POSTS_PER_MINUTE, alias="SCHEDULEBOT_WORKSPACE_POSTS_PER_MINUTE", ge=1, le=6000
    )
    # Work (commands, button presses, events) one web worker process holds waiting or running behind its acks;
    # a slash command arriving past it is answered at once that the bot is busy, and not run (bot/backlog.py).
    web_queue: int = Field(default=DEFAULT_WEB_QUEUE, alias="SCHEDULEBOT_WEB_QUEUE", ge=1, le=1_000_000)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        value = normalize_database_url(value)
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(
                f"not a database URL ({exc.__class__.__name__}); example: postgresql://user@host/db"
            ) from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _check_slack_api_url(cls, value: str) -> str:
        check_slack_api_url(value)
        return value if value.endswith("/") else value + "/"

    @field_validator("webhook_allowlist")
    @classmethod
    def _check_webhook_allowlist(cls, value: str) -> str:
        from tasks.netguard import parse_allowlist

        parse_allowlist(value.split(","))
        return value

    @cached_property
    def webhook_allowed(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.webhook_allowlist.split(",") if part.strip())

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @model_validator(mode="after")
    def _oauth_needs_a_secret_key(self) -> Settings:
        """Many workspaces keep their tokens encrypted: refuse to start without a usable key (never showing it)."""
        if self.oauth_enabled or self.secret_key:
            from storage.encryption import Cipher, SecretKeyError

            try:
                Cipher(self.secret_key)
            except SecretKeyError as exc:
                raise ValueError(str(exc)) from None
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; raise ConfigError with one readable line on a bad value."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        if not first.get("loc"):  # a check across settings names its variables itself
            raise ConfigError(message) from None
        raise ConfigError(f"{first['loc'][0]}: {message}") from None
