"""Reminders that repeat until done: `…, repeat every hour until done`, `… until someone marks it done`,
`… escalate to @lead after 2 hours`, and the Done button.

These phrase parts are not schedule words: they are taken off here, before the schedule phrase is read.
The repeats themselves are runs the workers queue and stop (tasks/runstate.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import schedules, visibility
from bot.blocks import Reply, confirmation, context, section, slack_date
from bot.commands import create, holidays
from bot.commands.changes import send_if_due
from bot.commands.grammar import MAX_NUMBER, Command, unquote
from bot.context import Actor, Services
from bot.errors import UsageError
from storage import repository, untildone
from storage.db import transaction

# A reminder is posted again every hour unless told otherwise, and at most this many times.
DEFAULT_EVERY_SECONDS = 3600
MAX_REPEATS = 20
MIN_EVERY_SECONDS = 60
MAX_EVERY_SECONDS = 24 * 3600
DONE_ACTION = "schedulebot.done"
EXAMPLE = "/schedule #ops to check the backups every day at 9am until someone marks it done"
HISTORY_LIMIT = 10

_UNIT = r"(minutes?|mins?|hours?|hrs?)"
_REPEAT = re.compile(
    rf"[\s,;]*(?:and\s+)?repeat\s+every\s+(?:(\d{{1,4}})\s+)?{_UNIT}\s+until\s+(?:it\s+is\s+|it's\s+)?done\b",
    re.IGNORECASE,
)
_SOMEONE = re.compile(r"[\s,;]*until\s+(?:someone|somebody|anyone)\s+marks?\s+it\s+(?:as\s+)?done\b", re.IGNORECASE)
_ESCALATE = re.compile(
    rf"[\s,;]*(?:and\s+)?escalate\s+to\s+(\S+)\s+after\s+(\d{{1,4}})\s+{_UNIT}\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def route(services: Services, actor: Actor, command: Command) -> Reply | None:
    """The reply when the words ask for a reminder that repeats until done; None otherwise."""
    if command.name != "add":
        return None
    text, nag = strip_phrases(command.argument)
    if nag is None:
        return None
    return add(services, actor, command, text, nag)


def strip_phrases(text: str) -> tuple[str, dict[str, Any] | None]:
    """The words without the until-done parts, and what they asked for (None when they asked nothing)."""
    every: int | None = None
    if match := _REPEAT.search(text):
        every = _seconds(match.group(1) or "1", match.group(2))
        text = text[: match.start()] + text[match.end() :]
    if match := _SOMEONE.search(text):
        every = every or DEFAULT_EVERY_SECONDS
        text = text[: match.start()] + text[match.end() :]
    escalate_to, escalate_after = None, None
    if match := _ESCALATE.search(text):
        escalate_to, escalate_after = _lead(match.group(1)), _seconds(match.group(2), match.group(3))
        text = text[: match.start()] + text[match.end() :]
    if every is None:
        if escalate_to is not None:
            raise UsageError("Escalation is for reminders that repeat until someone marks them done", EXAMPLE)
        return text, None
    _check(every, escalate_after)
    nag = {"every": every, "max": MAX_REPEATS, "escalate_to": escalate_to, "escalate_after": escalate_after}
    return text.strip(), nag


def add(services: Services, actor: Actor, command: Command, text: str, nag: dict[str, Any]) -> Reply:
    now = services.clock()
    region = holidays.region_of(services, actor.team_id)
    what, schedule = schedules.split_what_when(text, now=now, tz=actor.zone, holidays=region)
    what = create.check_what(unquote(what) or what)
    runs = schedules.upcoming(schedule, after=now)
    if not runs:
        raise UsageError("That schedule has no runs in the future", EXAMPLE)
    channel_id = command.channel_id or actor.channel_id
    when = create.when_text(text, what)
    with transaction(services.sessions) as session:
        trigger = create.save(
            session, actor, channel_id=channel_id, what=what, schedule=schedule, when=when, first=runs[0]
        )
        trigger.payload = {**(trigger.payload or {}), "until_done": nag}
    send_if_due(services, team_id=actor.team_id, number=trigger.number, now=now, next_run_at=runs[0])
    headline = f":white_check_mark: Scheduled *#{trigger.number}*"
    passed = schedules.passed_holidays(schedule, now, runs[-1])
    reply = confirmation(trigger, schedules.describe(schedule), runs, headline=headline, passed=passed)
    return Reply(reply.text, [*reply.blocks[:2], section(describe(nag)), *reply.blocks[2:]])


def describe(nag: dict[str, Any]) -> str:
    line = (
        f"*Until done:* posted again every {_duration(int(nag['every']))} in its thread, up to {nag['max']} times, "
        "until someone presses *Done*"
    )
    if nag.get("escalate_to"):
        line += f"; <@{nag['escalate_to']}> is told after {_duration(int(nag['escalate_after']))}"
    return line


@dataclass(frozen=True)
class DonePress:
    """What a Done press did: whether it marked the reminder, who did and when, and the messages to edit."""

    won: bool
    done_by: str
    done_at: datetime
    zone: str
    channel_id: str
    first_ts: str | None
    what: str


def press_done(services: Services, actor: Actor, value: str) -> DonePress:
    number, first_run_id = _done_value(value)
    trigger = visibility.visible_trigger(services, actor, number)
    now = services.clock()
    with transaction(services.sessions) as session:
        marked = untildone.mark_done(
            session,
            team_id=actor.team_id,
            trigger_id=trigger.id,
            first_run_id=first_run_id,
            user_id=actor.user_id,
            now=now,
        )
        if marked.won:
            repository.record_audit(
                session,
                team_id=actor.team_id,
                actor_id=actor.user_id,
                action="done",
                target_id=trigger.id,
                command=actor.command,
                detail={"run_id": first_run_id, "released": marked.released},
            )
    what = str((trigger.payload or {}).get("text") or "")
    return DonePress(
        marked.won, marked.done_by, marked.done_at, trigger.zone, trigger.channel_id, marked.slack_ts, what
    )


def done_line(press: DonePress) -> str:
    local = press.done_at.astimezone(ZoneInfo(press.zone))
    return f"✅ Done by <@{press.done_by}> at <!date^{int(press.done_at.timestamp())}^{{time}}|{local:%H:%M}>"


def done_message(press: DonePress) -> dict[str, Any]:
    """The reminder as it reads once done: what it asked, who did it and when, and no buttons."""
    line = done_line(press)
    return {"text": f"{line}: {press.what}"[:3000], "blocks": [section(press.what), context(line)]}


def already_done(press: DonePress) -> Reply:
    return Reply(f":information_source: Already marked done: {done_line(press)}. Nothing more will be posted.")


def with_done(services: Services, actor: Actor, number: int, reply: Reply) -> Reply:
    """`history N` with who marked each reminder done, and when."""
    with transaction(services.sessions) as session:
        trigger = repository.get_trigger(session, team_id=actor.team_id, number=number)
        done = untildone.marked_done(session, team_id=actor.team_id, trigger_id=trigger.id, limit=HISTORY_LIMIT)
    if not done:
        return reply
    lines = [
        f"• {slack_date(run.due_at, trigger.zone)} · ✅ <@{run.done_by}> at {slack_date(run.done_at, trigger.zone)}"
        for run in done
        if run.done_at is not None
    ]
    return Reply(reply.text, [*reply.blocks, section("*Marked done*\n" + "\n".join(lines))])


def _done_value(value: str) -> tuple[int, int]:
    parts = value.split()
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 10 for p in parts):
        raise UsageError("That button does not name a reminder I know", "/schedule list")
    number, run_id = int(parts[0]), int(parts[1])
    if not 1 <= number <= MAX_NUMBER:
        raise UsageError("That button does not name a reminder I know", "/schedule list")
    return number, run_id


def _lead(word: str) -> str:
    match = _MENTION.match(word.rstrip(","))
    if match is None:
        raise UsageError(
            f"I could not find the person “{word[:40]}”. Pick them from Slack's list as you type @", EXAMPLE
        )
    return match.group(1)


def _seconds(count: str, unit: str) -> int:
    return int(count) * (3600 if unit.lower().startswith("h") else 60)


def _check(every: int, escalate_after: int | None) -> None:
    if not MIN_EVERY_SECONDS <= every <= MAX_EVERY_SECONDS:
        raise UsageError("A reminder can repeat every minute at the most, and every 24 hours at the least", EXAMPLE)
    if escalate_after is not None and not 0 < escalate_after <= every * MAX_REPEATS:
        raise UsageError(
            f"The escalation must come before the last repeat ({MAX_REPEATS} × {_duration(every)})",
            f"{EXAMPLE}, escalate to @lead after 2 hours",
        )


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    minutes = seconds // 60
    return "minute" if minutes == 1 else f"{minutes} minutes"
