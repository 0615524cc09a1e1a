"""Rotations: `rotate @ana @bo @cy to run the standup every weekday at 9:30am`, and `rotation N …` to manage one.

Each run names whose turn it is; the workers pass the turn on as they record the run (tasks/runstate.py).
The commands here change the order or the turn, guarded by the turn they read, creator or admin only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import schedules, visibility
from bot.blocks import Reply, confirmation, context, holiday_line, quote, section, slack_date, what_of
from bot.commands import create, holidays
from bot.commands.changes import change, send_if_due
from bot.commands.grammar import MAX_NUMBER, Command, drop_words, unquote
from bot.commands.reads import describe_stored
from bot.context import Actor, Services
from bot.errors import Conflict, UsageError
from bot.schedules import Passed
from storage import repository, rotations
from storage.db import transaction
from storage.models import Trigger, TriggerState
from storage.rotations import MAX_MEMBERS, Held, Turns

ROTATE_EXAMPLE = "/schedule #ops rotate @ana @bo @cy to run the standup every weekday at 9:30am"
# How many coming runs `rotation N` shows with the person each one names.
PREVIEW_RUNS = 5
MIN_MEMBERS = 2
ACTIONS = ("skip", "swap", "add", "remove", "next", "rotate", "every", "posted")

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>,?$")
_ROTATE = re.compile(r"^rotate\s+(?:<@|@)", re.IGNORECASE)
_MANAGE = re.compile(r"^rotation\s+#?(\d{1,12})(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
# `…, rotate on every run` / `rotate on posted runs` at the end of a new rotation.
_MODE_SUFFIX = re.compile(r"[\s,;]+rotate\s+on\s+(every|posted)\s+runs?\s*$", re.IGNORECASE)
_EVERY_WORDS = ("every", "all")
# The action id of the post's "Not me, hand to next" button (tasks/messages.py puts it there).
HAND_ON_ACTION = "schedulebot.hand_on"
_NAMED = re.compile(r"<@[UW][A-Z0-9]+>:")


def route(services: Services, actor: Actor, command: Command) -> Reply | None:
    """The reply when the words add or manage a rotation; None when they are some other schedule."""
    if command.name != "add":
        return None
    text = command.argument.strip()
    if _ROTATE.match(text):
        return add(services, actor, command, text)
    if match := _MANAGE.match(text):
        return manage(services, actor, _number(match.group(1)), (match.group(2) or "").split())
    return None


def add(services: Services, actor: Actor, command: Command, text: str) -> Reply:
    members, rest = _leading_members(text.split(maxsplit=1)[1] if " " in text else "")
    rest, every_run = _mode(rest)
    now = services.clock()
    region = holidays.region_of(services, actor.team_id)
    what, schedule = schedules.split_what_when(rest, now=now, tz=actor.zone, holidays=region)
    what = create.check_what(unquote(what) or what)
    runs = schedules.upcoming(schedule, after=now)
    if not runs:
        raise UsageError("That schedule has no runs in the future", ROTATE_EXAMPLE)
    channel_id = command.channel_id or actor.channel_id
    when = create.when_text(rest, what)
    with transaction(services.sessions) as session:
        trigger = create.save(
            session, actor, channel_id=channel_id, what=what, schedule=schedule, when=when, first=runs[0]
        )
        rotations.create_rotation(session, trigger_id=trigger.id, members=members, every_run=every_run)
    send_if_due(services, team_id=actor.team_id, number=trigger.number, now=now, next_run_at=runs[0])
    reply = confirmation(
        trigger,
        schedules.describe(schedule),
        runs,
        headline=f":arrows_counterclockwise: Scheduled rotation *#{trigger.number}*",
        passed=schedules.passed_holidays(schedule, now, runs[-1]),
    )
    turns = Turns(tuple(members), 0, every_run)
    return Reply(reply.text, [*reply.blocks[:2], section(order_text(turns)), *reply.blocks[2:]])


def manage(services: Services, actor: Actor, number: int, words: list[str]) -> Reply:
    if not words:
        return show(services, actor, number)
    verb = words[0].lower()
    if verb not in ACTIONS:
        raise UsageError(
            f"I can `skip`, `swap`, `add`, `remove` or `next` in a rotation, not “{words[0][:40]}”", _ex(number)
        )
    now = services.clock()

    def apply(session: Session, trigger: Trigger) -> Reply:
        read = _turns(session, trigger)
        new = _changed(read, verb, words[1:], number)
        if not rotations.replace_turns(session, trigger_id=trigger.id, read=read, new=new):
            raise Conflict(
                f"#{number} just posted and passed the turn on; look again and retry", f"/schedule rotation {number}"
            )
        held = rotations.held_turns(session, trigger_id=trigger.id, turns=new, now=now)
        blocks = _rotation_blocks(trigger, new, now, held)
        return Reply(f":arrows_counterclockwise: Rotation *#{number}* changed.", blocks)

    return change(services, actor, number, "rotation", apply)


def show(services: Services, actor: Actor, number: int) -> Reply:
    trigger = visibility.visible_trigger(services, actor, number)
    now = services.clock()
    with transaction(services.sessions) as session:
        turns = _turns(session, trigger)
        held = rotations.held_turns(session, trigger_id=trigger.id, turns=turns, now=now)
    return Reply(f"Rotation #{number}: next is <@{turns.next_person}>", _rotation_blocks(trigger, turns, now, held))


def with_rotation(services: Services, actor: Actor, number: int, reply: Reply) -> Reply:
    """`show N` with the rotation's order and who is next, when the schedule rotates."""
    with transaction(services.sessions) as session:
        trigger = repository.get_trigger(session, team_id=actor.team_id, number=number)
        turns = rotations.read_turns(session, trigger_id=trigger.id)
    if turns is None or not reply.blocks:
        return reply
    return Reply(reply.text, [*reply.blocks[:2], section(order_text(turns)), *reply.blocks[2:]])


def home_lines(session: Session, triggers: Sequence[Trigger]) -> dict[int, str]:
    """A line per rotating schedule for App Home: who is next."""
    found = rotations.turns_for(session, [t.id for t in triggers])
    return {
        trigger_id: f"\n:arrows_counterclockwise: next: <@{t.next_person}>"
        for trigger_id, t in found.items()
        if t.members
    }


def order_text(turns: Turns) -> str:
    order = " → ".join(f"<@{member}>" for member in turns.members)
    mode = "every run" if turns.every_run else "each posted run"
    return f"*Rotation:* {order}\n*Next:* <@{turns.next_person}> · the turn passes on {mode}"


def _rotation_blocks(trigger: Trigger, turns: Turns, now: datetime, held: Held) -> list[dict[str, Any]]:
    coming = _coming(trigger, turns, now, held)
    blocks = [
        section(f"*Rotation #{trigger.number}* · {describe_stored(trigger)} · {quote(what_of(trigger)[:200])}"),
        section(order_text(turns)),
    ]
    if coming:
        blocks.append(section("*Next runs:*\n" + "\n".join(coming)))
    blocks.append(
        context(
            f"Change it: `/schedule rotation {trigger.number} skip`, `swap @a @b`, `add @dee`, `remove @bo`, "
            "`next @cy`, `rotate on every run`"
        )
    )
    return blocks


def _coming(trigger: Trigger, turns: Turns, now: datetime, held: Held) -> list[str]:
    """The next runs, each with the person it names, and the holidays passed among them.

    A run or holiday that already holds a turn (pinned by a claim, passed by one) shows it. On every run, a
    holiday still to pass takes the next turn, unless it comes before the next run the schedule holds (before
    the rotation's first run).
    """
    if trigger.state != TriggerState.ACTIVE.value:
        return []
    schedule = schedules.load(trigger.schedule)
    runs = schedules.upcoming(schedule, after=now, count=PREVIEW_RUNS)
    passed = schedules.passed_holidays(schedule, now, runs[-1]) if runs else []
    start = trigger.next_run_at or now
    taking = {p.at for p in passed if turns.every_run and p.moved_to is None and p.at > start}
    coming: list[tuple[datetime, Passed | None]] = sorted(
        [(at, None) for at in runs] + [(p.at, p) for p in passed], key=lambda item: item[0]
    )
    lines, free = [], held.free
    for at, holiday in coming:
        turn = held.pinned.get(at)
        if holiday is not None:
            if turn is None and at in taking:
                free += 1
            lines.append(holiday_line(holiday, "; the turn passes" if turn is not None or at in taking else ""))
            continue
        if turn is None:
            turn, free = free, free + 1
        lines.append(f"• {slack_date(at, trigger.zone)} · <@{rotations.person_at(turns.members, turn)}>")
    return lines


def _turns(session: Session, trigger: Trigger) -> Turns:
    turns = rotations.read_turns(session, trigger_id=trigger.id, lock=True)
    if turns is None or not turns.members:
        raise Conflict(f"#{trigger.number} is not a rotation. Make one like this", ROTATE_EXAMPLE)
    return turns


def _changed(read: Turns, verb: str, args: list[str], number: int) -> Turns:
    if verb == "skip":
        return replace(read, turn=read.turn + 1)
    if verb in ("rotate", "every", "posted"):
        return replace(read, every_run=_mode_word(verb, args, number))
    people = _mentions(args, number, verb)
    if verb == "swap":
        return _swap(read, people, number)
    if verb == "add":
        return _add_member(read, people, number)
    if verb == "remove":
        return _remove_member(read, people, number)
    return _next(read, people, number)


def _mode_word(verb: str, args: list[str], number: int) -> bool:
    words = [w.lower() for w in ([verb, *args] if verb != "rotate" else args)]
    if words and words[0] == "on":
        words = words[1:]
    if words and words[0] in (*_EVERY_WORDS, "posted"):
        return words[0] in _EVERY_WORDS
    raise UsageError(
        "Say `rotate on every run` or `rotate on posted runs`", f"/schedule rotation {number} rotate on every run"
    )


def _swap(read: Turns, people: list[str], number: int) -> Turns:
    if len(people) != 2:
        raise UsageError("Swap takes two people", f"/schedule rotation {number} swap @ana @bo")
    first, second = (_index(read, person, number) for person in people)
    members = list(read.members)
    members[first], members[second] = members[second], members[first]
    return replace(read, members=tuple(members))


def _add_member(read: Turns, people: list[str], number: int) -> Turns:
    for person in people:
        if person in read.members:
            raise Conflict(f"<@{person}> is already in rotation #{number}", f"/schedule rotation {number}")
    members = (*read.members, *people)
    if len(members) > MAX_MEMBERS:
        raise UsageError(f"A rotation can name up to {MAX_MEMBERS} people", f"/schedule rotation {number} remove @bo")
    return _rebased(read, members, read.next_person)


def _remove_member(read: Turns, people: list[str], number: int) -> Turns:
    for person in people:
        _index(read, person, number)
    members = tuple(m for m in read.members if m not in people)
    if len(members) < MIN_MEMBERS:
        raise Conflict(
            f"A rotation needs at least {MIN_MEMBERS} people; cancel #{number} instead", f"/schedule cancel {number}"
        )
    after = [read.person(n) for n in range(len(read.members)) if read.person(n) not in people]
    return _rebased(read, members, after[0])


def _next(read: Turns, people: list[str], number: int) -> Turns:
    if len(people) != 1:
        raise UsageError("Name one person to go next", f"/schedule rotation {number} next @cy")
    _index(read, people[0], number)
    return _rebased(read, read.members, people[0])


def _rebased(read: Turns, members: Sequence[str], next_person: str) -> Turns:
    """The same turn count moved forward just enough that `next_person` is next in `members`."""
    turn = read.turn + (members.index(next_person) - read.turn) % len(members)
    return Turns(tuple(members), turn, read.every_run)


def _index(read: Turns, person: str, number: int) -> int:
    if person not in read.members:
        raise Conflict(f"<@{person}> is not in rotation #{number}", f"/schedule rotation {number}")
    return read.members.index(person)


def _leading_members(text: str) -> tuple[list[str], str]:
    """The mentions after `rotate` (commas and `and` allowed), and the words after them."""
    members: list[str] = []
    words = text.split()
    taken = 0
    for word in words:
        if word.lower() in ("and", ","):
            taken += 1
            continue
        match = _MENTION.match(word)
        if match is None:
            break
        taken += 1
        if match.group(1) not in members:
            members.append(match.group(1))
    _check_members(members, words[taken] if taken < len(words) else "")
    return members, drop_words(text, taken)


def _check_members(members: list[str], stopped_at: str) -> None:
    if stopped_at.startswith("@"):
        raise UsageError(
            f"I could not find the person “{stopped_at[:40]}”. Pick people from Slack's list as you type @",
            ROTATE_EXAMPLE,
        )
    if len(members) < MIN_MEMBERS:
        raise UsageError(f"A rotation needs at least {MIN_MEMBERS} people, named with @", ROTATE_EXAMPLE)
    if len(members) > MAX_MEMBERS:
        raise UsageError(f"A rotation can name up to {MAX_MEMBERS} people", ROTATE_EXAMPLE)


def _mentions(args: list[str], number: int, verb: str) -> list[str]:
    people = []
    for word in args:
        match = _MENTION.match(word)
        if match is None:
            raise UsageError(
                f"“{word[:40]}” is not a person; pick them from Slack's list as you type @", _ex(number, verb)
            )
        people.append(match.group(1))
    if not people:
        raise UsageError("Who? Name them with @", _ex(number, verb))
    return people


def _mode(text: str) -> tuple[str, bool]:
    match = _MODE_SUFFIX.search(text)
    if match is None:
        return text, False
    return text[: match.start()], match.group(1).lower() == "every"


def _number(digits: str) -> int:
    number = int(digits)
    if not 1 <= number <= MAX_NUMBER:
        raise UsageError(f"There is no schedule #{number} in this workspace", "/schedule list")
    return number


def _ex(number: int, verb: str = "next") -> str:
    examples = {"swap": "swap @ana @bo", "add": "add @dee", "remove": "remove @bo"}
    return f"/schedule rotation {number} {examples.get(verb, 'next @cy')}"


@dataclass(frozen=True)
class HandedOn:
    """A "Not me" press that moved the run to the next person: who, and the button's new value."""

    person: str
    value: str


def hand_on(services: Services, actor: Actor, value: str) -> HandedOn:
    """ "Not me, hand to next" on a rotation's post: this run names the next person, the rotation goes on after."""
    number, run_id, turn = _hand_on_value(value)
    trigger = visibility.visible_trigger(services, actor, number)
    with transaction(services.sessions) as session:
        turns = _turns(session, trigger)
        if not rotations.hand_on(session, team_id=actor.team_id, run_id=run_id, trigger_id=trigger.id, turn=turn):
            raise Conflict("This run was already handed on; the message shows who has it now")
        repository.record_audit(
            session,
            team_id=actor.team_id,
            actor_id=actor.user_id,
            action="hand on",
            target_id=trigger.id,
            command=actor.command,
            detail={"run_id": run_id, "turn": turn + 1},
        )
    return HandedOn(person=turns.members[(turn + 1) % len(turns.members)], value=f"{number} {run_id} {turn + 1}")


def handed_message(message: dict[str, Any], handed: HandedOn, *, by: str) -> dict[str, Any]:
    """The post as it reads after the hand-on: the new person named first, the button ready to hand on again."""
    text = _renamed(str(message.get("text") or ""), handed.person)
    blocks = [_handed_block(block, handed) for block in message.get("blocks") or []]
    blocks.append(context(f"<@{by}> handed this to <@{handed.person}>"))
    return {"text": text, "blocks": blocks}


def _handed_block(block: dict[str, Any], handed: HandedOn) -> dict[str, Any]:
    if block.get("type") == "section" and isinstance((block.get("text") or {}).get("text"), str):
        return {**block, "text": {**block["text"], "text": _renamed(block["text"]["text"], handed.person)}}
    if block.get("type") == "actions":
        elements = [
            {**e, "value": handed.value} if e.get("action_id") == HAND_ON_ACTION else e for e in block["elements"]
        ]
        return {**block, "elements": elements}
    return block


def _renamed(text: str, person: str) -> str:
    """`<@UBO>: run the standup` → `<@UCY>: run the standup` (a missed-runs note may come first)."""
    return _NAMED.sub(f"<@{person}>:", text, count=1)


def _hand_on_value(value: str) -> tuple[int, int, int]:
    parts = value.split()
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 10 for p in parts):
        raise UsageError("That button does not name a rotation I know", "/schedule list")
    number, run_id, turn = (int(p) for p in parts)
    return _number(str(number)), run_id, turn
