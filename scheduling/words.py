"""The words describe() puts together: times, days, rules, bounds."""

from datetime import datetime, time
from itertools import pairwise

from scheduling.lexicon import MONTH_NAMES, WEEKDAY_CODES, WEEKDAY_NAMES
from scheduling.schedule import Schedule
from scheduling.zones import get_zone

_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_UNIT_WORDS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_TIME_KEYS = ("BYHOUR", "BYMINUTE", "BYSECOND")


def clock_text(hour: int, minute: int) -> str:
    return time(hour, minute).strftime("%I:%M %p").lstrip("0")


def day_text(moment: datetime) -> str:
    return f"{moment:%a %b} {moment.day}, {moment.year}"


def moment_text(moment: datetime) -> str:
    return f"{day_text(moment)} at {clock_text(moment.hour, moment.minute)}"


def join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ordinal_day(day: int) -> str:
    if day == -1:
        return "last day"
    if day < -1:
        return f"{ordinal_day(-day)}-to-last day"
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def describe_once(s: Schedule) -> str:
    assert s.at is not None
    return f"once, {moment_text(s.at.astimezone(get_zone(s.zone)))}"


def describe_elapsed(s: Schedule) -> str:
    assert s.every is not None and s.anchor is not None
    every = s.every
    if every % 3600 == 0:
        amount, unit = every // 3600, "hour"
    elif every % 60 == 0:
        amount, unit = every // 60, "minute"
    else:
        amount, unit = every, "second"
    head = f"every {unit}" if amount == 1 else f"every {amount} {unit}s"
    first = s.anchor.astimezone(get_zone(s.zone))
    seconds = f" and {first.second} seconds" if first.second else ""
    return f"{head}, starting {moment_text(first)}{seconds}"


def describe_tail(s: Schedule, *, show_start: bool = False) -> str:
    parts = [describe_skips(s.skip)] if s.skip else []
    if show_start and s.start is not None:
        parts.append(f"starting {day_text(s.start)}")
    if s.until is not None:
        shown = day_text(s.until) if s.until.time() == time(23, 59, 59) else moment_text(s.until)
        parts.append(f"until {shown}")
    if s.count is not None:
        # 'runs in all', not 'times': 'every day twice' is two runs, and the reply must not read as twice a day.
        parts.append("1 run only" if s.count == 1 else f"{s.count} runs in all")
    return "".join(f", {part}" for part in parts)


def _fields(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.split(";"))


def describe_rules(rules: tuple[str, ...]) -> str:
    groups: dict[str, list[tuple[int, int]]] = {}
    for rule in rules:
        fields = _fields(rule)
        key = ";".join(f"{k}={v}" for k, v in fields.items() if k not in _TIME_KEYS)
        hours = [int(h) for h in fields.get("BYHOUR", "0").split(",")]
        minutes = [int(m) for m in fields.get("BYMINUTE", "0").split(",")]
        groups.setdefault(key, []).extend((h, m) for h in hours for m in minutes)
    dates = _yearly_dates(groups)
    if dates is not None:  # 'every year on March 15 and September 15 at 9:00 AM'
        return f"{dates} {_times_words(sorted(set(next(iter(groups.values())))))}"
    phrases = []
    for key, times in groups.items():
        fields = _fields(key)
        phrases.append(f"{_date_words(fields)} {_times_words(sorted(set(times)))}{_months_left_out(fields)}")
    return "; ".join(phrases)


def _yearly_dates(groups: dict[str, list[tuple[int, int]]]) -> str | None:
    """Several yearly dates in different months at the same times, in one phrase."""
    keys = [_fields(key) for key in groups]
    same_times = len({tuple(sorted(set(times))) for times in groups.values()}) == 1
    plain = all(set(f) == {"FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY"} and f["FREQ"] == "YEARLY" for f in keys)
    if len(keys) < 2 or not same_times or not plain or len({f["INTERVAL"] for f in keys}) != 1:
        return None
    dates = [f"{MONTH_NAMES[int(f['BYMONTH']) - 1]} {join(f['BYMONTHDAY'].split(','))}" for f in keys]
    listed = join(dates) if not any(" and " in d for d in dates) else ", ".join(dates[:-1]) + ", and " + dates[-1]
    return f"{_every(int(keys[0]['INTERVAL']), 'year')} on {listed}"


def _months_left_out(f: dict[str, str]) -> str:
    """'except in March and May': a daily, weekly or monthly rule kept to some months."""
    if "BYMONTH" not in f or f["FREQ"] == "YEARLY":
        return ""
    kept = {int(m) for m in f["BYMONTH"].split(",")}
    if len(kept) <= 6:
        return " in " + join([MONTH_NAMES[m - 1] for m in sorted(kept)]) + " only"
    return " except in " + join([MONTH_NAMES[m - 1] for m in range(1, 13) if m not in kept])


def _times_words(times: list[tuple[int, int]]) -> str:
    minutes = [h * 60 + m for h, m in times]
    steps = {b - a for a, b in pairwise(minutes)}
    if len(minutes) >= 4 and len(steps) == 1:
        step = steps.pop()
        every = f"{step // 60} hours" if step % 60 == 0 else f"{step} minutes"
        every = "hour" if every == "1 hours" else every
        return f"every {every} from {clock_text(*times[0])} to {clock_text(*times[-1])}"
    return "at " + join([clock_text(h, m) for h, m in times])


def _date_words(f: dict[str, str]) -> str:
    freq, interval = f["FREQ"], int(f.get("INTERVAL", "1"))
    if freq == "DAILY":
        return _every(interval, "day")
    if freq == "WEEKLY":
        return _weekly(f.get("BYDAY", ""), interval)
    if "BYWEEKNO" in f:
        names = join([_day_name(code) for code in f["BYDAY"].split(",")])
        return f"{_every(interval, 'year')} on {names} of ISO week {join(f['BYWEEKNO'].split(','))}"
    where = _month_position(f)
    if freq == "MONTHLY":
        return f"{where} of {_every(interval, 'month')}"
    month = MONTH_NAMES[int(f.get("BYMONTH", "1")) - 1]
    if "BYDAY" in f:
        return f"{_every(interval, 'year')} {where} of {month}"
    days = f.get("BYMONTHDAY", "1").split(",")
    return f"{_every(interval, 'year')} on {month} {join(days)}"


def _every(interval: int, unit: str) -> str:
    if interval == 1:
        return f"every {unit}"
    return f"every other {unit}" if interval == 2 else f"every {interval} {unit}s"


def _weekly(byday: str, interval: int) -> str:
    codes = byday.split(",")
    names = [WEEKDAY_NAMES[WEEKDAY_CODES.index(code)] for code in codes]
    if interval == 1 and codes == ["MO", "TU", "WE", "TH", "FR"]:
        return "every weekday"
    if interval == 1 and codes == ["SA", "SU"]:
        return "every Saturday and Sunday"
    if interval == 1:
        return f"every {join(names)}"
    if interval == 2:
        return f"every other {join(names)}"
    return f"every {interval} weeks on {join(names)}"


def _month_position(f: dict[str, str]) -> str:
    if "BYDAY" in f and "BYSETPOS" in f:
        return f"on the {position_words(f['BYDAY'], f['BYSETPOS'])}"
    if "BYDAY" in f:
        return f"on the {nth_words(f['BYDAY'])}"
    days = [int(d) for d in f.get("BYMONTHDAY", "1").split(",")]
    if "BYSETPOS" in f:
        return f"on the {ordinal_day(max(days))} (or the last day of shorter months)"
    return f"on the {join([ordinal_day(d) for d in days])}"


def nth_word(n: int) -> str:
    """'first', 'last', '2nd-to-last'."""
    return _ORDINALS.get(n) or (f"{ordinal_day(-n)}-to-last" if n < 0 else ordinal_day(n))  # '2nd-to-last'


def nth_words(byday: str) -> str:
    """'+1FR,+3FR,+2TU' → 'first and third Friday and the second Tuesday'."""
    groups: dict[str, list[int]] = {}
    for code in byday.split(","):
        groups.setdefault(code[-2:], []).append(int(code[:-2]))
    parts = [f"{join([nth_word(n) for n in nths])} {_day_name(code)}" for code, nths in groups.items()]
    return " and the ".join(parts)


def position_words(byday: str, setpos: str) -> str:
    """'MO,TU,WE,TH,FR' + '-1' → 'last weekday'; 'TU,FR' + '1,-1' → 'first and last of the Tuesdays and Fridays'."""
    positions = join([nth_word(int(n)) for n in setpos.split(",")])
    codes = byday.split(",")
    if codes == ["MO", "TU", "WE", "TH", "FR"]:
        return f"{positions} weekday"
    return f"{positions} of the {join([_day_name(code) + 's' for code in codes])}"


def _day_name(code: str) -> str:
    return WEEKDAY_NAMES[WEEKDAY_CODES.index(code)]


def describe_skips(entries: tuple[str, ...]) -> str:
    """'except July 4 each year and Wed Dec 2, 2026', 'only in May' (empty when nothing is skipped)."""
    only = [entry for entry in entries if _kept_months(entry)]
    rest = [entry for entry in entries if entry not in only]
    parts = [f"only in {join(_kept_months(entry))}" for entry in only]
    if rest:
        parts.append("except " + join([_skip_words(entry) for entry in rest]))
    return ", ".join(parts)


def _kept_months(entry: str) -> list[str]:
    """The months an every-N-minutes series keeps, when it skips most of the year ('every hour in may')."""
    if not entry.startswith("FREQ=DAILY;BYMONTH="):
        return []
    skipped = {int(m) for m in entry.removeprefix("FREQ=DAILY;BYMONTH=").split(",")}
    return [MONTH_NAMES[m - 1] for m in range(1, 13) if m not in skipped] if len(skipped) > 6 else []


def _skip_words(entry: str) -> str:
    if "/" in entry:
        first, last = (datetime.fromisoformat(part) for part in entry.split("/"))
        return f"{day_text(first)} to {day_text(last)}"
    if "=" not in entry:
        moment = datetime.fromisoformat(entry)
        return day_text(moment) if "T" not in entry else moment_text(moment)
    f = _fields(entry)
    if f["FREQ"] == "DAILY":
        return "in " + join([MONTH_NAMES[int(m) - 1] for m in f["BYMONTH"].split(",")])
    month = MONTH_NAMES[int(f["BYMONTH"]) - 1] if "BYMONTH" in f else None
    if "BYDAY" in f:
        where = position_words(f["BYDAY"], f["BYSETPOS"]) if "BYSETPOS" in f else nth_words(f["BYDAY"])
        return f"the {where} of {month or 'each month'}"
    days = [int(d) for d in f["BYMONTHDAY"].split(",")]
    if month:
        return f"{month} {_day_span(days)} each year"
    return f"the {join([ordinal_day(d) for d in days])} of each month"


def _day_span(days: list[int]) -> str:
    """'24', '24-31' (a run of days), '1, 15 and 20'."""
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{days[0]}-{days[-1]}"
    return join([str(day) for day in days])
