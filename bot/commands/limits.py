"""`/schedule limits` (your usage against every limit) and `/schedule settings` (the workspace's own settings)."""

from __future__ import annotations

from bot import quotas
from bot.blocks import Reply, context, section
from bot.commands.grammar import SETTINGS_EXAMPLE, Command
from bot.context import Actor, Services
from bot.errors import NotAllowed
from bot.schedules import MAX_COMMAND_CHARS, MAX_INPUT_CHARS, MAX_WHEN_TOKENS
from storage import policy, repository
from storage.db import transaction

BROADCASTS_SHOWN = {policy.BROADCASTS_ADMINS: "workspace admins and owners", policy.BROADCASTS_EVERYONE: "everyone"}


def limits(services: Services, actor: Actor) -> Reply:
    limit = quotas.Limits.from_settings(services.settings)
    with transaction(services.sessions) as session:
        used = policy.usage(session, team_id=actor.team_id, creator_id=actor.user_id, channel_id=actor.channel_id)
        who = policy.broadcasts(session, team_id=actor.team_id)
    interval = "no limit for you (you are a workspace admin)" if actor.is_admin else f"every {_minutes(limit)}"
    lines = [
        f"• Live schedules in this workspace: *{used.workspace:,}* of {limit.workspace:,}",
        f"• Yours: *{used.person:,}* of {limit.person:,}",
        f"• In <#{actor.channel_id}>: *{used.channel:,}* of {limit.channel:,}",
        f"• Shortest repeat for people who are not admins: {_minutes(limit)}; {interval}",
        f"• `run now`: once every {int(limit.run_now.total_seconds())} seconds per schedule",
        f"• Broadcast mentions (@channel, @here, @everyone, user groups): {BROADCASTS_SHOWN[who]}",
        f"• A command: at most {MAX_COMMAND_CHARS:,} characters; the time at its end: at most "
        f"{MAX_INPUT_CHARS} characters and {MAX_WHEN_TOKENS} words",
    ]
    blocks = [
        section("*Limits* (live means active or paused)\n" + "\n".join(lines)),
        context("The operator sets the numbers (SCHEDULEBOT_MAX_TRIGGERS_PER_WORKSPACE, …); an admin sets "
                f"who may use broadcast mentions: `{SETTINGS_EXAMPLE}`"),
    ]  # fmt: skip
    return Reply(f"Limits: {used.person:,} of {limit.person:,} schedules are yours", blocks)


def settings(services: Services, actor: Actor, command: Command) -> Reply:
    if not command.argument:
        with transaction(services.sessions) as session:
            who = policy.broadcasts(session, team_id=actor.team_id)
        return Reply(
            f"*Settings of this workspace*\n• `broadcasts {who}`: {BROADCASTS_SHOWN[who]} may schedule @channel, "
            f"@here, @everyone and user-group mentions. Admins change it: `{SETTINGS_EXAMPLE}` or "
            "`/schedule settings broadcasts admins`"
        )
    if not actor.is_admin:
        raise NotAllowed(
            "Only a workspace admin or owner can change the settings. Anyone can look", "/schedule settings"
        )
    value = command.argument.split()[1]
    with transaction(services.sessions) as session:
        policy.set_broadcasts(session, team_id=actor.team_id, value=value, actor_id=actor.user_id)
        repository.record_audit(
            session,
            team_id=actor.team_id,
            actor_id=actor.user_id,
            action="settings",
            target_id=None,
            target_kind="workspace",
            command=actor.command,
            detail={"broadcasts": value},
        )
    return Reply(f":gear: From now on {BROADCASTS_SHOWN[value]} may schedule broadcast mentions in this workspace.")


def _minutes(limit: quotas.Limits) -> str:
    minutes = int(limit.min_interval.total_seconds() // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
