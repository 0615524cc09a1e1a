"""The rules of an event's life, pure: validation and the state the clock says it is in."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.events.models import LIVE_STATES, MAX_TITLE, EventState

# A new workspace's event length and reminder, until `/event defaults` changes them.
DEFAULT_DURATION = timedelta(hours=1)
DEFAULT_REMINDER = timedelta(minutes=15)
# The shortest and longest event (and reminder lead) anyone may ask for.
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=30)
# More reminders than this per event is noise.
MAX_REMINDERS = 5

EXAMPLE = '/event add "Sprint review" friday 2pm for 1h remind 15m before'


class EventError(ValueError):
    """A mistake a user made about an event; the message is written for them."""


def clock_state(state: str, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """The state the clock puts a live event in; it only moves forward, never back."""
    if state not in LIVE_STATES:
        return state
    if now >= ends_at:
        return EventState.COMPLETED.value
    if now >= starts_at:
        return EventState.ONGOING.value
    return state


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise EventError(f"An event needs a title in quotes. Try: `{EXAMPLE}`")
    if len(title) > MAX_TITLE:
        raise EventError(f"That title is {len(title)} characters; the most is {MAX_TITLE}. Try a shorter one.")
    return title


def check_duration(duration: timedelta, what: str = "An event") -> timedelta:
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise EventError(f"{what} must last between 1 minute and 30 days. Try: `for 45m` or `for 2h`.")
    return duration


def check_span(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise EventError(f"That start is in the past. Pick a time ahead, e.g. `{EXAMPLE}`")
    if ends_at <= starts_at:
        raise EventError("The end must come after the start. Try: `for 30m`.")
    check_duration(ends_at - starts_at)


def check_reminders(leads: list[timedelta]) -> list[int]:
    """Reminder leads as whole seconds, largest first, without repeats."""
    if len(leads) > MAX_REMINDERS:
        raise EventError(f"At most {MAX_REMINDERS} reminders per event. Try: `remind 1d, 15m before`.")
    for lead in leads:
        check_duration(lead, "A reminder")
    return sorted({int(lead.total_seconds()) for lead in leads}, reverse=True)


def pending_reminders(starts_at: datetime, remind_seconds: list[int], now: datetime) -> list[tuple[int, datetime]]:
    """(lead, instant) for each reminder still ahead of `now`."""
    instants = [(lead, starts_at - timedelta(seconds=lead)) for lead in remind_seconds]
    return [(lead, at) for lead, at in instants if at > now]
