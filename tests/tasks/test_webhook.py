"""The webhook action against real local HTTP servers: what it reads, what it refuses, what the channel sees."""

from __future__ import annotations

import base64
import contextlib
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from schedulebot.config import load_settings
from tasks.actions import ActionContext, ActionFailed
from tasks.actions.webhook import MAX_RESPONSE_BYTES, webhook

# A body the size cap must stop long before its end, and a gzip bomb that fits under the cap.
BIG_BODY = b"x" * (16 * 1024 * 1024)
BOMB_EXPANDED_BYTES = 40 * 1024 * 1024
# Memory the action may use for one call: the cap's worth of raw and decoded bytes, with room to spare.
MEMORY_BUDGET = 1024 * 1024


def _gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"boom " * (1024 * 1024 // 5)
    parts = [compressor.compress(chunk) for _ in range(BOMB_EXPANDED_BYTES // len(chunk))]
    return b"".join(parts) + compressor.flush()


BOMB = _gzip_bomb()


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class Hooks:
    url: str
    seen: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _handler(hooks: Hooks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hooks.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = ROUTES[self.path.split("?")[0]]
            route(self)

        def reply(self, status: int, body: bytes, **headers: str) -> None:
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the action stopped reading
                self.wfile.write(body)

        def drip(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not hooks.stop.wait(0.05):
                try:
                    self.wfile.write(b"d")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return

        def log_message(self, format: str, *args: object) -> None:
            return

    ROUTES: dict[str, Callable[[Handler], None]] = {
        "/ok": lambda h: h.reply(202, b'{"deployed": true}'),
        "/mention": lambda h: h.reply(200, b"done <!channel> <@U123> <!subteam^S1|@ops> a&b ```\n<https://x|y>"),
        "/big": lambda h: h.reply(200, BIG_BODY),
        "/bomb": lambda h: h.reply(200, BOMB, Content_Encoding="gzip"),
        "/brotli": lambda h: h.reply(200, b"\x1b\x00", Content_Encoding="br"),
        "/redirect": lambda h: h.reply(302, b"", Location="/secret"),
        "/secret": lambda h: h.reply(200, b"you should not see this"),
        "/drip": Handler.drip,
    }
    return Handler


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    holder = Hooks(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    server.daemon_threads = True
    holder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder
    holder.stop.set()
    server.shutdown()
    server.server_close()


def fire(url: str, *, allow: str = "127.0.0.1", timeout: float = 10.0) -> str:
    settings = load_settings(_env_file=None, SCHEDULEBOT_WEBHOOK_ALLOWLIST=allow)
    now = datetime.now(UTC)
    context = ActionContext(
        run_id=1,
        trigger_id=1,
        trigger_number=3,
        team_id="T1",
        channel_id="C1",
        payload={"url": url},
        due_at=now,
        now=now,
        settings=settings,
        timeout=timeout,
    )
    return webhook(context).text


def peak_memory(call: Callable[[], str]) -> tuple[str, int]:
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_status_and_an_excerpt_are_posted(hooks: Hooks) -> None:
    text = fire(f"{hooks.url}/ok")
    assert text == f'Webhook POST {hooks.url}/ok answered 202:\n```{{"deployed": true}}```'


def test_the_url_shown_drops_user_password_query_and_fragment_which_are_still_sent(hooks: Hooks) -> None:
    text = fire(f"http://deployer:pa55word@127.0.0.1:{hooks.url.rsplit(':', 1)[1]}/ok?token=s3cret#frag")
    assert text.startswith(f"Webhook POST {hooks.url}/ok answered 202")
    for hidden in ("deployer", "pa55word", "token", "s3cret", "frag"):
        assert hidden not in text
    [seen] = hooks.seen
    assert seen.path == "/ok?token=s3cret"
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"deployer:pa55word").decode()


def test_the_excerpt_can_neither_mention_anyone_nor_leave_its_code_block(hooks: Hooks) -> None:
    text = fire(f"{hooks.url}/mention")
    excerpt = text.split("\n```", 1)[1]
    assert excerpt.endswith("```") and "`" not in excerpt.removesuffix("```")
    assert "<" not in excerpt and ">" not in excerpt
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;!subteam^S1|@ops&gt; a&amp;b" in excerpt


def test_an_over_size_body_is_read_only_to_the_cap(hooks: Hooks) -> None:
    text, peak = peak_memory(lambda: fire(f"{hooks.url}/big"))
    assert text.startswith(f"Webhook POST {hooks.url}/big answered 200:\n```xxx")
    assert text.endswith("x…```")
    assert peak < MEMORY_BUDGET < len(BIG_BODY), peak


def test_a_gzip_bomb_is_decoded_only_to_the_cap(hooks: Hooks) -> None:
    assert len(BOMB) <= MAX_RESPONSE_BYTES < MEMORY_BUDGET < BOMB_EXPANDED_BYTES
    text, peak = peak_memory(lambda: fire(f"{hooks.url}/bomb"))
    assert "answered 200:\n```boom boom boom" in text and text.endswith("…```")
    assert peak < MEMORY_BUDGET, peak


def test_an_encoding_it_does_not_decode_is_not_quoted(hooks: Hooks) -> None:
    assert fire(f"{hooks.url}/brotli").endswith("```(br-encoded answer, not quoted)```")


def test_redirects_are_reported_not_followed(hooks: Hooks) -> None:
    assert fire(f"{hooks.url}/redirect") == f"Webhook POST {hooks.url}/redirect answered 302."
    assert [seen.path for seen in hooks.seen] == ["/redirect"]


def test_a_body_that_never_ends_stops_at_the_timeout(hooks: Hooks) -> None:
    text = fire(f"{hooks.url}/drip", timeout=1.0)
    assert text.startswith(f"Webhook POST {hooks.url}/drip answered 200:\n```d") and text.endswith("d…```")


def test_loopback_is_refused_without_the_allow_list(hooks: Hooks) -> None:
    with pytest.raises(ActionFailed, match=r"resolves to 127\.0\.0\.1 \(loopback address\)"):
        fire(f"{hooks.url}/ok", allow="")
    assert hooks.seen == []


def test_an_allow_list_entry_with_a_port_admits_that_port_only(hooks: Hooks) -> None:
    port = int(hooks.url.rsplit(":", 1)[1])
    assert "answered 202" in fire(f"{hooks.url}/ok", allow=f"127.0.0.1:{port}")
    with pytest.raises(ActionFailed, match="loopback address"):
        fire(f"{hooks.url}/ok", allow=f"127.0.0.1:{port + 1 if port < 65535 else port - 1}")
    assert len(hooks.seen) == 1
