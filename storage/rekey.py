"""`schedulebot rotate-key`: re-encrypt every stored Slack credential under the first SCHEDULEBOT_SECRET_KEY key.

Rotation: put the new key first (`NEW,OLD`), run this, then drop the old key. Rows saved before encryption
was turned on are encrypted by it too. One transaction: a key that opens nothing changes nothing.
"""

from __future__ import annotations

import argparse
import sys

from storage.db import DatabaseUnavailable, check_reachable, make_engine
from storage.encryption import Cipher, SecretKeyError
from storage.slack_stores import installation_store


def cli(argv: list[str]) -> int:
    from schedulebot.config import ConfigError, load_settings

    parser = argparse.ArgumentParser(
        prog="schedulebot rotate-key",
        description="Re-encrypt stored Slack tokens under the first key of SCHEDULEBOT_SECRET_KEY (NEW,OLD).",
    )
    parser.parse_args(argv)
    try:
        settings = load_settings()
        cipher = Cipher(settings.secret_key)
        engine = make_engine(settings.database_url)
        check_reachable(engine)
        rows = installation_store(engine, settings.slack_client_id or "", cipher).reseal_all()
    except (ConfigError, DatabaseUnavailable, SecretKeyError) as exc:
        print(f"schedulebot rotate-key: {exc}", file=sys.stderr)
        return 2
    print(f"re-encrypted the credentials of {rows} stored installation rows under the first key")
    return 0
