"""What operators see: one log line per event (text or JSON, secrets redacted), and Prometheus metrics.

The metrics live here, not in bot/ or tasks/, so the web, worker and beat processes share one
definition. With PROMETHEUS_MULTIPROC_DIR set (the launcher sets it), each process writes its
samples there and `render_metrics` gathers them all.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from schedulebot.config import Settings

# prometheus_client reads this variable itself, once, when it is imported.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REDACTED = "***"
# Secrets shorter than this are not matched by value: they would redact ordinary words.
MIN_SECRET_LENGTH = 6
# Log record attributes that are part of every record, never user fields.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")
# scheme://user:PASSWORD@host for any scheme; up to the last "@" before the path, as URL parsers read it,
# so a password with an unencoded "@" is masked whole.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^\s/]*@")

# --- metrics ------------------------------------------------------------------------------------

RUNS = Counter("schedulebot_runs", "Runs finished, by outcome.", ["outcome"])
LATENESS = Histogram(
    "schedulebot_run_lateness_seconds",
    "Time the post reached Slack minus the run's due instant.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
TICK_DURATION = Histogram(
    "schedulebot_tick_duration_seconds",
    "How long one beat tick took to claim and enqueue what is due.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DUE_BACKLOG = Gauge(
    "schedulebot_due_backlog",
    "Runs that were due and not yet finished, as the last tick counted them.",
    multiprocess_mode="mostrecent",
)
SLACK_API_ERRORS = Counter("schedulebot_slack_api_errors", "Failed Slack Web API calls, by kind.", ["kind"])


def record_run(outcome: str, *, due_at: datetime | None = None, posted_at: datetime | None = None) -> None:
    """Count a finished run; with both instants, also observe how late its post was."""
    RUNS.labels(outcome=outcome).inc()
    if due_at is not None and posted_at is not None:
        LATENESS.observe(max(0.0, (posted_at - due_at).total_seconds()))


def record_tick(duration_seconds: float, backlog: int) -> None:
    TICK_DURATION.observe(duration_seconds)
    DUE_BACKLOG.set(backlog)


def record_slack_error(kind: str) -> None:
    """`kind`: "ratelimited", "server_error", "timeout", or Slack's error code such as "channel_not_found"."""
    SLACK_API_ERRORS.labels(kind=kind).inc()


def multiproc_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render_metrics(directory: str | None = None) -> tuple[bytes, str]:
    """Prometheus text for every process writing to `directory` (default: the multiprocess dir, if any)."""
    directory = directory or multiproc_dir()
    if directory is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return generate_latest(registry), CONTENT_TYPE_LATEST


# --- redaction ----------------------------------------------------------------------------------


class Redactor:
    """Masks Slack tokens, passwords in URLs, and the given secret values wherever they appear."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _TOKEN.sub(lambda m: f"{m.group(1)}-{REDACTED}", text)
        return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{REDACTED}@", text)


def settings_secrets(settings: Settings) -> list[str | None]:
    """The secret values a Settings object holds, including a database password."""
    from sqlalchemy.engine import make_url

    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token]
    values.append(settings.slack_client_secret)
    values += [key.strip() for key in (settings.secret_key or "").split(",")]  # every encryption key, one by one
    return values + [_url_password(url, make_url) for url in (settings.database_url, settings.redis_url)]


def _url_password(url: str | None, parse: Any) -> str | None:
    try:
        return parse(url).password if url else None
    except Exception:  # a URL SQLAlchemy cannot parse has no password we could find
        return None


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and extra fields with secrets masked."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        for key, value in _extra_fields(record).items():
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


# --- context: the run and trigger a log line is about -------------------------------------------

_CONTEXT: ContextVar[tuple[tuple[str, Any], ...]] = ContextVar("schedulebot_log_context", default=())


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Every log line inside the block carries `fields`, e.g. log_context(run_id=7, trigger_id=3)."""
    token = _CONTEXT.set(_CONTEXT.get())
    bind(**fields)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current log context; the enclosing log_context block drops them when it ends."""
    merged = {**dict(_CONTEXT.get()), **{k: v for k, v in fields.items() if v is not None}}
    _CONTEXT.set(tuple(merged.items()))


class ContextFilter(logging.Filter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def filter(self, record: logging.LogRecord) -> bool:
        record.process_name = self.process
        for key, value in _CONTEXT.get():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and k != "process_name"}


# --- formatting: one line per event -------------------------------------------------------------


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`2026-03-06T10:00:00.000Z INFO worker tasks.run: run finished run_id=7 trigger_id=3`"""

    def format(self, record: logging.LogRecord) -> str:
        head = f"{_timestamp(record)} {record.levelname} {getattr(record, 'process_name', '-')} {record.name}"
        fields = " ".join(f"{k}={_text_value(v)}" for k, v in _extra_fields(record).items())
        line = f"{head}: {record.getMessage()}" + (f" {fields}" if fields else "")
        if record.exc_text or record.exc_info:
            line += " exc=" + json.dumps(record.exc_text or self.formatException(record.exc_info))
        return line.replace("\r", "\\r").replace("\n", "\\n")


def _text_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c.isspace() or c in '"=' for c in text)) else text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, process, logger, message, the context fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "process": getattr(record, "process_name", None),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_extra_fields(record))
        if record.exc_text or record.exc_info:
            line["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(line, default=str)


# --- setup --------------------------------------------------------------------------------------


def make_handler(settings: Settings, process: str, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    json_lines = settings.log_format.lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    handler.addFilter(ContextFilter(process))
    handler.addFilter(RedactingFilter(Redactor(settings_secrets(settings))))
    return handler


def configure_logging(
    settings: Settings, process: str, *, stream: TextIO | None = None, level: int = logging.INFO
) -> logging.Handler:
    """Replace the root logger's handlers with one that writes our format; returns that handler."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = make_handler(settings, process, stream)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def use_with_celery(settings: Settings, process: str) -> None:
    """Make Celery's worker and beat log through configure_logging instead of their own format."""
    from celery import signals

    def _setup(**_: Any) -> None:
        configure_logging(settings, process)

    signals.setup_logging.connect(_setup, weak=False)


def due_backlog(session: Session, *, now: datetime) -> int:
    """Runs due by `now` and not finished; the partial index on unfinished runs keeps this cheap.

    Every claimed run has its enqueued_at, and saying so is what lets PostgreSQL use that index (its condition
    names it: storage/models.py).
    """
    return int(session.scalar(due_backlog_query(now=now)) or 0)


def due_backlog_query(*, now: datetime) -> Select[tuple[int]]:
    from sqlalchemy import func, select

    from storage.models import Run, RunState, state_in

    unfinished = state_in(Run.state, RunState.QUEUED.value, RunState.RUNNING.value)
    return select(func.count()).select_from(Run).where(unfinished, Run.enqueued_at.is_not(None), Run.due_at <= now)
