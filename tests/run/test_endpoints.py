"""/healthz names what is down; /metrics serves Prometheus text. Served by the real web app over HTTP."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from schedulebot import telemetry
from schedulebot.config import load_settings
from schedulebot.launcher import embedded_broker_url
from schedulebot.standin import SlackStandIn
from storage.db import make_engine
from storage.migrate import upgrade
from tests.run.ports import closed_port_url, free_port

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


def serve(tmp_path: Path, broker_url: str, database_url: str | None = None) -> Iterator[str]:
    from bot.web import create_web_app

    with SlackStandIn() as standin:
        engine = make_engine(database_url or f"sqlite:///{tmp_path / 'bot.db'}")
        if database_url is None:
            upgrade(engine)
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=str(engine.url),
            REDIS_URL=broker_url,
            SLACK_BOT_TOKEN="xoxb-health",
            SLACK_SIGNING_SECRET="health-secret",
            SLACK_API_URL=standin.api_url,
        )
        server = make_server("127.0.0.1", 0, create_web_app(settings, engine=engine), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join()
            engine.dispose()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, embedded_broker_url(tmp_path))


def test_healthz_is_200_when_database_and_broker_answer(web: str) -> None:
    response = requests.get(f"{web}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "broker": "ok"}


def test_healthz_is_503_and_names_the_broker_when_it_is_down(tmp_path: Path) -> None:
    for url in serve(tmp_path, closed_port_url()):
        response = requests.get(f"{url}/healthz", timeout=15)
        assert response.status_code == 503
        body = response.json()
        assert body["ok"] is False and body["database"] == "ok"
        assert body["broker"].startswith("cannot reach the broker")


def test_healthz_names_the_database_when_it_is_down(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "bot.db"
    for url in serve(tmp_path, embedded_broker_url(tmp_path), f"sqlite:///{missing}"):
        response = requests.get(f"{url}/healthz", timeout=15)
        assert response.status_code == 503
        assert response.json()["database"] == "cannot reach the database (details in the web process log)"
        assert response.json()["broker"] == "ok"


def test_healthz_names_the_failed_parts_but_no_host_port_or_user_which_go_to_the_log_redacted(
    tmp_path: Path,
) -> None:
    db_port, broker_port = free_port(), free_port()
    database_url = f"postgresql://dbuser-77:db-pass-77@127.0.0.1:{db_port}/schedulebot"
    broker_url = f"redis://brokeruser-77:broker-pass-77@127.0.0.1:{broker_port}/0"
    settings = load_settings(_env_file=None, DATABASE_URL=database_url, REDIS_URL=broker_url)
    log = io.StringIO()
    handler = telemetry.make_handler(settings, "web", log)
    logging.getLogger("bot.web").addHandler(handler)
    try:
        for url in serve(tmp_path, broker_url, database_url):
            response = requests.get(f"{url}/healthz", timeout=15)
    finally:
        logging.getLogger("bot.web").removeHandler(handler)
    assert response.status_code == 503
    body = response.json()
    assert body["database"].startswith("cannot reach the database") and body["broker"].startswith("cannot reach the")
    for detail in ("127.0.0.1", str(db_port), str(broker_port), "dbuser-77", "brokeruser-77", "pass-77"):
        assert detail not in response.text
    logged = log.getvalue()
    assert str(db_port) in logged and str(broker_port) in logged, logged
    assert "pass-77" not in logged


def test_metrics_serves_prometheus_text(web: str) -> None:
    telemetry.record_run("succeeded")
    response = requests.get(f"{web}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    for name in (
        "schedulebot_runs_total",
        "schedulebot_run_lateness_seconds",
        "schedulebot_tick_duration_seconds",
        "schedulebot_due_backlog",
        "schedulebot_slack_api_errors_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in response.text
