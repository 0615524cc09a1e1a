"""How an event reads in Slack: the announcement, the short transition posts, the reminder.

Both the bot (announcement, RSVP updates) and the workers (transitions, reminders, `chat.update`)
show events, and the two never import each other, so the one rendering lives here, pure.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage.events.models import LIVE_STATES, Event, EventState, EventTransition

ACTION_GOING = "schedulebot.event_going"
ACTION_NOT_GOING = "schedulebot.event_not_going"
ICONS = {
    EventState.SCHEDULED.value: ":calendar:",
    EventState.ONGOING.value: ":arrow_forward:",
    EventState.COMPLETED.value: ":white_check_mark:",
    EventState.CANCELLED.value: ":no_entry_sign:",
}
# Mentions listed by name before the rest are only counted, so a big RSVP list stays one line.
MAX_MENTIONS = 30

Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack's escaping for text we show: only &, < and > (so `<!channel>` in a title stays words)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_date(moment: datetime, zone: str) -> str:
    """A date token each reader sees in their own zone; the fallback is written in `zone`.

    The one formatter for Slack date tokens: bot/ (confirmations, lists) and tasks/ (event posts) both use it.
    """
    local = moment.astimezone(ZoneInfo(zone))
    hour = local.hour % 12 or 12
    fallback = f"{local:%a %b} {local.day}, {local.year} {hour}:{local:%M %p} {local.tzname()}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def span(event: Event) -> str:
    return f"{slack_date(event.starts_at, event.zone)} – {slack_date(event.ends_at, event.zone)}"


def length(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return " ".join(part for part in parts if part) or "0m"


def mentions(user_ids: list[str]) -> str:
    shown = " ".join(f"<@{user}>" for user in user_ids[:MAX_MENTIONS])
    more = len(user_ids) - MAX_MENTIONS
    return shown + (f" and {more} more" if more > 0 else "") if user_ids else "nobody yet"


def state_label(state: str) -> str:
    return f"{ICONS.get(state, '')} {state}".strip()


def title(event: Event) -> str:
    return f"*{escape(event.title)}*"


def summary_line(event: Event) -> str:
    return f"*#{event.number}* · {title(event)} · {span(event)} · <#{event.channel_id}> · {state_label(event.state)}"


def announcement(event: Event, going: list[str], not_going: list[str]) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the event's announcement, showing its current state and who is going."""
    head = f"{ICONS.get(event.state, '')} {title(event)} · event #{event.number}"
    details = f"*When:* {span(event)} ({length(event.ends_at - event.starts_at)})\n*State:* {state_label(event.state)}"
    blocks: list[Block] = [_section(f"{head}\n{details}"), _context(f"*Going:* {mentions(going)}")]
    if not_going:
        blocks.append(_context(f"*Not going:* {mentions(not_going)}"))
    if event.state in LIVE_STATES:
        value = str(event.id)
        blocks.append(
            {
                "type": "actions",
                "block_id": f"schedulebot.event.{event.id}",
                "elements": [
                    _button("Going", ACTION_GOING, value, style="primary"),
                    _button("Not going", ACTION_NOT_GOING, value),
                ],
            }
        )
    blocks.append(_context(f"Scheduled by <@{event.creator_id}>"))  # every post names who scheduled it
    text = f"{escape(event.title)} · event #{event.number} · {event.state}"
    return text, blocks


def transition_text(event: Event, transition: EventTransition, going: list[str]) -> str:
    """The short post a change of state makes in the event's channel."""
    who = f" by <@{transition.actor_id}>" if transition.actor_id else ""
    name = f"{title(event)} (event #{event.number})"
    if transition.to_state == EventState.CANCELLED.value:
        return f"{ICONS['cancelled']} {name} was cancelled{who}."
    if transition.to_state == EventState.SCHEDULED.value:
        return f":fast_forward: {name} was postponed{who} to {span(event)}."
    if transition.cause == "sweep":
        return f":wrench: {name} is now {transition.to_state}: {escape(transition.note)}."
    if transition.to_state == EventState.ONGOING.value:
        return f"{ICONS['ongoing']} {name} has started{who}. Going: {mentions(going)}"
    return f"{ICONS['completed']} {name} has ended{who}."


def reminder_text(event: Event, lead_seconds: int, going: list[str]) -> str:
    starts = slack_date(event.starts_at, event.zone)
    lead = length(timedelta(seconds=lead_seconds))
    return f":alarm_clock: Reminder: {title(event)} (event #{event.number}) starts in {lead}, {starts}. " + (
        f"Going: {mentions(going)}"
    )


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2900]}]}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}
    element["value"] = value
    if style:
        element["style"] = style
    return element
