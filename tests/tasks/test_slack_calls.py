"""The workers' Web API calls: what each kind of answer (or no answer) from Slack is taken to mean."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy

from schedulebot.config import load_settings
from schedulebot.standin import SlackStandIn
from tasks.slack import Message, Refused, SlackPoster, Unavailable, UnknownOutcome
from tests.tasks.conftest import BOT_TOKEN
from tests.tasks.factories import TEAM


def _poster(api_url: str, token: str = BOT_TOKEN) -> SlackPoster:
    settings = load_settings(SLACK_API_URL=api_url, SLACK_BOT_TOKEN=token, SLACK_CLIENT_ID=None)
    return SlackPoster(settings, sqlalchemy.create_engine("sqlite://"), timeout=2.0)


def _post(poster: SlackPoster, text: str = "hello") -> str:
    return poster.post(team_id=TEAM, channel="C1", message=Message(text), run_id=1)


class _ProxyPage(BaseHTTPRequestHandler):
    """What a captive portal or a misconfigured proxy answers: 200 and a page that is not the API's."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"<html>please sign in</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy_page() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_many_posts_share_kept_alive_connections_and_each_is_answered(standin: SlackStandIn) -> None:
    poster = _poster(standin.api_url)
    stamps = [_post(poster, f"message {n}") for n in range(20)]
    assert len(set(stamps)) == 20 and [p.text for p in standin.posts()] == [f"message {n}" for n in range(20)]
    pools = list(poster._http.pools._container.values())
    assert len(pools) == 1 and pools[0].num_connections == 1, "one connection, opened once, served all 20"


def test_slack_that_cannot_be_reached_is_unavailable_so_the_post_is_retried() -> None:
    with pytest.raises(Unavailable, match="could not reach Slack"):
        _post(_poster(f"http://127.0.0.1:{_closed_port()}/api/"))


def test_an_answer_that_is_not_the_api_s_is_an_unknown_outcome(proxy_page: str) -> None:
    with pytest.raises(UnknownOutcome, match="not JSON"):
        _post(_poster(proxy_page))


def test_an_api_error_is_a_refusal_naming_it(standin: SlackStandIn) -> None:
    with pytest.raises(Refused, match="invalid_auth"):
        _post(_poster(standin.api_url, token="revoked-token"))
    assert standin.posts() == []
