"""Changing one schedule: pause, resume, cancel, run now, skip the next run, snooze. Creator or admin only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot import quotas, schedules
from bot.blocks import Reply, quote, slack_date, what_of, where
from bot.context import Actor, Services
from bot.errors import Conflict
from bot.permissions import require_can_change
from bot.visibility import visible_trigger
from storage import claims, repository, rotations
from storage.db import transaction
from storage.models import Trigger, TriggerState

logger = logging.getLogger(__name__)

Apply = Callable[[Session, Trigger], Reply]


def change(services: Services, actor: Actor, number: int, verb: str, apply: Apply) -> Reply:
    """Load the trigger if the actor may see it, check they may `verb` it, apply, and audit, in one transaction."""
    visible_trigger(services, actor, number)
    with transaction(services.sessions) as session:
        trigger = repository.get_trigger(session, team_id=actor.team_id, number=number)
        require_can_change(trigger, user_id=actor.user_id, is_admin=actor.is_admin, verb=verb)
        reply = apply(session, trigger)
        repository.record_audit(
            session,
            team_id=actor.team_id,
            actor_id=actor.user_id,
            action=verb,
            target_id=trigger.id,
            command=actor.command,
            detail={"state": trigger.state},
        )
    return reply


def send_if_due(
    services: Services, *, team_id: str, number: int, now: datetime, next_run_at: datetime | None = None
) -> None:
    """Claim and enqueue at once what the save made due before the next tick (`next_run_at`: what it saved)."""
    try:
        services.dispatcher.after_save(team_id=team_id, number=number, now=now, next_run_at=next_run_at)
    except Exception:
        # The trigger is saved; the tick claims it in time. The user's reply must not fail for this.
        logger.exception("could not hand schedule #%s of %s to the workers at once", number, team_id)


def require_live(trigger: Trigger, verb: str) -> None:
    number = trigger.number
    if trigger.state == TriggerState.CANCELLED:
        raise Conflict(f"#{number} was cancelled, so I cannot {verb} it. Add a new one instead", "/schedule list")
    if trigger.state == TriggerState.COMPLETED:
        raise Conflict(
            f"#{number} has already had its last run. Give it a new time to bring it back",
            f"/schedule edit {number} tomorrow at 9am",
        )


def pause(services: Services, actor: Actor, number: int) -> Reply:
    def apply(session: Session, trigger: Trigger) -> Reply:
        require_live(trigger, "pause")
        if trigger.state == TriggerState.PAUSED:
            raise Conflict(f"#{number} is already paused", f"/schedule resume {number}")
        repository.set_trigger_state(session, team_id=actor.team_id, number=number, state=TriggerState.PAUSED)
        return Reply(
            f":double_vertical_bar: Paused *#{number}* in {where(trigger.channel_id)}. "
            f"Nothing will be posted until you `/schedule resume {number}`."
        )

    return change(services, actor, number, "pause", apply)


def resume(services: Services, actor: Actor, number: int) -> Reply:
    now = services.clock()

    def apply(session: Session, trigger: Trigger) -> Reply:
        require_live(trigger, "resume")
        if trigger.state == TriggerState.ACTIVE:
            raise Conflict(f"#{number} is not paused; it is running as planned", f"/schedule show {number}")
        # A skip made while paused holds: it moved next_run_at past the run it skipped.
        runs = schedules.resumed_runs(schedules.load(trigger.schedule), next_run_at=trigger.next_run_at, after=now)
        upcoming = runs[0] if runs else None
        if upcoming is None:
            raise Conflict(f"#{number} has no runs left after now. Give it a new time", _edit_example(number))
        repository.update_trigger(
            session, team_id=actor.team_id, number=number, state=TriggerState.ACTIVE.value, next_run_at=upcoming
        )
        return Reply(f":arrow_forward: Resumed *#{number}*. Next run {slack_date(upcoming, trigger.zone)}.")

    reply = change(services, actor, number, "resume", apply)
    send_if_due(services, team_id=actor.team_id, number=number, now=now)
    return reply


def cancel(services: Services, actor: Actor, number: int) -> Reply:
    def apply(session: Session, trigger: Trigger) -> Reply:
        if trigger.state == TriggerState.CANCELLED:
            raise Conflict(f"#{number} is already cancelled", "/schedule list")
        repository.set_trigger_state(session, team_id=actor.team_id, number=number, state=TriggerState.CANCELLED)
        return Reply(f":no_entry_sign: Cancelled *#{number}*. It will not post again:\n{quote(what_of(trigger))}")

    return change(services, actor, number, "cancel", apply)


def run(services: Services, actor: Actor, number: int) -> Reply:
    now = services.clock()

    def apply(session: Session, trigger: Trigger) -> Reply:
        require_live(trigger, "run")
        quotas.check_run_now(session, trigger, now=now, limits=quotas.Limits.from_settings(services.settings))
        return Reply(f":rocket: Running *#{number}* now in {where(trigger.channel_id)}.")

    reply = change(services, actor, number, "run", apply)
    services.dispatcher.run_now(team_id=actor.team_id, number=number, now=now)
    return reply


def skip(services: Services, actor: Actor, number: int) -> Reply:
    now = services.clock()

    def apply(session: Session, trigger: Trigger) -> Reply:
        require_live(trigger, "skip")
        schedule = schedules.load(trigger.schedule)
        if schedule.kind == "once":
            raise Conflict(
                f"#{number} runs only once, so there is no next run to skip. Cancel it instead",
                f"/schedule cancel {number}",
            )
        # A run already claimed (queued for the coming seconds) is the next run: skipping it is the skip.
        released = claims.release_claimed(
            session,
            team_id=actor.team_id,
            trigger_id=trigger.id,
            now=now,
            why=f"skipped with /schedule skip {number}",
            keep_turns=True,  # the skipped run's turn passes (every-run rotation) or was never pinned
        )
        skipped = released[0] if released else None
        skipped = skipped or (trigger.next_run_at if trigger.next_run_at and trigger.next_run_at > now else None)
        skipped = skipped or schedules.first_run(schedule, after=now)
        following = schedules.first_run(schedule, after=skipped) if skipped else None
        if skipped is None or following is None:
            raise Conflict(f"#{number} has no run after the next one; cancel it instead", f"/schedule cancel {number}")
        repository.update_trigger(session, team_id=actor.team_id, number=number, next_run_at=following)
        # A rotation that passes the turn on every run passes it for the skipped run, with the skip or not at all.
        turns = rotations.pass_skipped(session, trigger_id=trigger.id, skipped_at=skipped, now=now)
        # ... and for the holidays between the skipped run and the following one, which no claim will pass now.
        if claims.pass_holidays_moved(session, trigger_id=trigger.id, team_id=actor.team_id, schedule=schedule,
                                      after=skipped, following=following, now=now):  # fmt: skip
            turns = rotations.read_turns(session, trigger_id=trigger.id)
        zone = trigger.zone
        paused = (
            f" #{number} is paused: this skip holds when you `/schedule resume {number}`."
            if trigger.state == TriggerState.PAUSED
            else ""
        )
        passed = f" The turn passes with it: next is <@{turns.next_person}>." if turns is not None else ""
        return Reply(
            f":fast_forward: Skipping the run of *#{number}* on {slack_date(skipped, zone)}. "
            f"Next run {slack_date(following, zone)}.{paused}{passed}"
        )

    reply = change(services, actor, number, "skip", apply)
    send_if_due(services, team_id=actor.team_id, number=number, now=now)  # the following run may be due soon
    return reply


def snooze(services: Services, actor: Actor, number: int, duration_text: str) -> Reply:
    """Later than it would have been: a run still to come moves by the delay from its due time; one already gone
    (a reminder that has posted, as under its Snooze button) runs again that long from now."""
    now = services.clock()
    delay = schedules.parse_duration(duration_text)
    said = " ".join(duration_text.split())

    def apply(session: Session, trigger: Trigger) -> Reply:
        if trigger.state == TriggerState.CANCELLED:
            raise Conflict(f"#{number} was cancelled, so I cannot snooze it", "/schedule list")
        if schedules.load(trigger.schedule).kind != "once":
            raise Conflict(
                f"Snooze is for one-off reminders, and #{number} repeats. Skip its next run instead",
                f"/schedule skip {number}",
            )
        released = claims.release_claimed(
            session, team_id=actor.team_id, trigger_id=trigger.id, now=now, why=f"snoozed by {said}"
        )
        due = released[0] if released else _still_due(trigger, now)
        at, was_paused = (due or now) + delay, trigger.state == TriggerState.PAUSED
        repository.update_trigger(
            session,
            team_id=actor.team_id,
            number=number,
            next_run_at=at,
            state=TriggerState.ACTIVE.value,
            schedule=schedules.once_at(at, trigger.zone).to_canonical(),
        )
        text = _snoozed(number, due, at, trigger.zone, said)
        return Reply(text + (" It was paused; snoozing it resumes it." if was_paused else ""))

    reply = change(services, actor, number, "snooze", apply)
    send_if_due(services, team_id=actor.team_id, number=number, now=now)
    return reply


def _snoozed(number: int, due: datetime | None, at: datetime, zone: str, said: str) -> str:
    if due is None:
        return (
            f":zzz: Snoozed *#{number}*: it has already run, so it runs again {slack_date(at, zone)}, {said} from now."
        )
    return f":zzz: Snoozed *#{number}*: the run due {slack_date(due, zone)} now runs {slack_date(at, zone)}."


def _still_due(trigger: Trigger, now: datetime) -> datetime | None:
    """The one-off's run if it is still to come (active or paused), else None: it has run."""
    live = trigger.state in (TriggerState.ACTIVE, TriggerState.PAUSED)
    return trigger.next_run_at if live and trigger.next_run_at is not None and trigger.next_run_at > now else None


def _edit_example(number: int) -> str:
    return f"/schedule edit {number} every monday at 9am"
