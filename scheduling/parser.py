"""parse(): typed words → Schedule, or a ParseError that says what was wrong."""

from datetime import datetime
from zoneinfo import ZoneInfo

from scheduling.businesswords import split_business, with_business
from scheduling.cron import cron_rules, looks_like_cron
from scheduling.dates import MonthDays
from scheduling.errors import InvalidSchedule, NotASchedule, ParseError, UnknownWord, fail
from scheduling.fallback import written_date
from scheduling.grammar import read_phrase
from scheduling.once import build_once
from scheduling.phrase import Phrase
from scheduling.recurrence import first_wall
from scheduling.sameday import build_same_day
from scheduling.schedule import Schedule
from scheduling.series import build_series
from scheduling.tokens import MAX_INPUT_CHARS, tokenize
from scheduling.zones import get_zone, local_wall
from scheduling.zonewords import split_zone

EXAMPLE = "tomorrow at 9am, or every weekday at 9:30am"


def parse(text: str, *, now: datetime, tz: str, holidays: str | None = None) -> Schedule:
    """The schedule `text` names, said at `now` (aware) by someone in zone `tz`.

    `holidays`: the workspace's holiday region, which business-day phrases follow unless they name their own.
    """
    if not isinstance(text, str):
        raise ParseError(f"a schedule must be text. Try: {EXAMPLE}")
    if len(text) > MAX_INPUT_CHARS:
        raise fail(f"that is {len(text)} characters; a schedule has at most {MAX_INPUT_CHARS}", EXAMPLE)
    get_zone(tz)
    text, business = split_business(text)
    text, named_zone = split_zone(text)
    tz = named_zone or tz
    zone = get_zone(tz)
    local_now = _local_now(now, zone)
    try:
        schedule = _parse(text, local_now, zone, tz)
        return schedule if business is None else with_business(schedule, business, now=now, workspace_region=holidays)
    except (RecursionError, OverflowError) as exc:
        raise fail("I could not make sense of that schedule", EXAMPLE) from exc


def _local_now(now: datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(now, datetime):
        raise ParseError("'now' must be a datetime")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ParseError("'now' must be an aware datetime")
    return now.astimezone(zone).replace(microsecond=0)


def _parse(text: str, now: datetime, zone: ZoneInfo, tz: str) -> Schedule:
    if not text.strip():
        raise NotASchedule(f"no schedule found: the text is empty. Try: {EXAMPLE}")
    if looks_like_cron(text):
        return _cron(text, now, zone, tz)
    phrase = _read(text, now)
    try:
        return _build(phrase, now, zone, tz)
    except InvalidSchedule:
        raise
    except ParseError as exc:
        raise InvalidSchedule(str(exc)) from exc


def _build(phrase: Phrase, now: datetime, zone: ZoneInfo, tz: str) -> Schedule:
    """The Schedule for a fully read phrase; a ParseError here means it cannot run as written."""
    if phrase.eod and len(phrase.times) > 1:
        raise fail("'end of day' already says the time (5 PM)", "tomorrow at eod, or tomorrow at 4pm")
    if _is_recurring(phrase):
        return build_series(phrase, now, zone, tz)
    if len(phrase.times) > 1 and phrase.relative is None:
        return build_same_day(phrase, now, zone, tz)
    return build_once(phrase, now, zone, tz)


def _read(text: str, now: datetime) -> Phrase:
    try:
        return read_phrase(tokenize(text))
    except UnknownWord:
        written = written_date(text, now.replace(tzinfo=None))
        if written is None:
            raise
        return written


def _is_recurring(p: Phrase) -> bool:
    multiple = len(p.times) > 1 and (p.date is None or p.start is not None or p.end is not None)
    # 'on the 1st and 15th', like 'on mondays and thursdays', names days that come round again.
    month_days = isinstance(p.date, MonthDays) and len(p.date.days) > 1
    recurring = p.recurring or bool(p.weeknos) or bool(p.only_months and (p.weekdays or p.unit))
    return recurring or multiple or month_days or p.window is not None or (p.relative is None and bool(p.weekdays))


def _cron(text: str, now: datetime, zone: ZoneInfo, tz: str) -> Schedule:
    expression, rules = cron_rules(text)
    probe = Schedule(kind="recurring", zone=tz, rules=tuple(rules), start=local_wall(now, zone))
    start = first_wall(probe, now)
    if start is None:
        raise fail(f"the cron expression '{expression}' never runs", "0 10 * * 1-5")
    return Schedule(kind="recurring", zone=tz, rules=tuple(rules), start=start, cron=expression)
