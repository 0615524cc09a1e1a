"""Ports for launch tests: a free one to listen on, and a closed one where no Redis answers."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port_url() -> str:
    """A redis:// URL on a port nothing listens on (free a moment ago)."""
    return f"redis://127.0.0.1:{free_port()}/0"
