"""Looking without changing: list, show, history; and the user's own time zone. Each sees what bot.visibility allows."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from zoneinfo import available_timezones

from slack_sdk import WebClient

from bot import paging, schedules, visibility
from bot.blocks import Reply, chunked_sections, confirmation, context, section, slack_date, summary_line, where
from bot.commands import untildone
from bot.commands.grammar import ADD_EXAMPLE, Command
from bot.context import Actor, Services
from bot.errors import UsageError
from bot.zones import FALLBACK_NOTE
from storage import repository
from storage.db import transaction
from storage.models import AuditEntry, Run, Trigger

# One page of a list; with its header, notes and buttons a page stays well inside Slack's 50 blocks.
PAGE_SIZE = 40
HISTORY_LIMIT = 10
RESET_WORDS = ("reset", "auto", "slack", "default")


def describe_stored(trigger: Trigger) -> str:
    try:
        return schedules.describe(schedules.load(trigger.schedule))
    except ValueError:
        return trigger.schedule_text or "a schedule I cannot read"


def list_triggers(services: Services, actor: Actor, command: Command) -> Reply:
    """The schedules in the scope asked for that this person may see, a page at a time."""
    scope, filters, words = _list_scope(actor, command)
    with transaction(services.sessions) as session:
        found = repository.list_triggers(session, team_id=actor.team_id, **filters)
    looker = visibility.viewer(services, actor)
    shown = looker.visible(found)
    if not shown:
        reply = Reply(f"There are no schedules {scope} that you can see yet. Add one like this: `{ADD_EXAMPLE}`")
        return reply.with_note(looker.note())
    page = paging.page_of(shown, page=command.page, size=PAGE_SIZE, command=f"/schedule list {words}".strip())
    lines = [summary_line(trigger, describe_stored(trigger)) for trigger in page.items]
    seen = "" if words == "mine" else " that you can see"
    blocks = [section(f"*Schedules {scope}{seen}* ({len(shown)}){page.label}"), *chunked_sections(lines)]
    blocks += paging.next_blocks(page, action_id=paging.ACTION_LIST_PAGE, value=words)
    blocks.append(context("Details: `/schedule show ID` · change: `/schedule pause ID`, `resume`, `cancel`, `edit`"))
    return Reply(f"{len(shown)} schedule(s) {scope}{page.label}", blocks).with_note(looker.note())


def _list_scope(actor: Actor, command: Command) -> tuple[str, dict[str, str], str]:
    """How the list is named, what it filters on, and the words that ask for it again (for the next page)."""
    if command.argument == "mine" or (not command.channel_id and not command.argument and _is_dm(actor)):
        return "you created", {"creator_id": actor.user_id}, "mine"
    if command.argument == "all":
        return "in this workspace", {}, "all"
    channel = command.channel_id or actor.channel_id
    return f"in {where(channel, actor.user_id)}", {"channel_id": channel}, f"<#{channel}>"


def _is_dm(actor: Actor) -> bool:
    return actor.channel_id.startswith("D")


def show(services: Services, actor: Actor, number: int) -> Reply:
    """The schedule as the add reply shows it: its next runs with the holidays passed among them, and until-done."""
    now = services.clock()
    trigger = visibility.visible_trigger(services, actor, number)
    runs: list = []
    passed: list[schedules.Passed] = []
    if trigger.state in ("active", "paused"):
        schedule = schedules.load(trigger.schedule)
        runs = (
            schedules.upcoming(schedule, after=now)
            if trigger.state == "active"  # paused is not finished: the runs it has when resumed, marked paused
            else schedules.resumed_runs(schedule, next_run_at=trigger.next_run_at, after=now)
        )
        passed = schedules.passed_holidays(schedule, now, runs[-1]) if runs else []
    headline = f"*#{number}* · {trigger.state} · created by <@{trigger.creator_id}>"
    reply = confirmation(trigger, describe_stored(trigger), runs, headline=headline, passed=passed)
    if (nag := (trigger.payload or {}).get("until_done")) is not None:
        reply = Reply(reply.text, [*reply.blocks[:2], section(untildone.describe(nag)), *reply.blocks[2:]])
    if trigger.state in ("cancelled", "completed"):
        return Reply(reply.text, [block for block in reply.blocks if block["type"] != "actions"])
    return reply


def history(services: Services, actor: Actor, number: int) -> Reply:
    trigger = visibility.visible_trigger(services, actor, number)
    with transaction(services.sessions) as session:
        runs = repository.list_runs(session, team_id=actor.team_id, number=number, limit=HISTORY_LIMIT)
        changes = repository.list_audit(session, team_id=actor.team_id, target_id=trigger.id, limit=HISTORY_LIMIT)
    blocks = [
        section(f"*History of #{number}* · {describe_stored(trigger)} in {where(trigger.channel_id)}"),
        section("*Runs*\n" + _runs_text(runs, trigger.zone)),
        section("*Changes*\n" + _changes_text(changes, trigger.zone)),
    ]
    return Reply(f"History of #{number}: {len(runs)} run(s), {len(changes)} change(s)", blocks)


def _runs_text(runs: Sequence[Run], zone: str) -> str:
    if not runs:
        return "• none yet"
    lines = []
    for item in runs:
        detail = f": {item.error[:150]}" if item.error else ""
        missed = f" (caught up {item.missed_count} missed)" if item.missed_count else ""
        lines.append(f"• {slack_date(item.due_at, zone)} · {item.kind} · {item.state}{missed}{detail}")
    return "\n".join(lines)


def _changes_text(changes: Sequence[AuditEntry], zone: str) -> str:
    lines = [
        f"• {slack_date(entry.at, zone)} · <@{entry.actor_id}> · {entry.action}"
        + (f" · `{entry.command[:120]}`" if entry.command else "")
        for entry in changes
    ]
    return "\n".join(lines) or "• none"


def time_zone(services: Services, actor: Actor, command: Command, client: WebClient | None) -> Reply:
    wanted = command.argument.strip()
    directory = services.directory
    if not wanted:
        source = "you set it with `/schedule tz`" if actor.profile.overridden else "from your Slack profile"
        note = f"\n_{FALLBACK_NOTE}_" if actor.profile.note else ""
        return Reply(
            f"Your time zone is *{actor.zone}* ({source}). New schedules use it; each schedule keeps the zone "
            f"it was made in. Change it with `/schedule tz Europe/Berlin`.{note}"
        )
    if wanted.lower() in RESET_WORDS:
        profile = directory.reset(client, team_id=actor.team_id, user_id=actor.user_id)
        return Reply(f":earth_africa: Back to your Slack time zone: *{profile.zone}*.")
    zone = canonical_zone(wanted)
    if zone is None:
        raise UsageError(
            f"“{wanted[:64]}” is not a time zone I know. Use a name from the IANA list, like Region/City",
            "/schedule tz Europe/Berlin",
        )
    directory.override(client, team_id=actor.team_id, user_id=actor.user_id, zone=zone)
    return Reply(
        f":earth_africa: Your time zone is now *{zone}*. New schedules use it; existing ones keep theirs. "
        "`/schedule tz reset` goes back to your Slack zone."
    )


def canonical_zone(name: str) -> str | None:
    if (schedules.is_valid_zone(name) and "/" in name) or name == "UTC":
        return name
    return _zones_by_lower().get(name.lower())


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}
