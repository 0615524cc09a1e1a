"""The "New schedule" modal's submission: errors inline (`response_action: errors`) or save and confirm."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home, modals, schedules, visibility
from bot.blocks import Reply
from bot.commands import holidays
from bot.commands.create import MAX_WHAT_CHARS, check_new, escape_plain, schedule_new
from bot.context import Actor, Services
from bot.errors import SORRY, UserError
from bot.listeners.common import actor_for, boundary

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def on_new_schedule(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        acked = False

        def apologise(_: Reply) -> None:
            if not acked:
                ack(response_action="errors", errors={modals.BLOCK_WHEN: SORRY[:150]})

        with boundary("new schedule modal", apologise):
            submission = modals.read_submission(view)
            user_id = str((body.get("user") or {}).get("id") or "")
            actor = actor_for(
                services,
                client,
                context,
                user_id=user_id,
                channel_id=submission.channel_id,
                command=f"modal: {submission.when}",
            )
            errors, schedule = validate(submission, actor, services)
            if errors or schedule is None:
                ack(response_action="errors", errors=errors)
                return
            ack()
            acked = True
            try:
                reply = schedule_new(
                    services,
                    actor,
                    channel_id=submission.channel_id,
                    what=escape_plain(submission.what),
                    schedule=schedule,
                    when=submission.when,
                    now=services.clock(),
                )
            except UserError as exc:  # a limit reached by another save since validate(): the form is gone, so say it
                reply = Reply(f":warning: {exc}")
            confirm(client, reply, channel_id=submission.channel_id, user_id=user_id)
            home.publish(services, client, context, user_id=user_id, notice=reply.text)

    app.view(modals.CALLBACK_NEW)(on_new_schedule)


def validate(
    submission: modals.Submission, actor: Actor, services: Services
) -> tuple[dict[str, str], schedules.Schedule | None]:
    """Every field's problem, by block, so the modal shows them all at once; or the parsed schedule."""
    errors: dict[str, str] = {}
    if not submission.what:
        errors[modals.BLOCK_WHAT] = "Write the message to post, like “Check the deploy dashboard”."
    elif problem := modals.too_long(submission.what, escape_plain(submission.what), MAX_WHAT_CHARS):
        errors[modals.BLOCK_WHAT] = problem
    if not submission.channel_id:
        errors[modals.BLOCK_CHANNEL] = "Pick the channel to post in."
    elif problem := visibility.target_problem(services, actor, submission.channel_id):
        errors[modals.BLOCK_CHANNEL] = problem
    schedule = None
    try:
        region = holidays.region_of(services, actor.team_id)
        schedule = schedules.parse(submission.when, now=services.clock(), tz=actor.zone, holidays=region)
        if not schedules.upcoming(schedule, after=services.clock(), count=1):
            raise UserError("That schedule has no runs in the future", "every friday at 4pm")
    except (schedules.ParseError, UserError) as exc:
        errors[modals.BLOCK_WHEN] = str(exc).replace("\n", " ")
    if not errors and schedule is not None:
        try:  # broadcasts and limits; checked again as it saves
            check_new(
                services, actor, channel_id=submission.channel_id, what=escape_plain(submission.what), schedule=schedule
            )
        except UserError as exc:
            errors[modals.BLOCK_WHAT] = str(exc).replace("\n", " ")
    return errors, schedule


def confirm(client: WebClient, reply: Reply, *, channel_id: str, user_id: str) -> None:
    """The confirmation, where the schedule will post; in the app's DM when the user cannot see that channel."""
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, **reply.message())
    except SlackApiError as exc:
        logger.info("confirmation in %s refused (%s); sending it by DM", channel_id, exc.response.get("error"))
        client.chat_postMessage(channel=user_id, **reply.message())
