"""Settings that could leak a secret: Slack's URL must be https off this machine; URLs with passwords never print."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from schedulebot import telemetry
from schedulebot.config import ConfigError, load_settings
from schedulebot.launcher import choose_broker, choose_database, show
from tests.run.ports import free_port


@pytest.mark.parametrize(
    "url",
    [
        "https://slack.com/api/",
        "http://127.0.0.1:8080/api/",
        "http://127.8.9.1/api",
        "http://[::1]:9/api/",
        "http://localhost:3/",
    ],
)
def test_slack_api_url_is_https_or_on_this_machine(url: str) -> None:
    assert load_settings(_env_file=None, SLACK_API_URL=url).slack_api_url.startswith(url.rstrip("/"))


@pytest.mark.parametrize(
    "url",
    ["http://slack.com/api/", "http://10.0.0.5/api/", "http://localhost.example.com/", "ftp://x/", "slack.com/api"],
)
def test_slack_api_url_in_clear_text_to_another_machine_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^SLACK_API_URL: must be an https URL .*example: https://slack.com/api/"):
        load_settings(_env_file=None, SLACK_API_URL=url)


def test_a_bad_webhook_allow_list_entry_stops_start_up_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"^SCHEDULEBOT_WEBHOOK_ALLOWLIST: 'hooks.internal:http' has no port"):
        load_settings(_env_file=None, SCHEDULEBOT_WEBHOOK_ALLOWLIST="10.0.0.0/8, hooks.internal:http")


def test_database_and_redis_urls_stay_out_of_the_settings_repr() -> None:
    settings = load_settings(
        _env_file=None,
        DATABASE_URL="postgresql://bot:pg-pass-77@db.example/app",
        REDIS_URL="redis://:rd-pass-77@cache/0",
    )
    for text in (repr(settings), str(settings)):
        assert "pg-pass-77" not in text and "rd-pass-77" not in text and "db.example" not in text


def test_the_launcher_prints_database_and_broker_without_passwords(tmp_path: Path) -> None:
    redis_url = f"redis://ops:rd-pass-77@127.0.0.1:{free_port()}/0"
    settings = load_settings(
        _env_file=None, DATABASE_URL="postgresql://bot:pg-pass-77@db.example/app", REDIS_URL=redis_url
    )
    out = io.StringIO()
    show("database", choose_database(settings), out)
    show("broker", choose_broker(settings, tmp_path), out)
    printed = out.getvalue()
    assert "pg-pass-77" not in printed and "rd-pass-77" not in printed
    assert "database: postgresql+psycopg://bot:***@db.example/app (DATABASE_URL)" in printed
    assert "(no Redis at redis://ops:***@127.0.0.1:" in printed


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("postgresql+psycopg://user:s3cret-1@db:5432/app", "s3cret-1"),
        ("redis://:s3cret-2@cache:6379/0", "s3cret-2"),
        ("rediss://default:s3cret-3@cache/0", "s3cret-3"),
        ("amqp://guest:s3cret%2F4@mq//", "s3cret%2F4"),
        ("could not connect (mysql+pymysql://root:s3cret-5@db/x)", "s3cret-5"),
        ("redis://u:p@ss-s3cret-6@cache/0", "ss-s3cret-6"),  # an unencoded "@" in the password
        ("DATABASE_URL=postgresql://a:s3cret-7@c/d,REDIS_URL=redis://:s3cret-8@f", "s3cret-"),
    ],
)
def test_log_redaction_masks_url_passwords_of_any_scheme(line: str, secret: str) -> None:
    redacted = telemetry.Redactor()(line)
    assert secret not in redacted and telemetry.REDACTED in redacted
