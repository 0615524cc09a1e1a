"""The Celery no-op ceiling's task, loaded into the project's own worker with `--include schedulebot.bench.noop`."""

from __future__ import annotations

from celery import shared_task

NOOP_TASK = "schedulebot.bench.noop"


@shared_task(name=NOOP_TASK)
def noop(index: int) -> None:
    """Does nothing: the time a worker spends on it is Celery's and Redis's alone."""
