"""The Celery app, configured for safety: a run is lost neither by a dying worker nor by a lost broker.

`celery -A tasks.app worker` and `schedulebot worker` use `celery_app`, built from the environment;
tests build their own with `create_app(settings, options)`.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from schedulebot import telemetry
from schedulebot.config import Settings, load_settings
from storage.claims import FIRE_RUN_TASK, TICK_TASK, UPDATE_EVENT_STATES_TASK, Claimed, task_id_for
from tasks import firing, runstate
from tasks.beat import SCHEDULER, beat_schedule
from tasks.broker import TRANSPORT
from tasks.options import FiringOptions
from tasks.pacing import REDIS_SCHEMES
from tasks.runstate import RunView
from tasks.runtime import Runtime, build_runtime
from tasks.tick import run_tick

logger = logging.getLogger("schedulebot.tasks")

# Celery's default queue: the web process sends to it by task name without any of this app's config.
QUEUE = "celery"
# Longer than any task can stay unacknowledged (the longest ETA is one tick, at most an hour,
# plus the longest countdown and time limit), so Redis never hands a held task to a second worker.
VISIBILITY_TIMEOUT = 2 * 3600 + 600
# Seconds a warm shutdown lets running tasks finish before they are re-queued.
SOFT_SHUTDOWN_TIMEOUT = 15.0
# Retries for infrastructure errors (database or Redis unreachable) inside a task.
INFRA_RETRIES = 5
INFRA_ERRORS = (OperationalError, redis.ConnectionError)
# Runs due at the same instant go out in batches of up to MAX_BATCH, but never in fewer than
# PARALLEL_TASKS tasks, so a burst is shared by every worker process and a few runs go out singly.
FIRE_RUNS_TASK = "schedulebot.fire_runs"
MAX_BATCH = 25
PARALLEL_TASKS = 16
# A batch hands what is left to a new task after this share of the soft time limit.
BATCH_TIME_SHARE = 0.5
# Worker processes per core: a run mostly waits on the database and Slack, so two per core keep the CPU busy.
PROCESSES_PER_CORE = 2
# A batch reads its runs at once, and again for the rest when its read is older than this.
FRESH_READ_SECONDS = 1.0


def broker_url(settings: Settings) -> str:
    """The one place that picks the broker."""
    return settings.redis_url


def uses_redis(settings: Settings) -> bool:
    return broker_url(settings).startswith(REDIS_SCHEMES)


def create_app(settings: Settings, options: FiringOptions | None = None) -> Celery:
    options = options or FiringOptions()
    app = Celery("schedulebot", broker=broker_url(settings), set_as_current=False)
    app.conf.update(_config(settings, options))
    app.schedulebot_settings = settings  # type: ignore[attr-defined]
    app.schedulebot_options = options  # type: ignore[attr-defined]
    _register(app)
    return app


def _config(settings: Settings, options: FiringOptions) -> dict[str, Any]:
    return {
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_concurrency": PROCESSES_PER_CORE * (os.cpu_count() or 1),
        # Only Redis takes a visibility timeout; the embedded broker of `make run` (SQLAlchemy) refuses it.
        "broker_transport_options": {"visibility_timeout": VISIBILITY_TIMEOUT} if uses_redis(settings) else {},
        "broker_connection_retry_on_startup": True,
        # kombu's Redis transport, except that a restarting server cannot kill the worker (tasks/broker.py).
        "broker_transport": TRANSPORT if broker_url(settings).startswith("redis://") else None,
        "worker_soft_shutdown_timeout": SOFT_SHUTDOWN_TIMEOUT,
        "worker_enable_soft_shutdown_on_idle": True,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_soft_time_limit": options.soft_time_limit,
        "task_time_limit": options.time_limit,
        "task_default_queue": QUEUE,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat_schedule(settings),
        "beat_scheduler": SCHEDULER,
    }


def runtime_for(app: Celery) -> Runtime:
    """This process's runtime, built on first use so a forked worker child never shares a connection."""
    current: Runtime | None = getattr(app, "_schedulebot_runtime", None)
    if current is None or current.pid != os.getpid():
        settings, options = app.schedulebot_settings, app.schedulebot_options  # type: ignore[attr-defined]
        current = build_runtime(settings, options, send=lambda claimed: send_claimed(app, claimed))
        app._schedulebot_runtime = current  # type: ignore[attr-defined]
    return current


def send_claimed(app: Celery, claimed: Sequence[Claimed]) -> None:
    """Send claimed runs: one task each, or, when many fall due at the same instant, one task per batch.

    A batch keeps a burst from costing a Celery task per run, while still leaving at least
    PARALLEL_TASKS tasks for the worker processes to share. Each run stays its own conditional move
    in the database, so a batch redelivered after a lost worker fires only what was left. Runs due
    together take turns between workspaces, so a batch holds one run of each of many workspaces rather
    than many of one: every workspace's first posts go out first. The runs Slack's limits will hold back
    go out when their turn is expected to come (`_expected`), so the worker paces each batch as it comes
    rather than pacing all of them at the due second, ahead of the posts then due.
    """
    by_eta: dict[datetime | None, list[Claimed]] = {}
    for item in claimed:
        by_eta.setdefault(item.eta, []).append(item)
    settings, options = app.schedulebot_settings, app.schedulebot_options  # type: ignore[attr-defined]
    for eta, group in by_eta.items():
        size = max(1, min(MAX_BATCH, len(group) // PARALLEL_TASKS))
        turns = _turns(group)
        for first in range(0, len(turns), size):
            batch = [item for _, item in turns[first : first + size]]
            if len(batch) == 1:
                send_one(app, batch[0])
                continue
            run_ids = [item.run_id for item in batch]
            when = _expected(eta, turns[first][0], settings, options)
            app.send_task(FIRE_RUNS_TASK, args=[run_ids], task_id=_batch_id(run_ids), eta=when, queue=QUEUE)


def _turns(group: list[Claimed]) -> list[tuple[int, Claimed]]:
    """The runs in turns, each with its round: the first of each workspace, then the second of each, and so on."""
    by_team: dict[str | None, list[Claimed]] = {}
    for item in group:
        by_team.setdefault(item.team_id, []).append(item)
    rounds = itertools.zip_longest(*by_team.values())
    return [(number, item) for number, round_ in enumerate(rounds) for item in round_ if item is not None]


def _expected(eta: datetime | None, round_: int, settings: Settings, options: FiringOptions) -> datetime | None:
    """When a batch of the `round_`-th runs of each workspace may expect to post: its workspaces' bursts first, then
    one round per token at the configured rate, at most half the queued lease after `eta` (None: now). Only a
    hint: the pacer still decides, and a run that comes early waits for its slot as any other."""
    ahead = round_ + 1 - options.workspace_burst
    if ahead <= 0:
        return eta
    seconds = min(ahead * 60 / settings.workspace_posts_per_minute, options.queued_lease.total_seconds() / 2)
    return (eta or datetime.now(UTC)) + timedelta(seconds=seconds)


def send_one(app: Celery, claimed: Claimed) -> None:
    app.send_task(FIRE_RUN_TASK, args=[claimed.run_id], task_id=claimed.task_id, eta=claimed.eta, queue=QUEUE)


def _batch_id(run_ids: list[int]) -> str:
    return f"runs-{run_ids[0]}-{run_ids[-1]}-{len(run_ids)}"


def fire_run(task: Task, run_id: int, slot: float | None = None) -> None:
    requeue = firing.fire(runtime_for(task.app), run_id, slot=slot)
    if requeue is not None:
        _send_requeue(task.app, run_id, requeue)


def fire_runs(task: Task, run_ids: list[int], slots: list[float | None] | None = None) -> None:
    """Runs due at the same instant (or paced to the same moment, each with its `slots` entry), fired one after
    another by this worker.

    The batch reads its runs in one statement, and again for those left whenever that read is more than
    FRESH_READ_SECONDS old (a slow Slack), so no run posts what it read long before. At each read it takes the
    pace slots of the runs left together (`firing.pace_batch`); before a run that may post now it starts it with
    the next such runs, as many as post within the read's age (`firing.start_batch`).
    Runs that must wait (their pace slots, a 429, a backoff) go out again together, one batch per moment (see
    `_send_waiting`). A batch that runs long hands what is left to a new batch, so no task nears its time
    limit; the runs it started it still fires, and any it could not (the time up, the database gone) it queues
    again unposted. An error in one run's code is logged and the others go on; the run is re-sent by the tick
    after its lease.
    """
    rt = runtime_for(task.app)
    batch = _FiringBatch(task.app, rt, run_ids, slots or [None] * len(run_ids))
    with runstate.connect(rt.engine) as db:
        posted = runstate.PostedRuns(db)
        try:
            for index, run_id in enumerate(run_ids):
                if batch.skips(index, db, posted):
                    continue
                began = time.monotonic()
                try:
                    requeue = batch.fire(index, db, posted)
                except SoftTimeLimitExceeded:
                    batch.hand_over(index + 1)  # this run is recovered after its lease; not the rest
                    raise
                except INFRA_ERRORS:
                    raise  # the batch is retried; runs already done are not fired again
                except Exception:
                    logger.exception("run %s: firing failed; the tick re-sends it after its lease", run_id)
                    continue
                batch.fire_seconds = time.monotonic() - began
                if requeue is not None:
                    batch.waiting.append((time.time() + requeue.countdown, run_id, requeue.slot))
        finally:
            try:
                batch.release_started(db)
                _send_waiting(task.app, batch.waiting)
            finally:
                _record(rt, posted)


class _FiringBatch:
    """One `fire_runs` task's state: its runs' reads, pace slots and started runs, the runs waiting to go out
    again as (moment, run id, slot), and whether it has handed what is left to another batch."""

    def __init__(self, app: Celery, rt: Runtime, run_ids: list[int], slots: list[float | None]) -> None:
        self.app, self.rt, self.run_ids, self.slots = app, rt, run_ids, slots
        self.deadline = time.monotonic() + rt.options.soft_time_limit * BATCH_TIME_SHARE
        self.views: dict[int, RunView] | None = None
        self.pace = firing.BatchPace()
        self.paced: dict[int, tuple[float, float | None]] = {}  # run id → (moment, slot): runs waiting for theirs
        self.waiting: list[tuple[float, int, float | None]] = []
        self.read_at, self.fire_seconds, self.handed_over = -math.inf, FRESH_READ_SECONDS, False

    def skips(self, index: int, db: Connection, posted: runstate.PostedRuns) -> bool:
        """Get the run at `index` ready to fire (read, paced, started with the next ones); True if it does not
        fire here (handed over, or waiting for its slot)."""
        run_id = self.run_ids[index]
        if not self.handed_over and time.monotonic() > self.deadline:
            self.hand_over(index)
        if self.handed_over:
            return run_id not in self.pace.started  # the runs it started, it still fires
        if time.monotonic() - self.read_at > FRESH_READ_SECONDS:
            _record(self.rt, posted)  # what posted since the last read is recorded as often
            self.views, self.read_at = _read(db, self.run_ids[index:]), time.monotonic()
            self._pace(db, index)
        if run_id in self.paced:
            self.waiting.append((self.paced[run_id][0], run_id, self.paced[run_id][1]))
            return True
        if self.views is not None and run_id in self.pace.ready:
            self._start(db, index)
        return False

    def fire(self, index: int, db: Connection, posted: runstate.PostedRuns) -> firing.Requeue | None:
        run_id, slot = self.run_ids[index], self.slots[index]
        return firing.fire(self.rt, run_id, db=db, slot=slot, views=self.views, posted=posted, pace=self.pace)

    def _pace(self, db: Connection, index: int) -> None:
        """The pace slots of the runs left, not yet paced or started, taken together. If that fails (or the runs
        could not be read together) each run takes its own slot as it fires."""
        if self.views is None:
            return
        pace, paced = self.pace, self.paced
        rest = [
            (run_id, slot)
            for run_id, slot in zip(self.run_ids[index:], self.slots[index:], strict=True)
            if run_id not in paced and run_id not in pace.started
        ]
        try:
            waits = firing.pace_batch(self.rt, db, self.views, rest, pace)
        except (SoftTimeLimitExceeded, *INFRA_ERRORS):
            raise  # as for a read: the batch is retried, or recovered by the tick after its lease
        except Exception:
            logger.exception("runs %s: could not pace them together; each is paced on its own", [r for r, _ in rest])
            return
        for run_id, wait in waits.items():
            paced[run_id] = (time.time() + wait.countdown, wait.slot)

    def _start(self, db: Connection, index: int) -> None:
        """Start the next runs that may post now together: as many as the last run's time says post before this
        read is FRESH_READ_SECONDS old, at most MAX_START_CHUNK. If that fails each starts on its own."""
        left = FRESH_READ_SECONDS - (time.monotonic() - self.read_at)
        size = max(1, min(firing.MAX_START_CHUNK, int(left / max(self.fire_seconds, 1e-3))))
        if size < 2 or self.views is None:
            return
        try:
            firing.start_batch(self.rt, db, self.views, self.run_ids[index:], self.pace, size)
        except (SoftTimeLimitExceeded, *INFRA_ERRORS):
            raise
        except Exception:
            logger.exception("runs %s: could not start them together; each starts on its own", self.run_ids[index:])

    def hand_over(self, index: int) -> None:
        """Leave the runs from `index` on to another batch: those paced already wait for their slots with the others
        waiting (`_send_waiting`), the rest go out now as one batch; runs it started stay its own."""
        if self.handed_over:
            return
        self.handed_over = True
        rest = list(zip(self.run_ids[index:], self.slots[index:], strict=True))
        self.waiting += [
            (self.paced[run_id][0], run_id, self.paced[run_id][1]) for run_id, _ in rest if run_id in self.paced
        ]
        kept = [(run_id, slot) for run_id, slot in rest if run_id not in self.paced and run_id not in self.pace.started]
        if kept:
            run_ids, slots = [run_id for run_id, _ in kept], [slot for _, slot in kept]
            self.app.send_task(
                FIRE_RUNS_TASK, args=[run_ids], kwargs=_slots_kwargs(slots), task_id=_batch_id(run_ids), queue=QUEUE
            )

    def release_started(self, db: Connection) -> None:
        """Queue again, unposted and to go out now, the runs the batch started but did not fire (it stopped first):
        their attempt counts for nothing. One that cannot be released waits for its running lease."""
        for run_id, (view, slot) in list(self.pace.started.items()):
            try:
                if firing.release(self.rt, db, view):
                    self.waiting.append((time.time(), run_id, slot))
            except Exception:
                logger.exception("run %s: started, not fired, not released; taken over after its lease", run_id)
        self.pace.started.clear()


def _record(rt: Runtime, posted: runstate.PostedRuns) -> None:
    """The batch's posted runs, recorded together. If that fails (a row the statement refuses, the database gone,
    the time up) each is finished on its own; one that cannot be is taken over after its running lease and found
    posted in its channel, never posted again. Nothing here stops the batch's other runs."""
    try:
        firing.record_posted(rt, posted)
    except Exception:
        logger.exception("%d posted runs not recorded together; each is recorded on its own", len(posted))
        firing.record_each(rt, posted)


def _read(db: Connection, run_ids: list[int]) -> dict[int, RunView] | None:
    """The batch's runs in one read; None (each run then reads its own) if one of them cannot be read."""
    try:
        return runstate.load_many(db, run_ids)
    except (SoftTimeLimitExceeded, *INFRA_ERRORS):
        raise  # as for one run: the batch is retried, or (out of time) recovered by the tick after its lease
    except Exception:
        logger.exception("runs %s: could not read them together; each is read on its own", run_ids)
        return None


def _send_waiting(app: Celery, waiting: list[tuple[float, int, float | None]]) -> None:
    """Runs to fire again later, (moment, run id, pace slot): one batch for the moments within PACE_TOLERANCE of
    each other, so a herd held back by Slack's limits comes back as one task per moment, not one per run."""
    waiting.sort(key=lambda item: item[0])
    while waiting:
        first = waiting[0][0]
        together = [item for item in waiting[:MAX_BATCH] if item[0] <= first + firing.PACE_TOLERANCE]
        del waiting[: len(together)]
        countdown = max(0.0, first - time.time())
        if len(together) == 1:
            _send_requeue(app, together[0][1], firing.Requeue(countdown, slot=together[0][2]))
            continue
        run_ids = [run_id for _, run_id, _ in together]
        slots = [slot for _, _, slot in together]
        app.send_task(
            FIRE_RUNS_TASK,
            args=[run_ids],
            kwargs=_slots_kwargs(slots),
            task_id=_batch_id(run_ids),
            countdown=countdown,
            queue=QUEUE,
        )


def _slots_kwargs(slots: list[float | None]) -> dict[str, Any]:
    """A batch's pace slots as `fire_runs` takes them; none at all when no run has one."""
    return {"slots": slots} if any(slot is not None for slot in slots) else {}


def _send_requeue(app: Celery, run_id: int, requeue: firing.Requeue) -> None:
    """A new message, not task.retry: waiting for a slot or a 429 is not a failed try."""
    app.send_task(
        FIRE_RUN_TASK,
        args=[run_id],
        kwargs={"slot": requeue.slot},
        task_id=task_id_for(run_id),
        countdown=requeue.countdown,
        queue=QUEUE,
    )


def execute_scheduled_triggers(task: Task) -> dict[str, int]:
    rt = runtime_for(task.app)
    started = time.monotonic()
    report = run_tick(rt, now=rt.now(), send=lambda claimed: send_claimed(task.app, claimed))
    with rt.sessions() as session:
        telemetry.record_tick(time.monotonic() - started, telemetry.due_backlog(session, now=rt.now()))
    return {"claimed": report.claimed, "resent": report.resent}


def update_event_states(task: Task) -> None:
    """The events' reconciliation sweep (tasks.events); its repairs are posted through the claim code."""
    from tasks import events

    rt = runtime_for(task.app)
    horizon = timedelta(seconds=rt.settings.tick_seconds)
    send = lambda claimed: send_one(task.app, claimed)  # noqa: E731
    events.update_event_states(rt.sessions, rt.poster, now=rt.now(), horizon=horizon, send=send)


def _register(app: Celery) -> None:
    infra = {
        "autoretry_for": INFRA_ERRORS,
        "retry_backoff": True,
        "retry_backoff_max": 60,
        "retry_jitter": True,
        "max_retries": INFRA_RETRIES,
    }
    app.task(name=FIRE_RUN_TASK, bind=True, **infra)(fire_run)
    app.task(name=FIRE_RUNS_TASK, bind=True, **infra)(fire_runs)
    app.task(name=TICK_TASK, bind=True, **infra)(execute_scheduled_triggers)
    app.task(name=UPDATE_EVENT_STATES_TASK, bind=True)(update_event_states)


celery_app = create_app(load_settings())
