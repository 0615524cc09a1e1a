"""What a run posts: its text with the buttons the bot handles, the missed-runs note, failure notices."""

from __future__ import annotations

from typing import Any

from storage.claims import KIND_CATCH_UP
from tasks.runstate import RunView
from tasks.slack import Message

SKIP_ACTION = "schedulebot.skip"
PAUSE_ACTION = "schedulebot.pause"
SNOOZE_ACTION = "schedulebot.snooze"
# "Not me, hand to next" on a rotation's post; value = "<trigger number> <run id> <turn shown>".
HAND_ON_ACTION = "schedulebot.hand_on"


def run_message(view: RunView, text: str) -> Message:
    """The run's result, with "Skip next" and "Pause" for a series, "Snooze" for a one-off reminder."""
    note = missed_note(view)
    text = rotation_text(view, text)
    full = f"{note}\n{text}" if note else text
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": full[:3000]}}]
    buttons = _buttons(view) + rotation_buttons(view)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"schedulebot.run.{view.run_id}", "elements": buttons})
    return Message(text=full, blocks=blocks)


def missed_note(view: RunView) -> str | None:
    if view.kind != KIND_CATCH_UP or view.missed_count <= 0:
        return None
    plural = "run was" if view.missed_count == 1 else "runs were"
    return f"_{view.missed_count} {plural} missed while schedulebot was down (misfire policy: {view.misfire_policy})._"


def failure_message(view: RunView, error: str, *, attempts: int) -> Message:
    tries = "attempt" if attempts == 1 else "attempts"
    return Message(text=f":warning: Schedule #{view.number} failed after {attempts} {tries}: {error}")


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
