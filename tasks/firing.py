"""Firing one run: wait for the channel's and the workspace's slot, take the run, run its action, post once, record.

`fire` never sleeps: when the run must wait (its pace slot, a 429, a backoff) it returns a
`Requeue` and the task sends itself again with that countdown.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from schedulebot import telemetry
from storage.claims import KIND_MANUAL, Claimed
from storage.models import RunState, TriggerState
from tasks import runstate
from tasks.actions import ActionContext, ActionFailed, ActionRetry, find_action, is_pure
from tasks.messages import failure_message, run_message
from tasks.pacing import LEARNED, SEND_TOLERANCE, WORKSPACE, Post
from tasks.runstate import UNFINISHED, UNTRIED, RunView
from tasks.runtime import Runtime
from tasks.slack import (
    FAILURE_EVENT_TYPE,
    Message,
    NoToken,
    RateLimited,
    Refused,
    RunIdentity,
    SlackFailure,
    Unavailable,
    UnknownOutcome,
)

logger = logging.getLogger("schedulebot.firing")

# A slot this close is taken at once rather than re-queued.
PACE_TOLERANCE = SEND_TOLERANCE
# Look this far before the first attempt when searching the channel for a run's message.
HISTORY_MARGIN = timedelta(minutes=1)
# The longest countdown one re-queued task waits in Redis; a longer wait (a long Retry-After, a far
# slot) is taken in steps of at most this, each step re-queued without posting.
MAX_REQUEUE_WAIT = 600.0
# A batch starts at most this many runs in one statement (see `start_batch`).
MAX_START_CHUNK = 8
# Attempt outcomes that count towards the run's bounded retries ("started" is an attempt a worker died
# in; "unverified", a look for an earlier attempt's post that could not be made). 429s never count.
TRANSIENT = ("unavailable", "timeout", "unverified", "action_retry", "started")


@dataclass(frozen=True)
class Requeue:
    countdown: float
    slot: float | None = None


@dataclass
class BatchPace:
    """The pace slots a batch took for its runs together (`pace_batch`): those that post now, by run id; of those,
    the ones it has started together (`start_batch`), with their slots; and the workspaces a 429 has blocked
    since, whose runs take their slot again (a void one is replaced)."""

    ready: dict[int, float] = field(default_factory=dict)
    started: dict[int, tuple[RunView, float]] = field(default_factory=dict)
    limited: set[str] = field(default_factory=set)


def pace_batch(
    rt: Runtime, db: Connection, views: Mapping[int, RunView], runs: list[tuple[int, float | None]], pace: BatchPace
) -> dict[int, Requeue]:
    """Take the pace slots of a batch's runs in one call to the pacer, so a herd's runs that must wait cost the
    batch one call and one statement, not one of each per run.

    Runs that may post now are kept in `pace` for `fire`; the others wait for their slots (recorded together, as
    `repace` records one) and are returned. Runs held by the database (`_held`), finished or marked done are left
    to `fire`, as are runs already paced by this batch.
    """
    now = rt.now()
    asking = [
        (view, slot)
        for run_id, slot in runs
        if (view := views.get(run_id)) is not None
        and run_id not in pace.ready
        and run_id not in pace.started
        and _pacing(view, now)
    ]
    if not asking:
        return {}
    posts = [Post(view.team_id, view.channel_id, slot) for view, slot in asking]
    slots = rt.pacer.take_many(posts, now=now.timestamp())
    waiting: dict[int, Requeue] = {}
    for (view, _), slot in zip(asking, slots, strict=True):
        wait = slot - now.timestamp()
        if wait <= PACE_TOLERANCE:
            pace.ready[view.run_id] = slot
        else:
            waiting[view.run_id] = Requeue(countdown=min(wait, MAX_REQUEUE_WAIT), slot=slot)
    if waiting:
        runstate.repace_many(
            db, {run_id: datetime.fromtimestamp(r.slot or 0, now.tzinfo) for run_id, r in waiting.items()}
        )
        waits = [r.countdown for r in waiting.values()]
        logger.info("%d runs paced, post in %.2f–%.2fs: runs %s", len(waiting), min(waits), max(waits), sorted(waiting))
    return waiting


def start_batch(
    rt: Runtime, db: Connection, views: Mapping[int, RunView], upcoming: list[int], pace: BatchPace, size: int
) -> None:
    """Start the next `size` runs of `upcoming` that the batch's pacing lets post now in one statement, so each
    posts without a statement of its own first (one run per trigger; until-done repeats start on their own).

    The batch posts them one after another within its task, whose time limit is shorter than the running lease, so
    no other worker takes one over meanwhile; the batch chooses `size` so they post while its read is fresh, and
    queues again unposted (`release`) any it stops before trying.
    """
    chosen: dict[int, RunView] = {}  # by trigger
    for run_id in upcoming:
        view = views.get(run_id)
        if len(chosen) == size:
            break
        if view is None or run_id not in pace.ready or view.repeat_of is not None or view.team_id in pace.limited:
            continue
        chosen.setdefault(view.trigger_id, view)
    if len(chosen) < 2:
        return  # a run alone starts as it fires
    started = runstate.start_many(db, list(chosen.values()), now=rt.now(), running_lease=rt.options.running_lease)
    for run_id, view in started.items():
        pace.started[run_id] = (view, pace.ready.pop(run_id))


def release(rt: Runtime, db: Connection, view: RunView) -> bool:
    """A run its batch started but never tried (the batch stopped first): queued again at once, its attempt marked
    "untried", which counts for nothing and says nothing was posted. False if this worker no longer held it."""
    now = rt.now()
    error = "not tried: its batch stopped first"
    if not runstate.defer(db, view, now=now, until=now, outcome=UNTRIED, error=error):
        return False
    logger.info("run %s trigger %s: started with its batch, not tried; queued again", view.run_id, view.trigger_id)
    return True


def _pacing(view: RunView, now: datetime) -> bool:
    """Whether the run goes to the pacer next in `_fire` (not finished, not a repeat marked done, not `_held`)."""
    if view.state not in UNFINISHED or (view.done and view.repeat_of is not None):
        return False
    if view.state != RunState.QUEUED.value or view.not_before is None:
        return True
    return (view.not_before - now).total_seconds() <= PACE_TOLERANCE


def fire(
    rt: Runtime,
    run_id: int,
    *,
    slot: float | None = None,
    db: Connection | None = None,
    views: Mapping[int, RunView] | None = None,
    posted: runstate.PostedRuns | None = None,
    pace: BatchPace | None = None,
) -> Requeue | None:
    """Fire one run on `db` (a batch shares one, from runstate.connect), or on a connection of its own.

    A batch reads its runs at once (`views`, from runstate.load_many); a run missing from them is gone. A batch
    also records its posted runs together (`posted`, see `record_posted`), and takes their pace slots together
    (`pace`, see `pace_batch`).
    """
    batch = _Batch(views, posted, pace or BatchPace())
    with telemetry.log_context(run_id=run_id):  # the trigger id bound below ends with the run
        if db is not None:
            return _fire(rt, db, run_id, slot, batch)
        with runstate.connect(rt.engine) as own:
            return _fire(rt, own, run_id, slot, batch)


@dataclass(frozen=True)
class _Batch:
    """What a batch shares with each of its runs (see `fire`); nothing, for a run fired alone."""

    views: Mapping[int, RunView] | None
    posted: runstate.PostedRuns | None
    pace: BatchPace


def record_posted(rt: Runtime, posted: runstate.PostedRuns) -> None:
    """Record a batch's posted runs in one statement; each is logged and counted as `_finish` does one."""
    for item in posted.record(now=rt.now()):
        with telemetry.log_context(run_id=item.view.run_id, trigger_id=item.view.trigger_id):
            _recorded(item.view, RunState.SUCCEEDED, posted_at=item.posted_at)


def _recorded(view: RunView, state: RunState, *, posted_at: datetime | None, error: str | None = None) -> None:
    """A run moved to its end: logged and counted, whether alone (`_finish`) or with its batch (`record_posted`)."""
    logger.info("run %s trigger %s: %s%s", view.run_id, view.trigger_id, state.value, f" ({error})" if error else "")
    telemetry.record_run(state.value, due_at=view.due_at, posted_at=posted_at)


def record_each(rt: Runtime, posted: runstate.PostedRuns) -> None:
    """Record a batch's posted runs one by one, as each would be alone (when recording them together failed);
    a run that cannot be recorded now is left to its running lease."""
    for item in posted.take_all():
        with telemetry.log_context(run_id=item.view.run_id, trigger_id=item.view.trigger_id):
            try:
                _finish(rt, posted.db, item.view, RunState.SUCCEEDED, attempt="posted",
                        slack_ts=item.slack_ts, outcome=item.outcome)  # fmt: skip
            except Exception:
                logger.exception("run %s: posted, not recorded; recorded after its running lease", item.view.run_id)


def _fire(rt: Runtime, db: Connection, run_id: int, slot: float | None, batch: _Batch) -> Requeue | None:
    if run_id in batch.pace.started:
        started, taken = batch.pace.started.pop(run_id)
        telemetry.bind(trigger_id=started.trigger_id)
        return _wait_or_attempt(rt, db, started, taken, batch)
    view = runstate.load(db, run_id) if batch.views is None else batch.views.get(run_id)
    telemetry.bind(trigger_id=view.trigger_id if view else None)
    if view is None or view.state not in UNFINISHED:
        logger.info("run %s: nothing to do (%s)", run_id, view.state if view else "no such run")
        return None
    if view.done and view.repeat_of is not None:  # someone pressed Done: this repeat is never posted
        runstate.release_done(db, view, now=rt.now())
        logger.info("run %s trigger %s: its reminder was marked done; not posted", run_id, view.trigger_id)
        return None
    wait = _held(rt, view, slot) or _pace(rt, db, view, slot, batch.pace)
    if wait is not None:
        return wait
    started = runstate.start(db, view, now=rt.now(), running_lease=rt.options.running_lease)
    if started is None:
        logger.info("run %s trigger %s: held by another worker", run_id, view.trigger_id)
        return None
    return _attempt(rt, db, started, batch)


def _wait_or_attempt(rt: Runtime, db: Connection, view: RunView, taken: float, batch: _Batch) -> Requeue | None:
    """A run its batch started: its attempt, unless a 429 has blocked its workspace since its slot was taken; then
    it waits for a new slot, queued again, and that attempt counts for nothing (no post was tried)."""
    if view.team_id in batch.pace.limited:
        now = rt.now()
        slot = rt.pacer.take(view.team_id, view.channel_id, now=now.timestamp(), slot=taken)
        wait = slot - now.timestamp()
        if wait > PACE_TOLERANCE:
            until = datetime.fromtimestamp(slot, now.tzinfo)
            error = "not tried: its workspace was rate limited"
            if not runstate.defer(db, view, now=now, until=until, outcome="ratelimited", error=error):
                return None
            logger.info("run %s trigger %s: paced after a 429, posts in %.2fs", view.run_id, view.trigger_id, wait)
            return Requeue(countdown=min(wait, MAX_REQUEUE_WAIT), slot=slot)
    return _attempt(rt, db, view, batch)


def _held(rt: Runtime, view: RunView, slot: float | None) -> Requeue | None:
    """A queued run waits until the database says it may go: a Retry-After, a backoff or its pace slot.

    So a task that arrives early (a retried batch, a redelivery, a pacer that forgot) changes nothing.
    """
    if view.state != RunState.QUEUED.value or view.not_before is None:
        return None
    wait = (view.not_before - rt.now()).total_seconds()
    if wait <= PACE_TOLERANCE:
        return None
    why = view.last_outcome if view.last_outcome not in (None, "started") else "paced"
    logger.info("run %s trigger %s: %s, waits %.1fs more", view.run_id, view.trigger_id, why, wait)
    return Requeue(countdown=min(wait, MAX_REQUEUE_WAIT), slot=slot)


def _pace(rt: Runtime, db: Connection, view: RunView, slot: float | None, pace: BatchPace) -> Requeue | None:
    """None when the run may post now (its channel's and its workspace's slot has come, or its batch took that
    slot for it), else wait for it."""
    taken = pace.ready.pop(view.run_id, None)
    if taken is not None:
        if view.team_id not in pace.limited:
            return None
        slot = taken  # a 429 has blocked its workspace since: the slot stands only if it is after the block
    now = rt.now().timestamp()
    slot = rt.pacer.take(view.team_id, view.channel_id, now=now, slot=slot)
    if slot - now <= PACE_TOLERANCE:
        return None
    runstate.repace(db, view.run_id, until=datetime.fromtimestamp(slot, rt.now().tzinfo))
    logger.info("run %s trigger %s: paced, posts in %.2fs", view.run_id, view.trigger_id, slot - now)
    return Requeue(countdown=min(slot - now, MAX_REQUEUE_WAIT), slot=slot)


def _attempt(rt: Runtime, db: Connection, view: RunView, batch: _Batch) -> Requeue | None:
    if view.trigger_state != TriggerState.ACTIVE.value and not _manual_allowed(view) and not _repeat_allowed(view):
        _finish(rt, db, view, RunState.SKIPPED, attempt="skipped", error=f"trigger is {view.trigger_state}")
        return None
    try:
        text = _outcome(rt, db, view)
        if not text:  # the action had nothing to say: the run is done without a post
            _finish(rt, db, view, RunState.SUCCEEDED, attempt="nothing to post")
            return None
        ts = _deliver(rt, view, run_message(view, text))
    except NotHeld:
        logger.info("run %s trigger %s: taken over by another worker; posts nothing", view.run_id, view.trigger_id)
        return None
    except ActionFailed as exc:
        return _fail(rt, db, view, str(exc), attempt="action_failed")
    except ActionRetry as exc:
        return _retry_or_fail(rt, db, view, "action_retry", str(exc))
    except RateLimited as exc:
        batch.pace.limited.add(view.team_id)
        return _rate_limited(rt, db, view, exc)
    except Unavailable as exc:
        return _retry_or_fail(rt, db, view, "unavailable", str(exc))
    except Unverified as exc:
        return _retry_or_fail(rt, db, view, "unverified", str(exc))
    except UnknownOutcome as exc:
        return _retry_or_fail(rt, db, view, "timeout", str(exc))
    except NoToken as exc:  # not installed there: retrying cannot help
        return _fail(rt, db, view, str(exc), attempt="no_token")
    except Refused as exc:
        return _fail(rt, db, view, str(exc), attempt="refused")
    if batch.posted is not None and batch.posted.takes(view):
        batch.posted.add(view, posted_at=rt.now(), slack_ts=ts, outcome=text)
        return None
    _finish(rt, db, view, RunState.SUCCEEDED, attempt="posted", slack_ts=ts, outcome=text)
    return None


def _manual_allowed(view: RunView) -> bool:
    return view.kind == KIND_MANUAL and view.trigger_state in (TriggerState.ACTIVE.value, TriggerState.PAUSED.value)


def _repeat_allowed(view: RunView) -> bool:
    """A one-off reminder is completed once first posted; its repeats go on until someone marks it done."""
    return view.repeat_of is not None and view.trigger_state == TriggerState.COMPLETED.value


def _outcome(rt: Runtime, db: Connection, view: RunView) -> str:
    text = view.outcome
    if text is None:  # the action runs once; a retry posts the result it already has
        action = find_action(view.action_kind)
        text = action(_context(rt, view)).text
        # A pure action gives the same text again, so only the others are kept now.
        if not is_pure(action) and not runstate.record_outcome(db, view, text):
            raise NotHeld
    return text


def _context(rt: Runtime, view: RunView) -> ActionContext:
    return ActionContext(
        run_id=view.run_id,
        trigger_id=view.trigger_id,
        trigger_number=view.number,
        team_id=view.team_id,
        channel_id=view.channel_id,
        payload=view.payload,
        due_at=view.due_at,
        now=rt.now(),
        settings=rt.settings,
        timeout=rt.options.http_timeout,
    )


class NotHeld(Exception):
    """The run was taken over by another worker while this one ran its action."""


class Unverified(UnknownOutcome):
    """The channel could not be read to see whether an earlier attempt posted: still unknown, post nothing."""


def _deliver(rt: Runtime, view: RunView, message: Message) -> str:
    """Post, unless an earlier attempt that got no answer did post: then that message's ts."""
    if view.maybe_posted:
        try:
            found = _find_posted(rt, view)
        except RateLimited:
            raise  # Retry-After is honoured like a post's
        except SlackFailure as exc:  # missing_scope, a 5xx, no answer, too much to read: never a refusal of the post
            raise Unverified(f"could not check whether an earlier attempt posted: {exc}") from exc
        if found is not None:
            logger.info(
                "run %s trigger %s: already posted by an earlier attempt, ts=%s", view.run_id, view.trigger_id, found
            )
            return found
    return rt.poster.post(
        team_id=view.team_id,
        enterprise_id=view.enterprise_id,
        channel=view.channel_id,
        message=message,
        run_id=view.run_id,
        identity=identity(view),
    )


def _find_posted(rt: Runtime, view: RunView) -> str | None:
    """The ts of the run's message in its channel (or thread), looking back from before its first attempt."""
    return rt.poster.find_posted(
        team_id=view.team_id,
        enterprise_id=view.enterprise_id,
        channel=view.channel_id,
        run_id=view.run_id,
        since=view.first_attempt_at - HISTORY_MARGIN,
        thread_ts=view.reply_thread,
    )


def identity(view: RunView) -> RunIdentity:
    """The due instant the run's post stands for, as its metadata names it."""
    return RunIdentity(view.trigger_id, view.due_at, view.kind, view.missed_count)


def _rate_limited(rt: Runtime, db: Connection, view: RunView, exc: RateLimited) -> Requeue | None:
    """Wait the whole Retry-After, the channel's other posts too (the workspace's, when the channel cannot explain
    it; see tasks.pacing); a 429 never counts towards failing the run."""
    wait = float(exc.retry_after)
    now = rt.now().timestamp()
    cause = rt.pacer.rate_limited(view.team_id, view.channel_id, now=now, until=now + wait)
    if cause in (WORKSPACE, LEARNED):
        rate = rt.pacer.per_minute(view.team_id, now=now)
        logger.warning("team %s: Slack limits its posts; paused %.0fs, now %.0f posts/min", view.team_id, wait, rate)
    return _defer(rt, db, view, wait, outcome="ratelimited", error=str(exc))


def _retry_or_fail(rt: Runtime, db: Connection, view: RunView, outcome: str, error: str) -> Requeue | None:
    attempts = view.failures(*TRANSIENT)  # the current attempt's entry still says "started", so it counts
    retried_long_enough = rt.now() - view.first_attempt_at >= rt.options.retry_window
    if attempts >= rt.options.max_attempts and retried_long_enough:
        if outcome == "timeout" and (ts := _posted_anyway(rt, view)) is not None:
            _finish(rt, db, view, RunState.SUCCEEDED, attempt="posted", slack_ts=ts)
            return None
        return _fail(rt, db, view, error, attempt=outcome)
    countdown = backoff(attempts, base=rt.options.backoff_base, cap=rt.options.backoff_cap)
    return _defer(rt, db, view, countdown, outcome=outcome, error=error)


def _posted_anyway(rt: Runtime, view: RunView) -> str | None:
    """After a last attempt with no answer, the ts of its message if Slack took it after all.

    Failing it then would tell the channel "failed" under the message itself: two posts for one run.
    """
    try:
        return _find_posted(rt, view)
    except SlackFailure:
        return None  # cannot tell: the run fails, and the notice says why


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: half the step fixed, half random, so retries spread out."""
    step = min(cap, base * 2 ** (attempt - 1))
    return step / 2 + (rng or random).uniform(0, step / 2)


def _defer(rt: Runtime, db: Connection, view: RunView, countdown: float, *, outcome: str, error: str) -> Requeue | None:
    now = rt.now()
    if not runstate.defer(db, view, now=now, until=now + timedelta(seconds=countdown), outcome=outcome, error=error):
        return None
    logger.warning(
        "run %s trigger %s: %s, retry in %.1fs (%s)", view.run_id, view.trigger_id, outcome, countdown, error
    )
    return Requeue(countdown=min(countdown, MAX_REQUEUE_WAIT))


def _fail(rt: Runtime, db: Connection, view: RunView, error: str, *, attempt: str) -> None:
    """The run is failed, and the channel told why, once: only by the worker that failed it."""
    if not _finish(rt, db, view, RunState.FAILED, attempt=attempt, error=error):
        return None
    notice = failure_message(view, error, attempts=len(view.attempt_log))
    try:
        rt.poster.post(
            team_id=view.team_id,
            enterprise_id=view.enterprise_id,
            channel=view.channel_id,
            message=notice,
            run_id=view.run_id,
            event_type=FAILURE_EVENT_TYPE,
            identity=identity(view),
        )
    except SlackFailure as exc:
        logger.error("run %s trigger %s: could not tell the channel it failed: %s", view.run_id, view.trigger_id, exc)
    return None


def _finish(
    rt: Runtime,
    db: Connection,
    view: RunView,
    state: RunState,
    *,
    attempt: str,
    error: str | None = None,
    slack_ts: str | None = None,
    outcome: str | None = None,
) -> bool:
    done = runstate.finish(
        db,
        view,
        now=rt.now(),
        state=state,
        attempt=attempt,
        error=error,
        slack_ts=slack_ts,
        outcome=outcome,
    )
    if done is None:
        return False
    _recorded(view, state, error=error, posted_at=rt.now() if slack_ts else None)
    if done.repeat is not None:
        _send_repeat(rt, done.repeat)
    return True


def _send_repeat(rt: Runtime, repeat: Claimed) -> None:
    """Send the next repeat to fire on its due second, as a save sends a trigger due before the next tick.

    A repeat further off than MAX_REQUEUE_WAIT goes out that far ahead and waits the rest in steps (`_held`),
    so no task waits in Redis longer than a re-queued one does.
    """
    eta = min(repeat.due_at, rt.now() + timedelta(seconds=MAX_REQUEUE_WAIT))
    logger.info("run %s trigger %s: repeat queued for %s", repeat.run_id, repeat.trigger_id, repeat.due_at.isoformat())
    rt.enqueue([replace(repeat, eta=eta)])
