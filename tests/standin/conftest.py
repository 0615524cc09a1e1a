from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from schedulebot.standin import SignedSender, SlackStandIn
from schedulebot.standin.fixtures import slack_standin  # noqa: F401

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@pytest.fixture
def standin(slack_standin: SlackStandIn) -> SlackStandIn:  # noqa: F811
    return slack_standin


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    # No retry handlers: tests want to see each fault as slack_sdk reports it.
    return WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])


def _bolt_handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            response = app.dispatch(BoltRequest(body=body, headers={k: v for k, v in self.headers.items()}))
            payload = response.body.encode()
            self.send_response(response.status)
            for name, values in response.headers.items():
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def bolt_app(standin: SlackStandIn) -> App:
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url)
    return App(signing_secret=SIGNING_SECRET, client=client)


@pytest.fixture
def bolt_url(bolt_app: App) -> Iterator[str]:
    """The Bolt app served over real HTTP, as gunicorn would serve it, at /slack/events."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _bolt_handler(bolt_app))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def sender(bolt_url: str, standin: SlackStandIn) -> Iterator[SignedSender]:
    signed = SignedSender(bolt_url, SIGNING_SECRET, standin=standin)
    yield signed
    signed.close()
