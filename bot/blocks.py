"""Block Kit for replies: confirmations, schedule summaries, buttons and Slack date tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.schedules import Passed
from storage.events.display import slack_date
from storage.models import Trigger

# Action ids of every button the bot shows or that workers put on their posts; value = trigger number.
ACTION_PAUSE = "schedulebot.pause"
ACTION_RESUME = "schedulebot.resume"
ACTION_CANCEL = "schedulebot.cancel"
ACTION_RUN = "schedulebot.run"
ACTION_SKIP = "schedulebot.skip"
ACTION_SNOOZE = "schedulebot.snooze"
ACTION_NEW = "schedulebot.new"
# Slack refuses a section text over 3000 characters; quotes of long messages are cut well before.
MAX_QUOTE_CHARS = 600
MAX_SECTION_CHARS = 2900
STATE_ICONS = {"active": ":large_green_circle:", "paused": ":double_vertical_bar:", "completed": ":white_check_mark:"}
STATE_ICONS["cancelled"] = ":no_entry_sign:"

Block = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """What the user sees: `text` is the notification and fallback, `blocks` the layout (optional)."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks} if self.blocks else {"text": self.text}

    def with_note(self, note: str) -> Reply:
        """The same reply with a small note under it (say, that the time zone fell back to UTC)."""
        if not note:
            return self
        if self.blocks:
            return Reply(self.text, [*self.blocks, context(note)])
        return Reply(f"{self.text}\n_{note}_")


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}]}


def button(label: str, action_id: str, value: str, *, style: str | None = None, confirm: Block | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def cancel_confirm(number: int) -> Block:
    return {
        "title": {"type": "plain_text", "text": f"Cancel #{number}?"},
        "text": {"type": "mrkdwn", "text": "It will not run again. This cannot be undone."},
        "confirm": {"type": "plain_text", "text": "Cancel it"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }


def quote(text: str) -> str:
    cut = text if len(text) <= MAX_QUOTE_CHARS else text[:MAX_QUOTE_CHARS] + "…"
    return "\n".join(f"> {line}" for line in cut.splitlines() or [""])


def what_of(trigger: Trigger) -> str:
    return str((trigger.payload or {}).get("text", ""))


def where(channel_id: str, user_id: str | None = None) -> str:
    if channel_id.startswith(("U", "W")) or channel_id == user_id:
        return "your DMs with me"
    if channel_id.startswith("D"):
        return "this conversation"
    return f"<#{channel_id}>"


def state_label(trigger: Trigger) -> str:
    return f"{STATE_ICONS.get(trigger.state, '')} {trigger.state}".strip()


def trigger_buttons(trigger: Trigger) -> Block:
    """Pause or Resume, Run now and Cancel, for one trigger that is still live."""
    value = str(trigger.number)
    toggle = (
        button("Resume", ACTION_RESUME, value, style="primary")
        if trigger.state == "paused"
        else button("Pause", ACTION_PAUSE, value)
    )
    return actions(
        f"trigger-{trigger.number}",
        [
            toggle,
            button("Run now", ACTION_RUN, value),
            button("Cancel", ACTION_CANCEL, value, style="danger", confirm=cancel_confirm(trigger.number)),
        ],
    )


def runs_list(runs: Iterable[datetime], zone: str, passed: Sequence[Passed] = (), *, paused: bool = False) -> str:
    """The runs, one a line, marked when paused; `passed`: holidays skipped or moved among them, in their place."""
    mark = " · :double_vertical_bar: paused" if paused else ""
    lines = [(moment, f"• {slack_date(moment, zone)}{mark}") for moment in runs]
    lines += [(p.at, holiday_line(p)) for p in passed]
    return (
        "\n".join(line for _, line in sorted(lines, key=lambda item: item[0]))
        or "• none: this schedule has no runs left"
    )


def holiday_line(passed: Passed, note: str = "") -> str:
    """A rule date a holiday skipped or moved, as a line among the runs: `• (Fri Dec 25 is Christmas Day, skipped)`."""
    return f"• _({_day(passed.day)} is {passed.holiday}, {_fate(passed)}{note})_"


def _day(day: date) -> str:
    return f"{day:%a %b} {day.day}"


def _fate(passed: Passed) -> str:
    return "skipped" if passed.moved_to is None else f"moved to {_day(passed.moved_to)}"


def confirmation(
    trigger: Trigger, description: str, runs: Sequence[datetime], *, headline: str, passed: Sequence[Passed] = ()
) -> Reply:
    """What will be posted, where, when in words, the next runs (holidays passed among them), and buttons."""
    blocks = [
        section(f"{headline}\n{quote(what_of(trigger))}"),
        section(
            f"*Where:* {where(trigger.channel_id, trigger.creator_id)}\n"
            f"*When:* {description}\n*Next runs:*\n"
            f"{runs_list(runs, trigger.zone, passed, paused=trigger.state == 'paused')}"
        ),
        trigger_buttons(trigger),
        context(f"Change it with `/schedule edit {trigger.number} <when>` · see them all with `/schedule list`"),
    ]
    first = f" First run {slack_date(runs[0], trigger.zone)}." if runs else ""
    return Reply(f"{_plain(headline)}: {what_of(trigger)[:200]}.{first}", blocks)


def summary_line(trigger: Trigger, description: str) -> str:
    """One schedule in a list: number, where, when, next run, state, and what it posts."""
    if trigger.next_run_at is not None and trigger.state == "active":
        next_part = f"next {slack_date(trigger.next_run_at, trigger.zone)}"
    else:
        next_part = state_label(trigger)
    head = f"*#{trigger.number}* · {where(trigger.channel_id, trigger.creator_id)} · {description} · {next_part}"
    return f"{head}\n{quote(what_of(trigger)[:200])}"


def chunked_sections(lines: Sequence[str]) -> list[Block]:
    """Lines joined into as few sections as Slack's 3000-character limit allows."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 2 > MAX_SECTION_CHARS:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "").replace(":white_check_mark: ", "").strip()
