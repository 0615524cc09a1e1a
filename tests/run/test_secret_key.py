"""`schedulebot run` keeps a local encryption key for stored Slack tokens when none is given, and never prints it."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from schedulebot.launcher import SECRET_KEY_FILE, SECRET_KEY_VARIABLE, choose_secret_key, show
from storage.encryption import Cipher


def test_a_key_is_made_once_kept_owner_only_and_reused(tmp_path: Path) -> None:
    first: dict[str, str] = {}
    made = choose_secret_key(tmp_path / "state", first)
    path = tmp_path / "state" / SECRET_KEY_FILE
    assert made.value == str(path) and "made here" in made.reason
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = first[SECRET_KEY_VARIABLE]
    assert Cipher(key).open(Cipher(key).seal("xoxb-1")) == "xoxb-1"
    again: dict[str, str] = {}
    kept = choose_secret_key(tmp_path / "state", again)
    assert again[SECRET_KEY_VARIABLE] == key and "made here" not in kept.reason
    out = io.StringIO()
    show("secret key", made, out)
    assert key not in out.getvalue() and str(path) in out.getvalue()


def test_a_key_in_the_environment_wins_and_no_file_is_made(tmp_path: Path) -> None:
    given = Fernet.generate_key().decode()
    environ = {SECRET_KEY_VARIABLE: given}
    choice = choose_secret_key(tmp_path, environ)
    assert (choice.value, environ[SECRET_KEY_VARIABLE]) == ("environment", given)
    assert not (tmp_path / SECRET_KEY_FILE).exists()
