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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import Rotation, Run, RunState, utcnow

# A rotation names at most this many people; more is a channel, not a rotation.
MAX_MEMBERS = 50
# The kind of the skipped run that records an instant a holiday took out of an every-run rotation.
KIND_HOLIDAY = "holiday"
# The outcome prefix of a run given back before it started (storage/claims.py takes such a run back).
RELEASED_PREFIX = "released: "
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
    still stands just after this run (the run's own finish moved it there).
    """
    named = session.execute(
        update(Run)
        .where(Run.id == run_id, Run.team_id == team_id, Run.trigger_id == trigger_id, Run.rotation_turn == turn)
        .values(rotation_turn=turn + 1)
        .execution_options(synchronize_session=False)
    )
    if named.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.execute(
        update(Rotation)
        .where(Rotation.trigger_id == trigger_id, Rotation.turn == turn + 1)
        .values(turn=turn + 2, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return True


def pass_holidays(
    session: Session, *, trigger_id: int, team_id: str, skipped: Sequence[tuple[datetime, str]], now: datetime
) -> int:
    """On an every-run rotation, each instant a holiday skipped takes a turn, once; the number of turns passed.

    Called by the claim that moves the schedule past the instants, in its transaction, with the trigger locked.
    Each instant passed is recorded as a skipped run (its unique key keeps a later claim from passing it again).
    """
    rotation = _every_run(session, trigger_id) if skipped else None
    if rotation is None:
        return 0
    dues = [at for at, _ in skipped]
    known = set(session.scalars(select(Run.due_at).where(Run.trigger_id == trigger_id, Run.due_at.in_(dues))))
    fresh = sorted((at, name) for at, name in skipped if at not in known)
    turn = _free_turn(session, rotation)
    for at, name in fresh:
        turn = _pin_waiting(session, trigger_id=trigger_id, before=at, turn=turn)
        # Given back like a released run: if a new time or calendar makes the instant a run again, the claim takes
        # this row back (storage/claims.py), and the run names the turn the holiday held.
        session.add(
            Run(trigger_id=trigger_id, team_id=team_id, due_at=at, kind=KIND_HOLIDAY, state=RunState.SKIPPED.value,
                finished_at=now, rotation_turn=turn, error=name, outcome=f"{RELEASED_PREFIX}{name} (a holiday)",
                attempt_log=[])
        )  # fmt: skip
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


def _every_run(session: Session, trigger_id: int) -> Rotation | None:
    """The rotation, locked until commit, if it passes the turn on every run."""
    rotation = session.get(Rotation, trigger_id, with_for_update=True, populate_existing=True)
    return rotation if rotation is not None and rotation.every_run and rotation.members else None


def _free_turn(session: Session, rotation: Rotation) -> int:
    """The turn the next run takes: the rotation's, or just past one an unfinished run has pinned (as a start does)."""
    pinned = session.scalar(
        select(func.max(Run.rotation_turn)).where(Run.trigger_id == rotation.trigger_id, Run.state.in_(_UNFINISHED))
    )
    return rotation.turn if pinned is None else max(rotation.turn, pinned + 1)


def _pin_waiting(session: Session, *, trigger_id: int, before: datetime, turn: int) -> int:
    """Runs waiting to start before `before` take the turns from `turn` on, in order; the turn after them."""
    waiting = session.scalars(
        select(Run.id)
        .where(Run.trigger_id == trigger_id, Run.state.in_(_UNFINISHED), Run.rotation_turn.is_(None))
        .where(Run.due_at < before)
        .order_by(Run.due_at)
    ).all()
    for run_id in waiting:
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
