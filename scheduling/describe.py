"""describe(): a Schedule in words, e.g. 'every weekday at 9:30 AM (America/New_York)'."""

from dataclasses import replace
from datetime import datetime

from scheduling.business import describe_business
from scheduling.recurrence import first_run
from scheduling.schedule import Schedule
from scheduling.words import day_text, describe_elapsed, describe_once, describe_rules, describe_tail
from scheduling.zones import get_zone, local_wall


def describe(schedule: Schedule, *, now: datetime | None = None) -> str:
    """`now`, if given, hides a calendar series' start when it is simply its next run."""
    if schedule.kind == "once" and schedule.at is not None:
        body = describe_once(schedule)
    elif schedule.every is not None:
        body = describe_elapsed(schedule)
    elif schedule.cron:
        body = f"on cron schedule '{schedule.cron}'"
    elif _one_day(schedule):
        assert schedule.start is not None
        when = describe_rules(schedule.rules).removeprefix("every day ")
        return f"on {day_text(schedule.start)} {when} ({schedule.zone})"
    else:
        body = describe_rules(schedule.rules)
    body = describe_business(schedule, body + describe_tail(schedule, show_start=_show_start(schedule, now)))
    return f"{body} ({schedule.zone})"


def _one_day(s: Schedule) -> bool:
    """'tomorrow at 9am and 5pm': a daily series that ends on the day it starts."""
    daily = all(rule.startswith("FREQ=DAILY;INTERVAL=1;") for rule in s.rules)
    return daily and s.start is not None and s.until is not None and s.until.date() == s.start.date()


def _show_start(schedule: Schedule, now: datetime | None) -> bool:
    if schedule.start is None or schedule.cron:
        return False
    if any("INTERVAL=1;" not in rule for rule in schedule.rules) or schedule.count is not None:
        return True
    if now is None:
        return schedule.until is not None
    unbounded = replace(schedule, start=local_wall(now, get_zone(schedule.zone)), until=None, count=None)
    return first_run(schedule, now) != first_run(unbounded, now)
