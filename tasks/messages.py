"""What a run posts: its text with the buttons the bot handles, the missed-runs note, failure notices."""

from __future__ import annotations

from typing import Any

from storage.claims import KIND_CATCH_UP
from tasks.runstate import RunView
from tasks.slack import Message

SKIP_ACTION = "schedulebot.skip"
PAUSE_ACTION = "schedulebot.pause"
SNOOZE_ACTION = "schedulebot.snooze"
# The action kinds of an event's own triggers (reminders, start, end, notices): their text names the event.
EVENT_KIND_PREFIX = "event_"
# "Not me, hand to next" on a rotation's post; value = "<trigger number> <run id> <turn shown>".
HAND_ON_ACTION = "schedulebot.hand_on"
# "Done" on a reminder that repeats until done; value = "<trigger number> <id of the run that first posted it>".
DONE_ACTION = "schedulebot.done"


def run_message(view: RunView, text: str) -> Message:
    """The run's result, who scheduled it, and "Skip next" and "Pause" for a series, "Snooze" for a reminder.

    `text` stays exactly the run's text (tooling matches on it); the attribution is a context block.
    """
    note = missed_note(view)
    text = until_done_text(view, rotation_text(view, text))
    full = f"{note}\n{text}" if note else text
    blocks: list[dict[str, Any]] = [_section(full)]
    buttons = _buttons(view) + rotation_buttons(view) + done_buttons(view)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"schedulebot.run.{view.run_id}", "elements": buttons})
    blocks.append(attribution(view))
    return Message(text=full, blocks=blocks, thread_ts=view.reply_thread)


def attribution(view: RunView) -> dict[str, Any]:
    """`Scheduled by @ana · #12`: every post a schedule makes names the person who scheduled it."""
    who = f"<@{view.creator_id}>" if view.creator_id else "someone no longer known"
    line = f"Scheduled by {who}"
    if not view.action_kind.startswith(EVENT_KIND_PREFIX):
        line += f" · #{view.number}"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}


def missed_note(view: RunView) -> str | None:
    if view.kind != KIND_CATCH_UP or view.missed_count <= 0:
        return None
    plural = "run was" if view.missed_count == 1 else "runs were"
    return f"_{view.missed_count} {plural} missed while schedulebot was down (misfire policy: {view.misfire_policy})._"


def failure_message(view: RunView, error: str, *, attempts: int) -> Message:
    tries = "attempt" if attempts == 1 else "attempts"
    text = f":warning: Schedule #{view.number} failed after {attempts} {tries}: {error}"
    return Message(text=text, blocks=[_section(text), attribution(view)])


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _buttons(view: RunView) -> list[dict[str, Any]]:
    value = str(view.number)
    if view.recurring:
        return [_button("Skip next", SKIP_ACTION, value), _button("Pause", PAUSE_ACTION, value)]
    if view.action_kind == "message":
        return [_button("Snooze", SNOOZE_ACTION, value)]
    return []


def _button(label: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id, "value": value}


def rotation_text(view: RunView, text: str) -> str:
    """A rotating schedule's post names whose turn it is: `<@U2>: run the standup`."""
    person = view.on_turn
    return f"<@{person}>: {text}" if person else text


def rotation_buttons(view: RunView) -> list[dict[str, Any]]:
    if view.on_turn is None:
        return []
    return [_button("Not me, hand to next", HAND_ON_ACTION, f"{view.number} {view.run_id} {view.rotation_turn}")]


def until_done_text(view: RunView, text: str) -> str:
    """A repeat says it is one, and the first repeat past the escalation time mentions who it escalates to."""
    nag = view.until_done
    if nag is None or view.repeat_of is None:
        return text
    number = view.repeat_number
    lead = f"Still not done (reminder {number + 1} of {int(nag['max']) + 1}): "
    if _escalates(nag, number):
        lead = f"<@{nag['escalate_to']}>, this is still not done after {_hours(int(nag['escalate_after']))}: "
    return lead + text


def done_buttons(view: RunView) -> list[dict[str, Any]]:
    if view.until_done is None:
        return []
    first = view.repeat_of or view.run_id
    return [{**_button("Done", DONE_ACTION, f"{view.number} {first}"), "style": "primary"}]


def _escalates(nag: dict[str, Any], number: int) -> bool:
    """The first repeat at or after the escalation time, and only that one."""
    if not nag.get("escalate_to") or not nag.get("escalate_after"):
        return False
    every, after = int(nag["every"]), int(nag["escalate_after"])
    return number * every >= after > (number - 1) * every


def _hours(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
