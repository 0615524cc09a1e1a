"""The one typed settings object, built from the environment at each entry point and passed down."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///schedulebot.db"
DEFAULT_REDIS_URL = "redis://localhost:6379/0"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting that cannot work; the message names the variable and the problem."""


def normalize_database_url(url: str) -> str:
    """Map the `postgres://` and `postgresql://` URLs hosting platforms hand out onto the installed driver."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    redis_url: str = Field(default=DEFAULT_REDIS_URL, alias="REDIS_URL")
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
    # Hosts or CIDRs a webhook action may reach even though they are loopback or private.
    webhook_allowlist: str = Field(default="", alias="SCHEDULEBOT_WEBHOOK_ALLOWLIST")
    # Seconds a person's channel list (from Slack) is trusted before it is asked again; joins and leaves
    # seen as events update it at once in the process that receives them.
    membership_ttl_seconds: float = Field(default=300.0, alias="SCHEDULEBOT_MEMBERSHIP_TTL", ge=0, le=86400)

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
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

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


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; raise ConfigError with one readable line on a bad value."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = first.get("loc", ("?",))[0]
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
