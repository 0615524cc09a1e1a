"""The one door from bot/ into scheduling/: the parser's public functions, and what the bot derives from them."""

from __future__ import annotations

from datetime import datetime

from scheduling import (
    HolidayCalendar,
    ParseError,
    Passed,
    Schedule,
    check_region,
    describe,
    is_valid_zone,
    next_runs,
    parse,
    parse_duration,
    passed_holidays,
    split_what_when,
)
from scheduling.split import MAX_COMMAND_CHARS, MAX_WHEN_TOKENS
from scheduling.tokens import MAX_INPUT_CHARS

__all__ = [
    "MAX_COMMAND_CHARS",
    "MAX_INPUT_CHARS",
    "MAX_WHEN_TOKENS",
    "HolidayCalendar",
    "ParseError",
    "Passed",
    "Schedule",
    "check_region",
    "describe",
    "first_run",
    "is_valid_zone",
    "load",
    "next_runs",
    "once_at",
    "parse",
    "parse_duration",
    "passed_holidays",
    "resumed_runs",
    "split_what_when",
    "upcoming",
]

# How many upcoming runs a confirmation or `show` lists.
DEFAULT_PREVIEW_COUNT = 3


def load(canonical: str) -> Schedule:
    return Schedule.from_canonical(canonical)


def first_run(schedule: Schedule, *, after: datetime) -> datetime | None:
    runs = next_runs(schedule, after, 1)
    return runs[0] if runs else None


def upcoming(schedule: Schedule, *, after: datetime, count: int = DEFAULT_PREVIEW_COUNT) -> list[datetime]:
    return list(next_runs(schedule, after, count))


def once_at(moment: datetime, zone: str) -> Schedule:
    """A one-off schedule at an exact instant (a snoozed reminder)."""
    return Schedule(kind="once", zone=zone, at=moment)


def resumed_runs(
    schedule: Schedule, *, next_run_at: datetime | None, after: datetime, count: int = DEFAULT_PREVIEW_COUNT
) -> list[datetime]:
    """The runs a paused schedule has if resumed at `after`: its runs after then, less any run skipped while paused.

    A skip made while paused moves `next_run_at` past the skipped run (it is always one of the schedule's runs),
    so a `next_run_at` later than the first run after `after` is where the schedule picks up.
    """
    first = first_run(schedule, after=after)
    if first is not None and next_run_at is not None and next_run_at > first:
        first = next_run_at
    return [first, *upcoming(schedule, after=first, count=count - 1)] if first is not None else []
