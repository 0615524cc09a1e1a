from __future__ import annotations

import pytest

from schedulebot.config import ConfigError, load_settings, normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/app", "postgresql+psycopg://u:p@db.example:5432/app"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///schedulebot.db", "sqlite:///schedulebot.db"),
    ],
)
def test_hosting_platform_database_urls_use_the_installed_driver(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def test_defaults_match_the_design(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "REDIS_URL", "SLACK_API_URL", "SCHEDULEBOT_TICK_SECONDS", "PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///schedulebot.db"
    assert settings.redis_url == "redis://localhost:6379/0"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.tick_seconds == 60
    assert settings.port == 3000


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULEBOT_TICK_SECONDS", "soon")
    with pytest.raises(ConfigError, match=r"^SCHEDULEBOT_TICK_SECONDS: "):
        load_settings()


def test_secrets_stay_out_of_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh-signing")
    text = repr(load_settings())
    assert "xoxb-very-secret" not in text
    assert "shh-signing" not in text
