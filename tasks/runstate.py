"""A run's life after its claim: every move is one conditional update, and every attempt is recorded.

queued ─start─▶ running ─finish─▶ succeeded | failed | skipped
   ▲               │
   └────defer──────┘   (429, 5xx, timeout: back to queued, due again at `until`)

A running run whose worker died is taken over by `start` once its `started_at` is older than the
running lease, which is longer than any task's time limit, so a live attempt is never taken over.

Each move after `load` is a single UPDATE guarded by the attempt number the worker read: a move made
by another worker in between (a duplicate task, a take-over) makes this one a no-op, never a double.
A worker holds one connection for a run's attempt (`connect`). On PostgreSQL every read and move is
one autocommitted statement, a single round trip (finishing also completes an exhausted trigger, in
the same statement); on SQLite each runs in its own short transaction.

A rotating schedule's run names whose turn it is: the first `start` pins the rotation's turn on the run
(every later attempt names the same person; a run fired while an earlier one is unfinished names the
person after it), and `finish` passes the turn to just after the pinned one in the same statement that
records the run, never backwards, so a duplicate or retried task never skips or repeats a person. (On a
rotation that passes the turn on every run, a claim that moves the schedule past a holiday pins the turns
of the runs before it and passes the holiday's; `start` keeps a pinned turn: storage/rotations.py.)

A reminder that repeats until done: the finishing statement of a run that posted also queues the next
repeat, and `start` refuses a repeat whose reminder is done; the statements are in tasks/untildone.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    Connection,
    Engine,
    Integer,
    Row,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql import Executable

from scheduling.schedule import Schedule
from storage.claims import Claimed
from storage.models import Rotation, Run, RunState, Trigger, TriggerState, state_in
from storage.types import UTCDateTime
from tasks import untildone

UNFINISHED = (RunState.QUEUED.value, RunState.RUNNING.value)
# The outcome of an attempt a batch started but stopped before trying (tasks.app.fire_runs).
UNTRIED = "untried"
# Attempt outcomes after which nothing can have reached the channel.
NOT_POSTED = frozenset(
    {"ratelimited", "unavailable", "unverified", "action_failed", "action_retry", "refused", "skipped", UNTRIED}
)

runs = Run.__table__
triggers = Trigger.__table__
rotations = Rotation.__table__


@dataclass(frozen=True)
class RunView:
    """What firing needs to know about a run and its trigger, read in one go."""

    run_id: int
    trigger_id: int
    number: int
    team_id: str
    channel_id: str
    action_kind: str
    payload: dict[str, Any]
    due_at: datetime
    kind: str
    state: str
    started_at: datetime | None
    # When a queued run is due to be tried again (its pace slot, backoff or Retry-After).
    not_before: datetime | None
    attempt_log: list[dict[str, Any]]
    outcome: str | None
    missed_count: int
    trigger_state: str
    misfire_policy: str
    recurring: bool
    # Who scheduled it: every post names them.
    creator_id: str = ""
    # The attempt number as read; every later move of this worker is conditional on it.
    attempts: int = 0
    # The trigger's Enterprise Grid org, which finds an org-wide install's token.
    enterprise_id: str | None = None
    # A rotating schedule's members in order, and the turn this run names (pinned by its first start).
    rotation_members: tuple[str, ...] = ()
    rotation_turn: int | None = None
    # Until done: the run that first posted this reminder (None for that run itself), its message (the
    # thread repeats post in), its due instant, and whether someone has marked it done.
    repeat_of: int | None = None
    thread_ts: str | None = None
    first_due_at: datetime | None = None
    done: bool = False

    @property
    def until_done(self) -> dict[str, Any] | None:
        """{"every": seconds, "max": repeats, "escalate_to": user or None, "escalate_after": seconds or None}."""
        found = self.payload.get("until_done")
        return found if isinstance(found, dict) else None

    @property
    def reply_thread(self) -> str | None:
        """The thread the run's message is posted in: a repeat's is its first post's; None for a top-level post."""
        return self.thread_ts if self.repeat_of is not None else None

    @property
    def repeat_number(self) -> int:
        """0 for the first post, then 1, 2, … for each repeat."""
        nag = self.until_done
        if self.repeat_of is None or nag is None or self.first_due_at is None:
            return 0
        return round((self.due_at - self.first_due_at).total_seconds() / int(nag["every"]))

    @property
    def on_turn(self) -> str | None:
        """The person this run names, or None when the schedule does not rotate."""
        if not self.rotation_members or self.rotation_turn is None:
            return None
        return self.rotation_members[self.rotation_turn % len(self.rotation_members)]

    def failures(self, *outcomes: str) -> int:
        return sum(1 for entry in self.attempt_log if entry.get("outcome") in outcomes)

    @property
    def maybe_posted(self) -> bool:
        """An earlier attempt may have reached Slack: it died mid-way or got no answer."""
        return any(entry.get("outcome") not in NOT_POSTED for entry in self.attempt_log[:-1])

    @property
    def last_outcome(self) -> str | None:
        return self.attempt_log[-1].get("outcome") if self.attempt_log else None

    @property
    def first_attempt_at(self) -> datetime:
        return datetime.fromisoformat(self.attempt_log[0]["at"]) if self.attempt_log else self.due_at


_VIEW_COLUMNS = (
    runs.c.id,
    runs.c.trigger_id,
    runs.c.team_id,
    runs.c.due_at,
    runs.c.kind,
    runs.c.state,
    runs.c.started_at,
    runs.c.enqueued_at,
    runs.c.attempts,
    runs.c.attempt_log,
    runs.c.outcome,
    runs.c.missed_count,
    triggers.c.number,
    triggers.c.creator_id,
    triggers.c.channel_id,
    triggers.c.action_kind,
    triggers.c.payload,
    triggers.c.state.label("trigger_state"),
    triggers.c.misfire_policy,
    triggers.c.schedule,
    triggers.c.next_run_at,
    triggers.c.enterprise_id,
    runs.c.rotation_turn,
    rotations.c.members.label("rotation_members"),
    runs.c.repeat_of,
)
# The trigger's state as the run's UPDATE sees it, so a pause committed just before a start is seen.
_TRIGGER_STATE = select(triggers.c.state).where(triggers.c.id == runs.c.trigger_id).scalar_subquery()
# The turn a rotation's run names, pinned by its first start (a later attempt keeps it): the rotation's
# turn, or the one after an earlier run of the trigger still unfinished with a turn pinned past it (a
# worker died holding that run and this one fired meanwhile).
_EARLIER = runs.alias("earlier")
_EARLIER_PINNED = (
    select(func.max(_EARLIER.c.rotation_turn))
    .where(
        _EARLIER.c.trigger_id == runs.c.trigger_id,
        _EARLIER.c.due_at < runs.c.due_at,
        state_in(_EARLIER.c.state, *UNFINISHED),
    )
    .scalar_subquery()
)
_CURRENT_TURN = select(rotations.c.turn).where(rotations.c.trigger_id == runs.c.trigger_id).scalar_subquery()
_PINNED_TURN = func.coalesce(
    runs.c.rotation_turn, case((_EARLIER_PINNED >= _CURRENT_TURN, _EARLIER_PINNED + 1), else_=_CURRENT_TURN)
)

# The statements are built once, with bound parameters, so a run pays for no statement building.
_LOAD = (
    select(*_VIEW_COLUMNS, *untildone.FIRST_COLUMNS)
    .join_from(runs, triggers, runs.c.trigger_id == triggers.c.id)
    .outerjoin(rotations, rotations.c.trigger_id == runs.c.trigger_id)
    .outerjoin(untildone.FIRST, untildone.FIRST.c.id == runs.c.repeat_of)
)
_LOAD_ONE = _LOAD.where(runs.c.id == bindparam("p_run"))
_LOAD_MANY = _LOAD.where(runs.c.id.in_(bindparam("p_runs", expanding=True)))
# Still running the attempt this worker started (or read, for `start`).
_HELD = and_(
    runs.c.id == bindparam("p_run"),
    runs.c.attempts == bindparam("p_attempts"),
    state_in(runs.c.state, RunState.RUNNING.value),
)
# A run may start when queued, or running an attempt abandoned longer than the running lease ago, unless it is a
# repeat of a reminder marked done.
_STARTABLE = and_(
    or_(
        state_in(runs.c.state, RunState.QUEUED.value),
        and_(state_in(runs.c.state, RunState.RUNNING.value), runs.c.started_at < bindparam("p_abandoned_before")),
    ),
    ~untildone.REPEATS_DONE,
)
_START = (
    update(runs)
    .where(runs.c.id == bindparam("p_run"), runs.c.attempts == bindparam("p_attempts"), _STARTABLE)
    .values(
        state=RunState.RUNNING.value,
        started_at=bindparam("p_now"),
        attempts=runs.c.attempts + 1,
        attempt_log=bindparam("p_log"),
        rotation_turn=_PINNED_TURN,
    )
    .returning(_TRIGGER_STATE, runs.c.rotation_turn)
)
# `_START` for several runs in one statement (PostgreSQL): each row is a run, the attempt number read and its log.
_STARTING = (
    func.json_to_recordset(bindparam("p_rows", type_=JSON()))
    .table_valued(column("id", Integer), column("attempts", Integer), column("attempt_log", JSON))
    .render_derived(name="starting", with_types=True)
)
_START_MANY = (
    update(runs)
    .where(
        runs.c.id.in_(bindparam("p_ids", expanding=True)),
        runs.c.id == _STARTING.c.id,
        runs.c.attempts == _STARTING.c.attempts,
        _STARTABLE,
    )
    .values(
        state=RunState.RUNNING.value,
        started_at=bindparam("p_now"),
        attempts=runs.c.attempts + 1,
        attempt_log=_STARTING.c.attempt_log,
        rotation_turn=_PINNED_TURN,
    )
    .returning(runs.c.id, _TRIGGER_STATE, runs.c.rotation_turn)
)
_RECORD_OUTCOME = update(runs).where(_HELD).values(outcome=bindparam("p_outcome"))
_REPACE = (
    update(runs)
    .where(runs.c.id == bindparam("p_run"), state_in(runs.c.state, RunState.QUEUED.value))
    .values(enqueued_at=bindparam("p_until"))
)
_DEFER = (
    update(runs)
    .where(_HELD)
    .values(
        state=RunState.QUEUED.value,
        enqueued_at=bindparam("p_until"),
        error=bindparam("p_error"),
        attempt_log=bindparam("p_log"),
    )
)
# A finish keeps an outcome recorded earlier and sets slack_ts/posted_at only when it posted.
_FINISH = (
    update(runs)
    .where(_HELD)
    .values(
        state=bindparam("p_state"),
        finished_at=bindparam("p_now"),
        error=bindparam("p_error"),
        attempt_log=bindparam("p_log"),
        outcome=func.coalesce(bindparam("p_outcome", type_=runs.c.outcome.type), runs.c.outcome),
        slack_ts=func.coalesce(bindparam("p_slack_ts", type_=runs.c.slack_ts.type), runs.c.slack_ts),
        posted_at=func.coalesce(bindparam("p_posted_at", type_=runs.c.posted_at.type), runs.c.posted_at),
    )
)
# A one-off after its run, or a series after its last occurrence, is completed. The check for other
# unfinished runs leaves this run out by id, so it also holds where the run's own move is not yet seen.
_COMPLETE_IF_EXHAUSTED = (
    update(triggers)
    .where(
        triggers.c.id == bindparam("p_trigger"),
        state_in(triggers.c.state, TriggerState.ACTIVE.value),
        triggers.c.next_run_at.is_(None),
        ~exists().where(
            runs.c.trigger_id == bindparam("p_trigger"),
            state_in(runs.c.state, *UNFINISHED),
            runs.c.id != bindparam("p_run"),
        ),
    )
    .values(state=TriggerState.COMPLETED.value, updated_at=bindparam("p_now"))
)
# A rotation's turn passes to just after the one the run pinned, never back (a later run finished first,
# or the team moved it on meanwhile), and only for a run that posted, unless the team rotates on every run.
_RUN_TURN = select(runs.c.rotation_turn).where(runs.c.id == bindparam("p_run")).scalar_subquery()
_PASS_TURN = (
    update(rotations)
    .where(
        rotations.c.trigger_id == bindparam("p_trigger"),
        rotations.c.turn <= _RUN_TURN,
        or_(bindparam("p_posted", type_=Boolean()), rotations.c.every_run),
    )
    .values(turn=_RUN_TURN + 1, updated_at=bindparam("p_now"))
)
# PostgreSQL: the run's move and then its trigger's completion and its rotation's turn in one statement
# (both only if the run moved); the count says whether it did.
_MOVED = _FINISH.returning(runs.c.trigger_id, runs.c.rotation_turn).cte("moved")
_FINISH_AND_COMPLETE = (
    select(func.count())
    .select_from(_MOVED)
    .add_cte(_COMPLETE_IF_EXHAUSTED.where(triggers.c.id == _MOVED.c.trigger_id).cte("completed"))
    .add_cte(
        update(rotations)
        .where(
            rotations.c.trigger_id == _MOVED.c.trigger_id,
            rotations.c.turn <= _MOVED.c.rotation_turn,
            or_(bindparam("p_posted", type_=Boolean()), rotations.c.every_run),
        )
        .values(turn=_MOVED.c.rotation_turn + 1, updated_at=bindparam("p_now"))
        .cte("turned")
    )
)
_FINISH_AND_REPEAT = untildone.with_repeat(_FINISH_AND_COMPLETE, _MOVED)


# PostgreSQL: runs that posted, recorded together (PostedRuns). Each moves only if still running the attempt its
# worker started, exactly as _FINISH_AND_COMPLETE moves one; its one-off trigger is completed unless it has an
# unfinished run outside this statement. Only runs with no rotation turn and no repeat to queue come here. The runs
# are found by id (= ANY) and each trigger's other runs by a subquery on it, so neither reads a whole table or index.
_FINISH_POSTED = text(
    """
    WITH posted AS (
        SELECT * FROM json_to_recordset(:rows)
            AS p(id integer, attempts integer, attempt_log json, slack_ts varchar, outcome text, posted_at timestamp)
    ), moved AS (
        UPDATE runs SET state = 'succeeded', finished_at = :now, error = NULL, attempt_log = posted.attempt_log,
            outcome = coalesce(posted.outcome, runs.outcome), slack_ts = coalesce(posted.slack_ts, runs.slack_ts),
            posted_at = posted.posted_at
        FROM posted
        WHERE runs.id = ANY(:ids) AND runs.id = posted.id AND runs.attempts = posted.attempts
            AND runs.state = 'running'
        RETURNING runs.id, runs.trigger_id
    ), completed AS (
        UPDATE triggers SET state = 'completed', updated_at = :now
        FROM moved
        WHERE triggers.id = moved.trigger_id AND triggers.state = 'active' AND triggers.next_run_at IS NULL
            AND (
                SELECT count(*) FROM runs AS other
                WHERE other.trigger_id = triggers.id AND other.state IN ('queued', 'running')
                    AND other.id <> ALL(:ids)
            ) = 0
    )
    SELECT id FROM moved
    """
).bindparams(
    bindparam("rows", type_=JSON()), bindparam("now", type_=UTCDateTime()), bindparam("ids", type_=ARRAY(Integer()))
)


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """The one connection a worker uses for a run's attempt."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def load(db: Connection, run_id: int) -> RunView | None:
    row = _one(db, _LOAD_ONE, {"p_run": run_id})
    return None if row is None else _view(row)


def load_many(db: Connection, run_ids: Sequence[int]) -> dict[int, RunView]:
    """A batch's runs in one read, by id; a run that no longer exists is missing.

    A view read here may be up to a second old when its run's turn comes (tasks.app.FRESH_READ_SECONDS). Starting
    the run is conditional on the attempt it read and reads the trigger's state and turn again, so the run is
    posted once and never while paused; an edit of its text or channel in that second posts the text read.
    """
    with _unit(db):
        rows = db.execute(_LOAD_MANY, {"p_runs": list(run_ids)}).all()
    return {view.run_id: view for view in map(_view, rows)}


def start(db: Connection, view: RunView, *, now: datetime, running_lease: timedelta) -> RunView | None:
    """queued → running (or take over an abandoned running run); None if another worker has it."""
    log = _started_log(view, now)
    params = {"p_run": view.run_id, "p_attempts": view.attempts, "p_abandoned_before": now - running_lease,
              "p_now": now, "p_log": log}  # fmt: skip
    row = _one(db, _START, params)
    return None if row is None else _started(view, now, log, trigger_state=row[0], rotation_turn=row[1])


def start_many(
    db: Connection, views: Sequence[RunView], *, now: datetime, running_lease: timedelta
) -> dict[int, RunView]:
    """`start` for several runs of different triggers in one statement (PostgreSQL; elsewhere one by one): the
    runs this worker started, by id. Runs of one trigger start apart, so a rotation pins each run's turn after
    the one before (the statement sees the table as it was)."""
    if not views:
        return {}
    if len({view.trigger_id for view in views}) < len(views):
        raise ValueError("start_many starts one run per trigger")
    if not _autocommits(db):
        each = (start(db, view, now=now, running_lease=running_lease) for view in views)
        return {started.run_id: started for started in each if started is not None}
    logs = {view.run_id: _started_log(view, now) for view in views}
    rows = [{"id": view.run_id, "attempts": view.attempts, "attempt_log": logs[view.run_id]} for view in views]
    params = {"p_rows": rows, "p_ids": list(logs), "p_now": now, "p_abandoned_before": now - running_lease}
    moved = {row[0]: row for row in db.execute(_START_MANY, params)}
    return {
        view.run_id: _started(view, now, logs[view.run_id], trigger_state=row[1], rotation_turn=row[2])
        for view in views
        if (row := moved.get(view.run_id)) is not None
    }


def _started_log(view: RunView, now: datetime) -> list[dict[str, Any]]:
    return [*view.attempt_log, {"n": view.attempts + 1, "at": now.isoformat(), "outcome": "started"}]


def _started(
    view: RunView, now: datetime, log: list[dict[str, Any]], *, trigger_state: str, rotation_turn: int | None
) -> RunView:
    return replace(
        view,
        state=RunState.RUNNING.value,
        started_at=now,
        attempts=view.attempts + 1,
        attempt_log=log,
        trigger_state=trigger_state,
        rotation_turn=rotation_turn,
    )


def record_outcome(db: Connection, view: RunView, outcome: str) -> bool:
    """Keep the action's result, so a later attempt posts it without running the action again.

    False if this worker no longer holds the run: then it must not post.
    """
    return _moved(db, _RECORD_OUTCOME, {**_held_params(view), "p_outcome": outcome}) == 1


def release_done(db: Connection, view: RunView, *, now: datetime) -> bool:
    """queued → skipped for a repeat of a reminder someone marked done; False if it was not (or no longer) queued."""
    return _moved(db, untildone.RELEASE_DONE, {"p_run": view.run_id, "p_now": now}) == 1


def repace(db: Connection, run_id: int, *, until: datetime) -> None:
    """A queued run waits for its channel's slot; the recovery lease counts from then."""
    _moved(db, _REPACE, {"p_run": run_id, "p_until": until})


def repace_many(db: Connection, untils: Mapping[int, datetime]) -> None:
    """`repace` for a batch's runs, in one statement (one round trip and one commit, however many runs)."""
    if not untils:
        return
    ids = list(untils)
    until = case(
        {
            run_id: bindparam(f"p_until_{n}", untils[run_id], type_=runs.c.enqueued_at.type)
            for n, run_id in enumerate(ids)
        },
        value=runs.c.id,
    )
    statement = (
        update(runs).where(runs.c.id.in_(ids), state_in(runs.c.state, RunState.QUEUED.value)).values(enqueued_at=until)
    )
    with _unit(db):
        db.execute(statement)


def defer(db: Connection, view: RunView, *, now: datetime, until: datetime, outcome: str, error: str) -> bool:
    """running → queued, due again at `until`; the attempt is recorded with its outcome."""
    log = _closed(view, now=now, outcome=outcome, error=error)
    return _moved(db, _DEFER, {**_held_params(view), "p_until": until, "p_error": error, "p_log": log}) == 1


@dataclass(frozen=True)
class Finished:
    """A run moved to its end; `repeat` is the next repeat its finishing statement queued (until done), if any."""

    repeat: Claimed | None = None


def finish(
    db: Connection,
    view: RunView,
    *,
    now: datetime,
    state: RunState,
    attempt: str,
    error: str | None = None,
    slack_ts: str | None = None,
    outcome: str | None = None,
) -> Finished | None:
    """running → succeeded/failed/skipped (an exhausted trigger completed); None if this worker lost the run.

    The move is committed when this returns, so the repeat it queued may be sent to the workers at once.
    """
    params = {
        **_held_params(view),
        "p_trigger": view.trigger_id,
        "p_state": state.value,
        "p_now": now,
        "p_error": error,
        "p_log": _closed(view, now=now, outcome=attempt, error=error),
        "p_outcome": outcome,
        "p_slack_ts": slack_ts,
        "p_posted_at": now if slack_ts is not None else None,
        "p_posted": slack_ts is not None,
    }
    repeat_due = untildone.next_repeat_due(view) if slack_ts is not None else None
    if repeat_due is not None:
        params |= untildone.repeat_params(view, repeat_due)
    if _autocommits(db):
        if repeat_due is None:
            return Finished() if db.execute(_FINISH_AND_COMPLETE, params).scalar_one() == 1 else None
        moved, repeat_id = db.execute(_FINISH_AND_REPEAT, params).one()
        return Finished(untildone.queued(view, repeat_id, repeat_due)) if moved == 1 else None
    with db.begin():
        if db.execute(_FINISH, params).rowcount != 1:  # type: ignore[attr-defined]
            return None
        db.execute(_COMPLETE_IF_EXHAUSTED, params)
        db.execute(_PASS_TURN, params)
        if repeat_due is None:
            return Finished()
        repeat_id = db.execute(untildone.INSERT_REPEAT, params).scalar()
    return Finished(untildone.queued(view, repeat_id, repeat_due))


@dataclass(frozen=True)
class Posted:
    """A run that posted, waiting to be recorded with others."""

    view: RunView
    posted_at: datetime
    slack_ts: str
    outcome: str | None


class PostedRuns:
    """A batch's posted runs, recorded in one statement (`record`) rather than one each.

    Until recorded, a posted run is still running the attempt its worker started; if the worker dies first, the
    run is taken over after its running lease and that attempt's message is found in the channel (`maybe_posted`),
    so it is recorded, not posted again. Only PostgreSQL records together, and only runs whose finish does nothing
    more (no rotation turn to pass, no repeat to queue); the others are finished one by one (`takes` is False).
    """

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._pending: list[Posted] = []

    def takes(self, view: RunView) -> bool:
        return _autocommits(self._db) and view.rotation_turn is None and untildone.next_repeat_due(view) is None

    def add(self, view: RunView, *, posted_at: datetime, slack_ts: str, outcome: str | None) -> None:
        self._pending.append(Posted(view, posted_at, slack_ts, outcome))

    @property
    def db(self) -> Connection:
        return self._db

    def __len__(self) -> int:
        return len(self._pending)

    def take_all(self) -> list[Posted]:
        """The pending runs, no longer pending (to be finished one by one)."""
        pending, self._pending = self._pending, []
        return pending

    def record(self, *, now: datetime) -> list[Posted]:
        """Record every pending run; the ones this worker still held (the others were taken over meanwhile).

        If the statement fails the runs stay pending: moving them again is harmless (each is guarded by its attempt).
        """
        pending = self._pending
        if not pending:
            return []
        rows = [
            {
                "id": item.view.run_id,
                "attempts": item.view.attempts,
                "attempt_log": _closed(item.view, now=now, outcome="posted", error=None),
                "slack_ts": item.slack_ts,
                "outcome": item.outcome,
                "posted_at": item.posted_at.astimezone(UTC).replace(tzinfo=None).isoformat(),
            }
            for item in pending
        ]
        ids = [item.view.run_id for item in pending]
        moved = set(self._db.execute(_FINISH_POSTED, {"rows": rows, "now": now, "ids": ids}).scalars())
        self._pending = []
        return [item for item in pending if item.view.run_id in moved]


def _autocommits(db: Connection) -> bool:
    return bool(db.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


@contextmanager
def _unit(db: Connection) -> Iterator[None]:
    """One unit of work: a statement on its own when autocommitted (PostgreSQL), else a transaction."""
    if _autocommits(db):
        yield
        return
    with db.begin():
        yield


def _one(db: Connection, statement: Executable, params: dict[str, Any]) -> Row[Any] | None:
    with _unit(db):
        return db.execute(statement, params).first()


def _moved(db: Connection, statement: Executable, params: dict[str, Any]) -> int:
    with _unit(db):
        return int(db.execute(statement, params).rowcount)  # type: ignore[attr-defined]


def _held_params(view: RunView) -> dict[str, Any]:
    """The parameters of _HELD: the run, still running the attempt this worker started."""
    return {"p_run": view.run_id, "p_attempts": view.attempts}


def _closed(view: RunView, *, now: datetime, outcome: str, error: str | None) -> list[dict[str, Any]]:
    entries = list(view.attempt_log) or [{"n": view.attempts, "at": now.isoformat()}]
    last = {**entries[-1], "outcome": outcome, "finished": now.isoformat()}
    if error:
        last["error"] = error[:500]
    return [*entries[:-1], last]


def _view(row: Row[Any]) -> RunView:
    return RunView(
        run_id=row.id,
        trigger_id=row.trigger_id,
        number=row.number,
        team_id=row.team_id,
        channel_id=row.channel_id,
        action_kind=row.action_kind,
        payload=dict(row.payload or {}),
        due_at=row.due_at,
        kind=row.kind,
        state=row.state,
        started_at=row.started_at,
        not_before=row.enqueued_at,
        attempt_log=list(row.attempt_log or []),
        outcome=row.outcome,
        missed_count=row.missed_count,
        trigger_state=row.trigger_state,
        misfire_policy=row.misfire_policy,
        recurring=_recurring(row.schedule, row.next_run_at),
        enterprise_id=row.enterprise_id,
        creator_id=row.creator_id,
        attempts=row.attempts,
        rotation_members=tuple(row.rotation_members or ()),
        rotation_turn=row.rotation_turn,
        repeat_of=row.repeat_of,
        thread_ts=row.first_ts,
        first_due_at=row.first_due_at,
        done=row.first_done_at is not None,
    )


def _recurring(schedule: str, next_run_at: datetime | None) -> bool:
    try:
        return Schedule.from_canonical(schedule).kind == "recurring"
    except ValueError:
        return next_run_at is not None
