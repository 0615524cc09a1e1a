"""App Home: the user's own reminders and the channel schedules they own, with buttons and "New schedule"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.blocks import ACTION_NEW, Block, actions, button, context, section, summary_line, trigger_buttons
from bot.commands.reads import describe_stored
from bot.commands.rotation import home_lines
from bot.context import Services
from bot.listeners.common import team_of
from storage import repository
from storage.db import transaction
from storage.models import Trigger

# A Home tab holds at most 100 blocks; each schedule takes two, and the rest of the tab about a dozen.
MAX_HOME_TRIGGERS = 40
# Each group keeps at least this many places, so many reminders never hide every channel schedule.
MIN_GROUP_SHARE = MAX_HOME_TRIGGERS // 2


def publish(services: Services, client: WebClient, context_: BoltContext, *, user_id: str, notice: str = "") -> None:
    view = home_view(services, team_id=team_of(context_), user_id=user_id, notice=notice)
    client.views_publish(user_id=user_id, view=view)


def home_view(services: Services, *, team_id: str, user_id: str, notice: str = "") -> dict[str, Any]:
    with transaction(services.sessions) as session:
        mine = repository.list_triggers(session, team_id=team_id, creator_id=user_id)
        rotating = home_lines(session, mine)
    personal = [t for t in mine if _is_personal(t, user_id)]
    channels = [t for t in mine if not _is_personal(t, user_id)]
    blocks: list[Block] = [
        section("*Your schedules*\nEverything you have scheduled, with its next run. Buttons change it at once."),
        actions("home-new", [button("New schedule", ACTION_NEW, "new", style="primary")]),
    ]
    if notice:
        blocks.append(context(notice))
    personal_budget = _share(len(personal), len(channels))
    blocks += _group("Reminders for you", personal, budget=personal_budget, extra=rotating)
    blocks += _group("Channel schedules you own", channels, budget=MAX_HOME_TRIGGERS - personal_budget, extra=rotating)
    if not mine:
        blocks.append(section("Nothing yet. Press *New schedule*, or type `/schedule to stretch every day at 3pm`."))
    blocks.append(context("Type `/schedule help` anywhere to see every command."))
    return {"type": "home", "blocks": blocks}


def _share(personal: int, channels: int) -> int:
    """Places for the first group: all it needs, but never so many that the second gets fewer than its share."""
    if personal + channels <= MAX_HOME_TRIGGERS:
        return personal
    return min(personal, max(MIN_GROUP_SHARE, MAX_HOME_TRIGGERS - channels))


def _group(title: str, triggers: Sequence[Trigger], *, budget: int, extra: dict[int, str]) -> list[Block]:
    if not triggers:
        return []
    shown = triggers[: max(budget, 0)]
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    for trigger in shown:
        line = summary_line(trigger, describe_stored(trigger)) + extra.get(trigger.id, "")
        blocks += [section(line), trigger_buttons(trigger)]
    if len(triggers) > len(shown):
        hidden = len(triggers) - len(shown)
        blocks.append(context(f"…and {hidden} more: `/schedule list mine` shows them all, 40 at a time."))
    return blocks


def _is_personal(trigger: Trigger, user_id: str) -> bool:
    return trigger.channel_id == user_id or trigger.channel_id.startswith("D")
