"""What `schedulebot run` picks, and why: the database, the broker (Redis or embedded), the Slack mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from kombu import Connection

from schedulebot.config import load_settings
from schedulebot.launcher import choose_broker, choose_database, choose_slack, embedded_broker_url, local_zone
from tests.run.ports import closed_port_url


def test_without_redis_the_broker_is_embedded(tmp_path: Path) -> None:
    url = closed_port_url()
    choice = choose_broker(load_settings(REDIS_URL=url), tmp_path)
    assert choice.value == embedded_broker_url(tmp_path)
    assert choice.value.startswith("sqla+sqlite:///")
    assert choice.reason == f"no Redis at {url}"


def test_with_redis_the_broker_is_redis(redis_url: str, tmp_path: Path) -> None:
    choice = choose_broker(load_settings(REDIS_URL=redis_url), tmp_path)
    assert (choice.value, choice.reason) == (redis_url, "Redis answered")


def test_a_non_redis_broker_given_explicitly_is_used_as_is(tmp_path: Path) -> None:
    given = f"sqla+sqlite:///{tmp_path / 'mine.db'}"
    choice = choose_broker(load_settings(REDIS_URL=given), tmp_path, probe=lambda _: pytest.fail("probed"))
    assert (choice.value, choice.reason) == (given, "REDIS_URL")


# kombu's SQLAlchemy transport still asks for `noload`, which SQLAlchemy 2.1 deprecates; it works.
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")
def test_the_embedded_broker_carries_messages(tmp_path: Path) -> None:
    with Connection(embedded_broker_url(tmp_path)) as conn:
        queue = conn.SimpleQueue("schedulebot-test")
        queue.put({"run_id": 7})
        message = queue.get(timeout=5)
        message.ack()
        assert message.payload == {"run_id": 7}
        queue.close()


def test_database_choice_says_whether_it_was_given(tmp_path: Path) -> None:
    given = f"sqlite:///{tmp_path / 'x.db'}"
    assert choose_database(load_settings(DATABASE_URL=given)).reason == "DATABASE_URL"
    assert choose_database(load_settings(_env_file=None)).reason == "DATABASE_URL not set"


@pytest.mark.parametrize(
    ("overrides", "mode"),
    [
        ({}, "console"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "http"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "socket"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}
            | {"SCHEDULEBOT_SECRET_KEY": "nmgmNP8PMlUGaqxEZO3ZW4vZ2E2BTHl_dXJ0Hs69oVA="},
            "oauth",
        ),
    ],
)
def test_slack_mode_follows_the_credentials(overrides: dict[str, str], mode: str) -> None:
    assert choose_slack(load_settings(_env_file=None, **overrides)).value == mode


def test_local_zone_prefers_tz_then_localtime(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert local_zone("America/Chicago", link) == "America/Chicago"
    assert local_zone(None, link) == "Europe/Berlin"
    assert local_zone("Not/AZone", tmp_path / "missing") == "UTC"
