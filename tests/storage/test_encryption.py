"""Tokens at rest: sealed with Fernet under SCHEDULEBOT_SECRET_KEY, keys rotated with MultiFernet, never shown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text
from sqlalchemy.engine import Engine

from schedulebot import telemetry
from schedulebot.config import ConfigError, load_settings
from storage.encryption import HOW_TO_MAKE_A_KEY, Cipher, SecretKeyError
from storage.slack_stores import installation_store
from tests.conftest import REPO_ROOT

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN = "xoxb-1111-2222-secretsecretsecret"


def _installation(team_id: str = "T1", token: str = TOKEN) -> Installation:
    return Installation(
        app_id="A0STANDIN",
        enterprise_id=None,
        team_id=team_id,
        user_id="U1",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UB1",
        bot_scopes="chat:write",
        bot_refresh_token="xoxe-1-refreshrefresh",
        incoming_webhook_url="https://hooks.slack.com/services/T1/B1/hooksecret",
    )


def test_a_missing_key_names_the_variable_and_how_to_make_one() -> None:
    with pytest.raises(SecretKeyError) as missing:
        Cipher("")
    assert "SCHEDULEBOT_SECRET_KEY" in str(missing.value) and HOW_TO_MAKE_A_KEY in str(missing.value)
    with pytest.raises(SecretKeyError, match="key 2 is not a Fernet key") as bad:
        Cipher(f"{NEW}, not-a-key-at-all")
    assert "not-a-key-at-all" not in str(bad.value)


def test_sealed_values_open_and_never_show_the_plaintext() -> None:
    cipher = Cipher(NEW)
    sealed = cipher.seal(TOKEN)
    assert sealed is not None and TOKEN not in sealed and sealed.startswith("fernet:")
    assert cipher.open(sealed) == TOKEN
    assert cipher.seal(sealed) == sealed  # sealing twice is harmless
    assert cipher.seal(None) is None and cipher.open(None) is None
    assert cipher.open("xoxb-saved-before-encryption") == "xoxb-saved-before-encryption"


def test_keys_rotate_first_encrypts_all_decrypt() -> None:
    under_old = Cipher(OLD).seal(TOKEN)
    rotating = Cipher(f"{NEW},{OLD}")
    assert rotating.open(under_old) == TOKEN
    resealed = rotating.reseal(under_old)
    assert Cipher(NEW).open(resealed) == TOKEN
    with pytest.raises(SecretKeyError, match="put the old key after the new one") as wrong:
        Cipher(NEW).open(under_old)
    assert TOKEN not in str(wrong.value)


def _raw(engine: Engine, table: str, column: str) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text(f"SELECT {column} FROM {table}"))]


def test_the_store_writes_only_ciphertext_and_reads_plaintext(engine: Engine) -> None:
    store = installation_store(engine, "111.222", Cipher(NEW))
    store.save(_installation())
    for table, columns in (
        ("slack_installations", ("bot_token", "bot_refresh_token", "incoming_webhook_url")),
        ("slack_bots", ("bot_token", "bot_refresh_token")),
    ):
        for column in columns:
            stored = _raw(engine, table, column)
            assert stored and all(value.startswith("fernet:") and "secret" not in value for value in stored)
    found = store.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == TOKEN and found.bot_refresh_token == "xoxe-1-refreshrefresh"
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == TOKEN


def test_a_long_rotating_token_fits_once_encrypted(engine: Engine) -> None:
    long_token = "xoxe.xoxb-1-" + "M" * 170
    store = installation_store(engine, "111.222", Cipher(NEW))
    store.save(_installation(token=long_token))
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == long_token


def test_rows_saved_before_encryption_are_read_then_resealed_by_rotate_key(engine: Engine) -> None:
    plain = installation_store(engine, "111.222", Cipher(OLD))
    plain.save(_installation())
    with engine.begin() as conn:  # as a row written before encryption existed looks
        conn.execute(text("UPDATE slack_bots SET bot_token = :t"), {"t": TOKEN})
    store = installation_store(engine, "111.222", Cipher(f"{NEW},{OLD}"))
    assert store.find_workspace_bot(enterprise_id=None, team_id="T1").bot_token == TOKEN  # type: ignore[union-attr]
    assert store.reseal_all() == 2
    assert all(value.startswith("fernet:") for value in _raw(engine, "slack_bots", "bot_token"))
    only_new = installation_store(engine, "111.222", Cipher(NEW))
    assert only_new.find_installation(enterprise_id=None, team_id="T1").bot_token == TOKEN  # type: ignore[union-attr]


def test_oauth_mode_without_a_key_refuses_to_start() -> None:
    values = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh", "SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(ConfigError) as missing:
        load_settings(SCHEDULEBOT_SECRET_KEY="", **values)
    assert "SCHEDULEBOT_SECRET_KEY" in str(missing.value) and "Fernet.generate_key()" in str(missing.value)
    with pytest.raises(ConfigError, match="not a Fernet key"):
        load_settings(SCHEDULEBOT_SECRET_KEY="short", **values)
    settings = load_settings(SCHEDULEBOT_SECRET_KEY=f"{NEW},{OLD}", **values)
    assert NEW not in repr(settings) and OLD not in repr(settings)


def test_the_keys_are_redacted_from_logs() -> None:
    settings = load_settings(SCHEDULEBOT_SECRET_KEY=f"{NEW},{OLD}", SLACK_CLIENT_ID=None)
    redact = telemetry.Redactor(telemetry.settings_secrets(settings))
    line = redact(f"keys {NEW} and {OLD}; token xoxe.xoxb-1-abcdef and refresh xoxe-1-abcdef")
    assert NEW not in line and OLD not in line and "abcdef" not in line


def _schedulebot(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "schedulebot.cli", command],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
    )


def _rotate_key(database_url: str, keys: str) -> subprocess.CompletedProcess[str]:
    return _schedulebot("rotate-key", {"DATABASE_URL": database_url, "SCHEDULEBOT_SECRET_KEY": keys})


@pytest.mark.parametrize("command", ["web", "worker", "beat"])
def test_each_process_in_oauth_mode_refuses_to_start_without_a_key(command: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}
    result = _schedulebot(command, {**env, "SLACK_SIGNING_SECRET": "s"})
    assert result.returncode == 2, result.stderr
    assert "SCHEDULEBOT_SECRET_KEY" in result.stderr and "Fernet.generate_key()" in result.stderr
    assert "Traceback" not in result.stderr


def test_rotate_key_command_moves_every_row_to_the_new_key(engine: Engine, database_url: str) -> None:
    installation_store(engine, "111.222", Cipher(OLD)).save(_installation())
    refused = _rotate_key(database_url, NEW)  # the old key is not given: nothing can be opened, nothing changes
    assert refused.returncode == 2 and "put the old key after the new one" in refused.stderr
    assert OLD not in refused.stderr + refused.stdout and NEW not in refused.stderr + refused.stdout
    done = _rotate_key(database_url, f"{NEW},{OLD}")
    assert done.returncode == 0, done.stderr
    assert "2 stored installation rows" in done.stdout
    found = installation_store(engine, "111.222", Cipher(NEW)).find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == TOKEN
