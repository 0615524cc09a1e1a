"""`schedulebot flower`: Celery's Flower dashboard, reachable from other machines only behind a password.

Flower shows every task's arguments and can revoke tasks or shut workers down, so without
FLOWER_BASIC_AUTH (which Flower itself enforces) it listens on this machine only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"
DEFAULT_PORT = "5555"
AUTH_EXAMPLE = "FLOWER_BASIC_AUTH=admin:long-random-password"


class FlowerConfigError(Exception):
    """FLOWER_BASIC_AUTH or FLOWER_PORT cannot work; the message names it and shows an example."""


def flower_args(environ: Mapping[str, str]) -> list[str]:
    """The `celery flower` arguments for this environment: an address, a port."""
    auth = environ.get("FLOWER_BASIC_AUTH", "").strip()
    if auth and not all(":" in pair and pair.split(":", 1)[1] for pair in auth.split(",")):
        raise FlowerConfigError(f"FLOWER_BASIC_AUTH must be user:password pairs, comma-separated; {AUTH_EXAMPLE}")
    port = environ.get("FLOWER_PORT", "").strip() or DEFAULT_PORT
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise FlowerConfigError(f"FLOWER_PORT must be a port number from 1 to 65535, e.g. FLOWER_PORT={DEFAULT_PORT}")
    address = (environ.get("FLOWER_ADDRESS", "").strip() or ALL_INTERFACES) if auth else LOOPBACK
    return ["-A", "tasks.app", "flower", f"--address={address}", f"--port={port}"]


def cli(argv: list[str]) -> int:
    """Replace this process with `celery flower`; extra arguments go to flower."""
    try:
        args = flower_args(os.environ)
    except FlowerConfigError as exc:
        print(f"schedulebot flower: {exc}", file=sys.stderr)
        return 2
    if not os.environ.get("FLOWER_BASIC_AUTH", "").strip():
        print(f"schedulebot flower: on {LOOPBACK} only; set {AUTH_EXAMPLE} to serve other machines", flush=True)
    os.execv(sys.executable, [sys.executable, "-m", "celery", *args, *argv])
    return 0  # not reached: execv replaced the process
