"""The tick: claim what falls due before the next tick, re-send what stalled, then enqueue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.claims import claim_due, find_stalled
from tasks.runtime import Runtime, SendAll

logger = logging.getLogger("schedulebot.tick")


@dataclass(frozen=True)
class TickReport:
    claimed: int
    resent: int


def run_tick(rt: Runtime, *, now: datetime, send: SendAll) -> TickReport:
    """One tick. Claims are committed before anything is sent; a send lost on the way is re-sent later."""
    horizon = now + timedelta(seconds=rt.settings.tick_seconds) + rt.options.lookahead_margin
    claimed = claim_due(
        rt.sessions, now=now, horizon=horizon, grace=rt.options.misfire_grace, catch_up_cap=rt.options.catch_up_cap
    )
    stalled = find_stalled(rt.sessions, now=now, lease=rt.options.queued_lease, running_lease=rt.options.running_lease)
    send(claimed)
    for item in stalled:
        logger.warning("run %s trigger %s: stalled, re-sent", item.run_id, item.trigger_id)
    send(stalled)
    if claimed or stalled:
        logger.info("tick: %d run(s) claimed, %d re-sent", len(claimed), len(stalled))
    return TickReport(claimed=len(claimed), resent=len(stalled))
