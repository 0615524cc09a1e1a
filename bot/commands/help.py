"""The help reply: every command with an example that works."""

from __future__ import annotations

from bot.blocks import Reply, context, section
from bot.schedules import MAX_COMMAND_CHARS, MAX_INPUT_CHARS

HELP_LINES = (
    ("`/schedule [#channel] [to|about] <what> <when>`", "/schedule #ops to check the deploy every friday at 4pm"),
    ("`/schedule list [#channel|mine|all] [page N]`", "/schedule list mine page 2"),
    ("`/schedule show ID`", "/schedule show 3"),
    ("`/schedule pause ID` · `resume ID` · `cancel ID`", "/schedule pause 3"),
    ("`/schedule run ID` (post it now)", "/schedule run 3"),
    ("`/schedule skip ID` (skip the next run)", "/schedule skip 3"),
    ("`/schedule snooze ID <duration>` (one-off reminders)", "/schedule snooze 3 20 minutes"),
    ("`/schedule edit ID <when>`", "/schedule edit 3 every monday at 10am"),
    ('`/schedule edit ID "<new text>"`', '/schedule edit 3 "Deploy freeze starts now"'),
    ("`/schedule history ID`", "/schedule history 3"),
    ("`/schedule tz [Zone|reset]`", "/schedule tz Europe/Berlin"),
    ("`/schedule holidays [REGION|off]` (workspace holiday calendar; admins set it)", "/schedule holidays US"),
    ("`/schedule limits` (your schedules against every limit)", "/schedule limits"),
    ("`/schedule settings [broadcasts everyone|admins]` (admins change)", "/schedule settings"),
    (
        "`/schedule [#channel] rotate @a @b @c to <what> <when>`",
        "/schedule #ops rotate @ana @bo to run the standup at 9:30am",
    ),
    ("`/schedule rotation ID [skip|swap @a @b|add @a|remove @a|next @a]`", "/schedule rotation 3 next @cy"),
    (
        "`… repeat every hour until done` · `… until someone marks it done` · `… escalate to @lead after 2 hours`",
        "/schedule #ops to check the backups every day at 9am until someone marks it done",
    ),
)
LIMITS_LINE = (
    f"Limits: a command has at most {MAX_COMMAND_CHARS:,} characters, the time at its end at most {MAX_INPUT_CHARS} "
    "characters; schedules per person, per channel and per workspace are capped, and people who are not admins "
    "repeat at most every few minutes: `/schedule limits` shows your counts."
)
HELP_TEXT = "\n".join(f"• {usage}  e.g. `{example}`" for usage, example in HELP_LINES)


def help_reply(intro: str = "") -> Reply:
    blocks = [
        section((intro + "\n\n" if intro else "") + "*What I can do* (the same words work in `@schedulebot` and DMs)"),
        section(HELP_TEXT),
        context(
            "Times: `in 20 minutes`, `tomorrow at 9am`, `every weekday at 9:30`, `every other friday at 4pm`, "
            '`on March 4th at noon`, `every 2 hours until friday`. Quote the message to be exact: `"standup" at 10am`.'
        ),
        context(LIMITS_LINE),
    ]
    return Reply((intro + " " if intro else "") + "How to use /schedule: " + HELP_LINES[0][1], blocks)


def unknown_reply(word: str, suggestion: str | None) -> Reply:
    intro = f":thinking_face: I don't know the command `{word[:40]}`."
    if suggestion:
        intro += f" Did you mean `/schedule {suggestion}`?"
    return help_reply(intro)
