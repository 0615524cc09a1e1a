"""Rotations: who is on turn for a rotating schedule, and the moves people make on it.

The turn counts turns taken: the person named is `members[turn % len(members)]`. A run finishing moves
it (tasks/runstate.py); every change here is guarded by the turn it read, so a change made while a run
finishes never undoes that run's move, and the run's move never undoes the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Rotation, Run, utcnow

# A rotation names at most this many people; more is a channel, not a rotation.
MAX_MEMBERS = 50


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
