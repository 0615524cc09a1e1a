"""The HTTP face of the stand-in: parse what clients send, route it, write the reply."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from schedulebot.standin.control import ControlApi
from schedulebot.standin.dispatch import Dispatcher, Reply

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
RESPONSE_PREFIX = "/response/"
CONTROL_PREFIX = "/_standin/"
# Enough for bursts of concurrent workers and benchmark senders without refused connections.
REQUEST_QUEUE_SIZE = 256


class StandInHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = REQUEST_QUEUE_SIZE

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher, control: ControlApi) -> None:
        super().__init__(address, StandInRequestHandler)
        self.dispatcher = dispatcher
        self.control = control
        # Set on stop, so handlers sleeping out a timeout fault return at once.
        self.stopping = threading.Event()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Slack unreachable: a new connection is closed as soon as it is accepted, unanswered."""
        return not self.dispatcher.faults.refuse()


class StandInRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms per call.
    disable_nagle_algorithm = True
    server: StandInHTTPServer

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        # Query strings may carry tokens; keep request lines out of the logs.
        return

    def _route(self) -> None:
        if self.server.dispatcher.faults.refuse():  # a kept-alive connection is dropped unanswered too
            self.close_connection = True
            return
        url = urlsplit(self.path)
        raw = self._read_body()
        try:
            params = {**dict(parse_qsl(url.query, keep_blank_values=True)), **parse_body(self._content_type(), raw)}
        except ValueError as exc:
            self._write(Reply(400, {"ok": False, "error": "invalid_form_data", "detail": str(exc)}))
            return
        if url.path.startswith(API_PREFIX):
            method = url.path[len(API_PREFIX) :]
            token, basic = self._credentials(params)
            reply = self.server.dispatcher.api(method, params, token, basic)
        elif url.path.startswith(RESPONSE_PREFIX) and self.command == "POST":
            reply = self.server.dispatcher.response_url(url.path[len(RESPONSE_PREFIX) :], params)
        elif url.path.startswith(CONTROL_PREFIX):
            reply = self.server.control.handle(self.command, url.path[len(CONTROL_PREFIX) :], params)
        else:
            reply = Reply(404, {"ok": False, "error": "not_found"})
        if reply.delay:
            self.server.stopping.wait(reply.delay)
        self._write(reply)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _content_type(self) -> str:
        return self.headers.get("Content-Type") or ""

    def _credentials(self, params: dict[str, Any]) -> tuple[str | None, tuple[str, str] | None]:
        form_token = params.pop("token", None)
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value:
            return value.strip(), None
        if scheme.lower() == "basic" and value:
            try:
                client_id, _, secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, None
            return None, (client_id, secret)
        return (form_token if isinstance(form_token, str) else None), None

    def _write(self, reply: Reply) -> None:
        if isinstance(reply.body, str):
            payload, content_type = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first: exactly what a timeout fault is for.
            self.close_connection = True


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """Form, JSON or multipart bodies (slack_sdk sends all three) as one flat dict."""
    if not raw:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("a JSON body must be an object")
        return data
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, raw)
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False))


def _parse_multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return fields
