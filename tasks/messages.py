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


def run_message(view: RunView, text: str) -> Message:
    """The run's result, who scheduled it, and "Skip next" and "Pause" for a series, "Snooze" for a reminder.

    `text` stays exactly the run's text (tooling matches on it); the attribution is a context block.
    """
    note = missed_note(view)
    full = f"{note}\n{text}" if note else text
    blocks: list[dict[str, Any]] = [_section(full)]
    buttons = _buttons(view)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"schedulebot.run.{view.run_id}", "elements": buttons})
    blocks.append(attribution(view))
    return Message(text=full, blocks=blocks)


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
