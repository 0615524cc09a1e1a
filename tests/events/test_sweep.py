"""The reconciliation sweep after downtime: repairs once, and leaves one notice run to post it once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.claims import Claimed
from storage.db import transaction
from storage.events import repository as events
from storage.models import Run
from tasks.events import SWEEP_GRACE, update_event_states
from tests.events.helpers import HOUR, NOW, add_event

TICK = timedelta(seconds=60)


class NoPoster:
    """The repair path posts only through notice runs; materializing nothing needs no Slack."""

    def __getattr__(self, name: str) -> None:
        raise AssertionError(f"the sweep called Slack ({name}) directly")


def test_the_sweep_after_downtime_repairs_once_and_posts_once(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        late = add_event(session)  # 16:00–17:00, so long over when the workers come back
        fresh = add_event(session, title="Later", starts_at=NOW + 5 * HOUR)
    back = NOW + 3 * HOUR
    sent: list[Claimed] = []
    for _ in range(2):
        report = update_event_states(sessions, NoPoster(), now=back, horizon=TICK, send=sent.append)  # type: ignore[arg-type]
    assert report.repaired == 0
    assert len(sent) == 1
    with transaction(sessions) as session:
        transitions = events.list_transitions(session, team_id="TA", event_id=late.id)
        assert [(t.from_state, t.to_state, t.cause) for t in transitions][-1] == ("scheduled", "completed", "sweep")
        assert events.get_event(session, team_id="TA", number=fresh.number).state == "scheduled"
        runs = session.scalars(select(Run)).all()
        assert [(r.id, r.state) for r in runs] == [(sent[0].run_id, "queued")]
        kinds = {t.action_kind: t.state for t in events.event_triggers(session, team_id="TA", event_id=late.id)}
        # The notice stays active until its claimed run has posted; every timed trigger is cancelled.
        assert kinds == {"event_reminder": "cancelled", "event_start": "cancelled", "event_end": "cancelled"} | {
            "event_notice": "active"
        }


def test_the_sweep_leaves_alone_what_the_triggers_are_about_to_fix(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        event = add_event(session)
    just_started = event.starts_at + SWEEP_GRACE - timedelta(seconds=1)
    sent: list[Claimed] = []
    update_event_states(sessions, NoPoster(), now=just_started, horizon=TICK, send=sent.append)  # type: ignore[arg-type]
    assert sent == []
