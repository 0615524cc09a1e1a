"""The channel calendar feed: `GET /calendar/<token>.ics`, RFC 5545, written with the icalendar library.

The token is the only credential: one member's link, of which storage.events.feeds keeps only the hash.
A wrong one gets the same plain 404 as any unknown path, so the response says nothing about which
tokens, workspaces or channels exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, abort
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy.orm import Session, sessionmaker

from storage.db import transaction
from storage.events.feeds import feed_events, resolve_feed_token
from storage.events.models import Event, EventState

PRODUCT_ID = "-//schedulebot//events//EN"
# How often calendar apps should come back for changes (a hint; Google and Outlook pick their own pace).
REFRESH_INTERVAL = timedelta(minutes=15)
STATUS = {EventState.CANCELLED.value: "CANCELLED"}


def register_calendar_routes(
    flask_app: Flask, *, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None
) -> None:
    """Add the feed route to the web app."""
    now = clock or (lambda: datetime.now(UTC))

    def calendar_feed(token: str) -> Response:
        with transaction(sessions) as session:
            found = resolve_feed_token(session, token=token)
            if found is None:
                abort(404)
            team_id, channel_id, holder = found
            # Things in a DM are their creator's alone: a DM's calendar shows its holder their own events.
            only = holder if channel_id.startswith("D") else None
            shown = feed_events(session, team_id=team_id, channel_id=channel_id, now=now(), creator_id=only)
            body = render_calendar(shown, now=now())
        return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})

    flask_app.add_url_rule("/calendar/<token>.ics", "calendar_feed", calendar_feed, methods=["GET"])


def render_calendar(events: Iterable[Event], *, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "schedulebot events")
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    for event in events:
        calendar.add_component(_component(event, now))
    return calendar.to_ical()


def _component(event: Event, now: datetime) -> CalendarEvent:
    component = CalendarEvent()
    component.add("uid", f"event-{event.id}-{event.team_id}@schedulebot")
    component.add("dtstamp", now)
    component.add("dtstart", event.starts_at)
    component.add("dtend", event.ends_at)
    # The raw title: the library escapes it for iCalendar; Slack's &lt; escaping is for Slack only.
    component.add("summary", event.title)
    component.add("status", STATUS.get(event.state, "CONFIRMED"))
    component.add("last-modified", event.updated_at)
    # Calendar apps replace an event only when its sequence grows; each move of its times is one step.
    component.add("sequence", int((event.updated_at - event.created_at).total_seconds()))
    component.add("description", f"Event #{event.number} ({event.state})")
    return component
