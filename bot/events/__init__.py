"""The `/event` command, `@schedulebot event …` mentions and the RSVP buttons on announcements."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient

from bot.blocks import Reply
from bot.context import Services
from bot.events.grammar import MAX_NUMBER
from bot.events.operations import announce
from bot.events.reads import sees_event_id
from bot.events.router import execute
from bot.events.updates import AnnouncementUpdates
from bot.listeners.common import (
    Press,
    ack_at_once,
    actor_for,
    boundary,
    button,
    command_actor,
    ephemeral,
    mention_teller,
)
from storage.db import transaction
from storage.errors import NotFound
from storage.events import repository as events
from storage.events.display import ACTION_GOING, ACTION_NOT_GOING

COMMAND = "/event"
NOT_YOURS_TO_ANSWER = ":warning: That event is not one you can see, so I did not record an answer. Try `/event list`."
_MENTION = re.compile(r"^\s*(?:<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*)+event\b\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)


def register(app: App, services: Services, *, public_url: str | None = None) -> None:
    updates = AnnouncementUpdates(
        lambda client, team_id, event_id: announce(services, client, team_id=team_id, event_id=event_id)
    )

    def on_event(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
        ack()
        text = str(command.get("text") or "")
        with boundary(COMMAND, lambda reply: respond(**ephemeral(reply))):
            actor = command_actor(services, client, context, command)
            respond(**ephemeral(execute(services, actor, text, client=client, public_url=public_url)))

    def on_rsvp(press: Press) -> None:
        team_id = press.actor.team_id
        event_id = rsvp_event_id(press.value)
        if not sees_event_id(services, press.actor, event_id):
            press.tell(Reply(NOT_YOURS_TO_ANSWER))
            return
        with transaction(services.sessions) as session:
            going, user_id = press.action_id == ACTION_GOING, press.actor.user_id
            events.set_rsvp(
                session, team_id=team_id, event_id=event_id, user_id=user_id, going=going, now=services.clock()
            )
        updates.request(press.client, team_id=team_id, event_id=event_id)  # coalesced: Slack limits chat.update

    app.command(COMMAND, middleware=[ack_at_once])(on_event)
    app.action(ACTION_GOING, middleware=[ack_at_once])(button(services, on_rsvp))
    app.action(ACTION_NOT_GOING, middleware=[ack_at_once])(button(services, on_rsvp))
    app.middleware(_mentions(app, services, public_url))


def rsvp_event_id(value: Any) -> int:
    """The event an RSVP button names; a value no button of ours carries names none."""
    text = str(value or "")
    if not re.fullmatch("[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_NUMBER:
        raise NotFound("That button does not name an event I know. Try `/event list` to see the current ones.")
    return int(text)


def _mentions(app: App, services: Services, public_url: str | None) -> Callable[..., BoltResponse | None]:
    """`@schedulebot event …` mentions, taken before the /schedule words see them.

    Like Bolt's own event listeners, the 200 goes back first and the work runs after it on the
    app's listener threads: Slack resends an event not answered within 3 seconds, and the resend
    (X-Slack-Retry-Num) of one already received is ignored before this runs, by the app's
    redelivery middleware (bot.listeners.events), so an event is never created twice.
    """

    def middleware(
        req: BoltRequest, body: dict[str, Any], client: WebClient, context: BoltContext, next: Callable[[], Any]
    ) -> BoltResponse | None:
        event = body.get("event") or {}
        found = _MENTION.match(str(event.get("text") or "")) if event.get("type") == "app_mention" else None
        if found is None:
            return next()  # type: ignore[no-any-return]
        if app.process_before_response:  # FaaS mode: nothing may run after the response
            _mention(services, public_url, client, context, event, found["rest"])
        else:
            app.listener_runner.listener_executor.submit(
                _mention, services, public_url, client, context, event, found["rest"]
            )
        return BoltResponse(status=200, body="")

    return middleware


def _mention(
    services: Services,
    public_url: str | None,
    client: WebClient,
    context: BoltContext,
    event: dict[str, Any],
    rest: str,
) -> None:
    user_id, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
    tell = mention_teller(client, event)
    with boundary("@schedulebot event", tell):
        actor = actor_for(
            services, client, context, user_id=user_id, channel_id=channel_id, command=f"@schedulebot event {rest}"
        )
        tell(execute(services, actor, rest, client=client, public_url=public_url))
