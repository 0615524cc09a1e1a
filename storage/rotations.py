"""Rotations: who is on turn for a rotating schedule, and the moves people make on it.

The turn counts turns taken: the person named is `members[turn % len(members)]`. A run finishing moves
it (tasks/runstate.py); every change here is guarded by the turn it read, so a change made while a run
finishes never undoes that run's move, and the run's move never undoes the change.

A rotation that passes the turn on every run also passes it for a run that never happens: an instant a
holiday skipped (the claim that moves the schedule past it passes the turn, recording the instant as a
skipped run of kind `holiday`, so no claim counts it twice) and a run skipped with `/schedule skip`
(in the skip's transaction). Runs waiting before such an instant take their turns first, so the order holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from scheduling.zones import get_zone
from storage.models import RELEASED_PREFIX, Rotation, Run, RunState, state_in, utcnow

# A rotation names at most this many people; more is a channel, not a rotation.
MAX_MEMBERS = 50
# The kind of the skipped run that records an instant a holiday took out of an every-run rotation.
KIND_HOLIDAY = "holiday"
_UNFINISHED = (RunState.QUEUED.value, RunState.RUNNING.value)


@dataclass(frozen=True)
class Turns:
    """A rotation as read: its members in order and the turn count."""

    members: tuple[str, ...]
    turn: int
    every_run: bool = False

    @property
    def next_person(self) -> str:
        return self.person(0)

    def person(self, ahead: int) -> str:
        """Who is named `ahead` runs after the next one."""
        return self.members[(self.turn + ahead) % len(self.members)]

    def index_of_next(self) -> int:
        return self.turn % len(self.members)


@dataclass(frozen=True)
class Held:
    """Turns fixed ahead of the rotation: the runs and holidays still to come that hold one, by due instant, and
    the turn the next run without one takes (past any an unfinished run holds, as a start does)."""

    pinned: dict[datetime, int]
    free: int


def held_turns(session: Session, *, trigger_id: int, turns: Turns, now: datetime) -> Held:
    """What a preview of the coming runs must show as already decided (a claim pinned it, a holiday passed)."""
    holds = or_(state_in(Run.state, *_UNFINISHED), and_(Run.kind == KIND_HOLIDAY, Run.due_at > now))
    rows = session.execute(
        select(Run.due_at, Run.rotation_turn, Run.state)
        .where(Run.trigger_id == trigger_id, Run.rotation_turn.is_not(None), holds)
    ).all()  # fmt: skip
    held = [(due, int(turn), state) for due, turn, state in rows if turn is not None]
    unfinished = [turn + 1 for _, turn, state in held if state in _UNFINISHED]
    return Held({due: turn for due, turn, _ in held if due > now}, max([turns.turn, *unfinished]))


def person_at(members: Sequence[str], turn: int) -> str | None:
    return members[turn % len(members)] if members else None


def create_rotation(session: Session, *, trigger_id: int, members: Sequence[str], every_run: bool = False) -> None:
    session.add(Rotation(trigger_id=trigger_id, members=list(members), turn=0, every_run=every_run))
    session.flush()


def read_turns(session: Session, *, trigger_id: int, lock: bool = False) -> Turns | None:
    """The rotation as it stands; `lock` holds its row until commit (PostgreSQL) for a change made from it."""
    row = session.get(Rotation, trigger_id, populate_existing=True, with_for_update=lock or None)
    if row is None:
        return None
    return Turns(members=tuple(row.members or ()), turn=row.turn, every_run=row.every_run)


def turns_for(session: Session, trigger_ids: Iterable[int]) -> dict[int, Turns]:
    ids = list(trigger_ids)
    if not ids:
        return {}
    rows = session.scalars(select(Rotation).where(Rotation.trigger_id.in_(ids)))
    return {r.trigger_id: Turns(tuple(r.members or ()), r.turn, r.every_run) for r in rows}


def replace_turns(session: Session, *, trigger_id: int, read: Turns, new: Turns) -> bool:
    """Save `new` only if the rotation is still as `read`; False if a run or a person moved it meanwhile."""
    moved = session.execute(
        update(Rotation)
        .where(Rotation.trigger_id == trigger_id, Rotation.turn == read.turn)
        .values(members=list(new.members), turn=new.turn, every_run=new.every_run, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def hand_on(session: Session, *, team_id: str, run_id: int, trigger_id: int, turn: int) -> bool:
    """ "Not me": the run names the next person instead, and the rotation goes on after them.

    Guarded by the turn the message showed, so two presses hand on once. The rotation moves only if it
    still stands just after this run (the run's own finish moved it there), or just after the turns that
    runs not yet started hold after it (a holiday's, on an every-run rotation): those move on one, too.
    """
    named = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.team_id == team_id, Run.trigger_id == trigger_id, Run.rotation_turn == turn)
        .values(rotation_turn=turn + 1)
        .execution_options(synchronize_session=False)
    )
    if named.rowcount != 1:  # type: ignore[attr-defined]
        return False
    held = _held_after(trigger_id, turn, but=run_id)
    held_count = session.scalar(select(func.count()).select_from(held.subquery())) or 0
    moved = session.execute(
        update(Rotation)
        .where(Rotation.trigger_id == trigger_id, Rotation.turn == turn + 1 + held_count)
        .values(turn=turn + 2 + held_count, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if held_count and moved.rowcount == 1:  # type: ignore[attr-defined]
        _shift(session, held, by=1)
    return True


def give_back(session: Session, *, trigger_id: int, released: Sequence[Run], now: datetime) -> None:
    """A change released these runs before they started: the turns they and the holidays still ahead hold go back.

    When those are the last turns taken, the rotation steps back to the first of them and the holiday rows keep no
    turn, so whatever moves the schedule next passes the holidays again, in the new order (`pass_holidays`).
    Otherwise (a run started on a later turn meanwhile) the released runs' turns close up behind the later ones.
    """
    rotation = session.get(Rotation, trigger_id, with_for_update=True, populate_existing=True)
    if rotation is None:
        return
    ahead = session.scalars(
        select(Run).where(Run.trigger_id == trigger_id, Run.kind == KIND_HOLIDAY, Run.due_at > now)
        .where(Run.started_at.is_(None), Run.rotation_turn.is_not(None))
    ).all()  # fmt: skip
    holders = [run for run in (*released, *ahead) if run.rotation_turn is not None]
    turns = sorted(run.rotation_turn for run in holders if run.rotation_turn is not None)
    if not turns:
        return
    if turns == list(range(turns[0], rotation.turn)):
        for run in holders:
            run.rotation_turn = None
        rotation.turn, rotation.updated_at = turns[0], now
        session.flush()
        return
    given = sorted((run.rotation_turn for run in released if run.rotation_turn is not None), reverse=True)
    for run in released:
        run.rotation_turn = None
    session.flush()
    for turn in given:
        started = select(Run.id).where(Run.trigger_id == trigger_id, Run.rotation_turn > turn)
        if session.scalar(started.where(Run.started_at.is_not(None)).limit(1)) is not None:
            continue  # its message named a later person: that turn cannot move
        _shift(session, _held_after(trigger_id, turn), by=-1)
        if rotation.turn > turn:
            rotation.turn, rotation.updated_at = rotation.turn - 1, now
    session.flush()


def _held_after(trigger_id: int, turn: int, *, but: int | None = None) -> Select[Any]:
    """The runs not yet started (a holiday's, a skipped one's, one queued) that hold a turn after `turn`."""
    query = select(Run.id).where(Run.trigger_id == trigger_id, Run.rotation_turn > turn, Run.started_at.is_(None))
    return query if but is None else query.where(Run.id != but)


def _shift(session: Session, runs: Select[Any], *, by: int) -> None:
    session.execute(
        update(Run)
        .where(Run.id.in_(runs.scalar_subquery()))
        .values(rotation_turn=Run.rotation_turn + by)
        .execution_options(synchronize_session=False)
    )


def every_run_ids(session: Session, trigger_ids: Iterable[int]) -> set[int]:
    """Which of these triggers have a rotation that passes the turn on every run (one query, no lock)."""
    ids = list(trigger_ids)
    if not ids:
        return set()
    query = select(Rotation.trigger_id).where(Rotation.trigger_id.in_(ids), Rotation.every_run.is_(True))
    return set(session.scalars(query))


def pass_holidays(
    session: Session,
    *,
    trigger_id: int,
    team_id: str,
    zone: str,
    skipped: Sequence[tuple[datetime, str]],
    now: datetime,
) -> int:
    """On an every-run rotation, each instant a holiday skipped takes a turn, once; the number of turns passed.

    Called by whatever moves the schedule past the instants (a claim, a skip, an edit, a calendar change), in
    its transaction, with the trigger locked. Each instant passed is recorded as a skipped run; a holiday date
    (in `zone`) already recorded for another time of day is not passed again, so a new time never counts twice.
    """
    rotation = _every_run(session, trigger_id) if skipped else None
    if rotation is None:
        return 0
    fresh = _not_passed(session, trigger_id, get_zone(zone), sorted(skipped))
    turn = _free_turn(session, rotation)
    for at, name, released in fresh:
        turn = _pin_waiting(session, trigger_id=trigger_id, before=at, turn=turn)
        # Given back like a released run: if a new time or calendar makes the instant a run again, the claim takes
        # this row back (storage/claims.py), and the run names the turn the holiday held.
        row = released or Run(trigger_id=trigger_id, team_id=team_id, due_at=at, attempt_log=[])
        row.kind, row.state, row.finished_at, row.rotation_turn = KIND_HOLIDAY, RunState.SKIPPED.value, now, turn
        row.error, row.outcome = name, f"{RELEASED_PREFIX}{name} (a holiday)"
        session.add(row)
        turn += 1
    if fresh:
        rotation.turn, rotation.updated_at = turn, now
    session.flush()
    return len(fresh)


def pass_skipped(session: Session, *, trigger_id: int, skipped_at: datetime, now: datetime) -> Turns | None:
    """`/schedule skip` on an every-run rotation: the skipped instant takes its turn, in the skip's transaction.

    None when the rotation passes the turn only on posted runs, or the instant already took its turn.
    """
    rotation = _every_run(session, trigger_id)
    if rotation is None:
        return None
    record = session.scalar(select(Run).where(Run.trigger_id == trigger_id, Run.due_at == skipped_at))
    if record is not None and record.rotation_turn is not None:
        return None
    turn = _pin_waiting(session, trigger_id=trigger_id, before=skipped_at, turn=_free_turn(session, rotation))
    if record is not None:  # the claimed run the skip released names the turn it took
        record.rotation_turn = turn
    rotation.turn, rotation.updated_at = turn + 1, now
    session.flush()
    return Turns(tuple(rotation.members or ()), rotation.turn, rotation.every_run)


def _not_passed(
    session: Session, trigger_id: int, zone: ZoneInfo, skipped: list[tuple[datetime, str]]
) -> list[tuple[datetime, str, Run | None]]:
    """The instants whose turn no run holds yet: none at the instant but a released run that took no turn (it
    becomes the holiday's row), and no holiday row of the same local date at another time of day."""
    dues = {at for at, _ in skipped}
    near = select(Run).where(
        Run.trigger_id == trigger_id,
        Run.due_at >= min(dues) - timedelta(days=2),
        Run.due_at <= max(dues) + timedelta(days=2),
    )
    rows = {run.due_at: run for run in session.scalars(near)}
    elsewhere = Counter(
        due.astimezone(zone).date()
        for due, run in rows.items()
        if run.kind == KIND_HOLIDAY and run.rotation_turn is not None and due not in dues
    )
    fresh: list[tuple[datetime, str, Run | None]] = []
    for at, name in skipped:
        day, row = at.astimezone(zone).date(), rows.get(at)
        if row is not None and not _released_without_turn(row):
            continue
        if elsewhere[day]:  # the same holiday, passed at the time of day the schedule had then
            elsewhere[day] -= 1
            continue
        fresh.append((at, name, row))
    return fresh


def _released_without_turn(run: Run) -> bool:
    return run.rotation_turn is None and run.started_at is None and (run.outcome or "").startswith(RELEASED_PREFIX)


def _every_run(session: Session, trigger_id: int) -> Rotation | None:
    """The rotation, locked until commit, if it passes the turn on every run."""
    rotation = session.get(Rotation, trigger_id, with_for_update=True, populate_existing=True)
    return rotation if rotation is not None and rotation.every_run and rotation.members else None


def _free_turn(session: Session, rotation: Rotation) -> int:
    """The turn the next run takes: the rotation's, or just past one an unfinished run has pinned (as a start does)."""
    pinned = session.scalar(
        select(func.max(Run.rotation_turn)).where(
            Run.trigger_id == rotation.trigger_id, state_in(Run.state, *_UNFINISHED)
        )
    )
    return rotation.turn if pinned is None else max(rotation.turn, pinned + 1)


def _pin_waiting(session: Session, *, trigger_id: int, before: datetime, turn: int) -> int:
    """Runs waiting to start before `before` take the turns from `turn` on, in order; the turn after them.

    Every unfinished run before `before` is read, pinned or not, so one that started since `_free_turn` read
    (and pinned a turn itself) still counts.
    """
    waiting = session.execute(
        select(Run.id, Run.rotation_turn)
        .where(Run.trigger_id == trigger_id, state_in(Run.state, *_UNFINISHED), Run.due_at < before)
        .order_by(Run.due_at)
    ).all()
    for run_id, pinned in waiting:
        if pinned is None:
            pinned = session.scalar(
                update(Run)
                .where(Run.id == run_id, Run.rotation_turn.is_(None))
                .values(rotation_turn=turn)
                .returning(Run.rotation_turn)
                .execution_options(synchronize_session=False)
            )
        if pinned is None:  # a start got there first and keeps its own
            pinned = session.scalar(select(Run.rotation_turn).where(Run.id == run_id))
        if pinned is not None:
            turn = max(turn, pinned + 1)
    return turn
