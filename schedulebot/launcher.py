"""`schedulebot run` (what `make run` starts): pick working defaults, migrate, and supervise the Procfile.

It prints one line per choice and why, migrates the database, then starts the Procfile's long-running
processes (web, worker, beat) as one honcho group. Without Slack credentials it also opens the local
console (bot/console) that plays the Slack channel. Ctrl-C stops the whole group.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from schedulebot.config import Settings

# Where the launcher keeps its files (embedded broker, metrics, process logs), relative to the cwd.
DEFAULT_STATE_DIR = Path(".schedulebot")
# The broker that needs no server: kombu's SQLAlchemy transport on a SQLite file.
EMBEDDED_BROKER_NAME = "broker.db"
# The console's own memory between runs: the channels it made up when someone named them.
CONSOLE_STATE_NAME = "console.json"
# Procfile entries the group does not run: release is done before the start, flower is optional.
NOT_SUPERVISED = frozenset({"release", "flower"})
REDIS_PROBE_SECONDS = 1.0
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
PROGRESS_INTERVAL = 0.5
# Lines of the process log shown when a process of the group dies on its own.
LOG_LINES_ON_FAILURE = 25
# The local Fernet key encrypting stored Slack tokens when SCHEDULEBOT_SECRET_KEY is not set (in the state dir).
SECRET_KEY_FILE = "secret_key"
SECRET_KEY_VARIABLE = "SCHEDULEBOT_SECRET_KEY"


@dataclass(frozen=True)
class Choice:
    value: str
    reason: str


# --- the choices --------------------------------------------------------------------------------


def choose_database(settings: Settings) -> Choice:
    if "database_url" in settings.model_fields_set:
        return Choice(settings.database_url, "DATABASE_URL")
    return Choice(settings.database_url, "DATABASE_URL not set")


def redis_answers(url: str, timeout: float = REDIS_PROBE_SECONDS) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False
    finally:
        client.close()


def embedded_broker_url(state_dir: Path) -> str:
    return f"sqla+sqlite:///{state_dir / EMBEDDED_BROKER_NAME}"


def choose_broker(settings: Settings, state_dir: Path, probe: Callable[[str], bool] = redis_answers) -> Choice:
    """Redis when it answers; an explicitly given non-Redis broker as is; else the embedded one."""
    url = settings.redis_url
    if not url.startswith(REDIS_SCHEMES):
        return Choice(url, "REDIS_URL")
    if probe(url):
        return Choice(url, "Redis answered")
    return Choice(embedded_broker_url(state_dir), f"no Redis at {url}")


def choose_slack(settings: Settings) -> Choice:
    if settings.socket_mode:
        return Choice("socket", "Slack workspace over Socket Mode (SLACK_APP_TOKEN set)")
    if settings.oauth_enabled:
        return Choice("oauth", f"Slack workspaces over HTTP on port {settings.port} (SLACK_CLIENT_ID set)")
    if settings.slack_bot_token:
        return Choice("http", f"Slack workspace over HTTP on port {settings.port} (SLACK_BOT_TOKEN set)")
    return Choice("console", "local console (no SLACK_BOT_TOKEN)")


def choose_secret_key(state_dir: Path, environ: MutableMapping[str, str]) -> Choice:
    """SCHEDULEBOT_SECRET_KEY as given, else the key kept in the state dir, made once (owner-only, never printed).

    The key goes into `environ` so every process of the group encrypts and decrypts with the same one; the
    Choice says where it came from, never what it is.
    """
    if environ.get(SECRET_KEY_VARIABLE, "").strip():
        return Choice("environment", SECRET_KEY_VARIABLE)
    path = state_dir / SECRET_KEY_FILE
    made = not path.exists()
    if made:
        from cryptography.fernet import Fernet

        state_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(Fernet.generate_key().decode("ascii") + "\n")
    environ[SECRET_KEY_VARIABLE] = path.read_text(encoding="ascii").strip()
    return Choice(str(path), "made here; keep it, stored tokens need it" if made else f"{SECRET_KEY_VARIABLE} not set")


def local_zone(tz_variable: str | None, localtime: Path = Path("/etc/localtime")) -> str:
    """The machine's IANA zone, for the console user: $TZ, else where /etc/localtime points, else UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = [tz_variable.lstrip(":")] if tz_variable else []
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    for name in candidates:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def show(label: str, choice: Choice, out: TextIO) -> None:
    from schedulebot.telemetry import Redactor

    shown = choice.value if label != "slack" else choice.reason
    reason = f" ({choice.reason})" if label != "slack" else ""
    # The reason may quote a URL too ("no Redis at …"): the whole line is redacted, not just the value.
    print(Redactor()(f"{label}: {shown}{reason}"), file=out, flush=True)


# --- progress -----------------------------------------------------------------------------------


@contextmanager
def progress(label: str, out: TextIO, interval: float = PROGRESS_INTERVAL) -> Iterator[None]:
    """Print `label …`, a dot per interval while the block runs, then how long it took."""
    started, done = time.monotonic(), threading.Event()
    print(f"{label} …", end="", file=out, flush=True)

    def dots() -> None:
        while not done.wait(interval):
            print(".", end="", file=out, flush=True)

    ticker = threading.Thread(target=dots, name="progress", daemon=True)
    ticker.start()
    try:
        yield
    except BaseException:
        done.set()
        print(" failed", file=out, flush=True)
        raise
    done.set()
    ticker.join()
    print(f" done in {time.monotonic() - started:.1f}s", file=out, flush=True)


def migrate(database_url: str, out: TextIO) -> None:
    from storage.db import check_reachable, make_engine
    from storage.migrate import current_revision, upgrade

    engine = make_engine(database_url)
    try:
        with progress("migrating the database", out):
            check_reachable(engine)
            upgrade(engine)
        print(f"database: schema at {current_revision(engine)}", file=out, flush=True)
    finally:
        engine.dispose()


# --- the supervised group -----------------------------------------------------------------------


def procfile_processes(path: Path) -> dict[str, str]:
    """The Procfile's long-running processes, in file order."""
    from honcho.environ import parse_procfile

    processes = parse_procfile(path.read_text()).processes
    return {name: command for name, command in processes.items() if name not in NOT_SUPERVISED}


def child_env(settings: Settings, broker_url: str, metrics_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """The environment every child starts with: the choices made here, made explicit."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        REDIS_URL=broker_url,
        PORT=str(settings.port),
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir.resolve()),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def supervise(processes: dict[str, str], env: dict[str, str], output: TextIO) -> int:
    """Run the group until Ctrl-C/SIGTERM (returns 0) or until one process exits on its own (returns non-zero)."""
    from honcho.manager import SIGNALS, Manager
    from honcho.printer import Printer

    manager = Manager(Printer(output, colour=output.isatty()))
    for name, command in processes.items():
        manager.add_process(name, command, env=env)
    manager.loop()
    if manager.returncode in {spec["rc"] for spec in SIGNALS.values()}:
        return 0
    # A process ended on its own, which a server should never do, even with exit code 0.
    return manager.returncode if isinstance(manager.returncode, int) and manager.returncode > 0 else 1


# --- the entry point ----------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="schedulebot run", description="Migrate and run web, worker and beat from the Procfile, on defaults."
    )
    parser.add_argument("--procfile", type=Path, default=Path("Procfile"), help="the Procfile to read")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="embedded broker, metrics, logs")
    return parser.parse_args(argv)


def cli(argv: list[str]) -> int:
    from schedulebot.config import ConfigError, load_settings
    from storage.db import DatabaseUnavailable

    args, out = parse_args(argv), sys.stdout
    try:
        key = choose_secret_key(args.state_dir, os.environ)
        settings = load_settings()
        show("secret key", key, out)
        processes = procfile_processes(args.procfile)
        return run(settings, processes, args.state_dir, out)
    except (ConfigError, DatabaseUnavailable, OSError) as exc:
        print(f"schedulebot run: {exc}", file=sys.stderr)
        return 2


def run(settings: Settings, processes: dict[str, str], state_dir: Path, out: TextIO) -> int:
    state_dir.mkdir(parents=True, exist_ok=True)
    database, broker, slack = choose_database(settings), choose_broker(settings, state_dir), choose_slack(settings)
    for label, choice in (("database", database), ("broker", broker), ("slack", slack)):
        show(label, choice, out)
    migrate(settings.database_url, out)
    metrics_dir = fresh_dir(state_dir / "metrics")
    if slack.value != "console":
        return supervise(processes, child_env(settings, broker.value, metrics_dir, {}), out)
    return run_with_console(settings, processes, child_env(settings, broker.value, metrics_dir, {}), state_dir, out)


def run_with_console(
    settings: Settings, processes: dict[str, str], env: dict[str, str], state_dir: Path, out: TextIO
) -> int:
    from bot.console import Console, ConsoleState

    log_path = state_dir / "processes.log"
    zone = local_zone(os.environ.get("TZ"))
    console = Console(
        web_url=f"http://127.0.0.1:{settings.port}",
        out=out,
        stdin=sys.stdin,
        zone=zone,
        state=ConsoleState(state_dir / CONSOLE_STATE_NAME),
        database_url=settings.database_url,
    )
    env.update(console.start())
    print(f"logs: {log_path} (web, worker and beat write there while the console runs)", file=out, flush=True)
    try:
        with log_path.open("a", encoding="utf-8") as log:
            console.run_in_background()
            code = supervise(processes, env, log)
    finally:
        console.stop()
    report_stop(code, log_path, out)
    return code


def report_stop(code: int, log_path: Path, out: TextIO, lines: int = LOG_LINES_ON_FAILURE) -> None:
    """After the group stopped: say so, and when a process ended on its own, show why from its log."""
    if code == 0:
        print("stopped web, worker and beat", file=out, flush=True)
        return
    tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    print(
        f"a process stopped on its own (exit code {code}), so the others were stopped; last lines of {log_path}:",
        file=out,
    )
    print("\n".join("  " + line for line in tail), file=out, flush=True)


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
