"""Five-field cron expressions ('0 10 * * 1-5', '*/15 * * * *'), read as wall-clock time in the zone."""

import re

from scheduling.errors import fail
from scheduling.lexicon import WEEKDAY_CODES

EXAMPLE = "0 10 * * 1-5"
_SHAPE = re.compile(r"^[0-9*/,\-]+ [0-9*/,\-]+ [0-9*/,\-?]+ [0-9a-z*/,\-]+ [0-9a-z*/,\-?]+$")
_MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_MACROS = {
    "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}  # fmt: skip
_FIELDS = (("minute", 0, 59, None), ("hour", 0, 23, None), ("day of month", 1, 31, None),
           ("month", 1, 12, _MONTH_NAMES), ("day of week", 0, 7, _DAY_NAMES))  # fmt: skip


def looks_like_cron(text: str) -> bool:
    cleaned = " ".join(text.lower().split())
    return cleaned in _MACROS or (bool(_SHAPE.match(cleaned)) and any(c in cleaned for c in "*/"))


def cron_rules(text: str) -> tuple[str, list[str]]:
    """The normalized expression and the RRULE bodies (minus times of day) that together mean it."""
    expression = _MACROS.get(" ".join(text.lower().split()), " ".join(text.lower().split()))
    fields = expression.split(" ")
    values = [_field(raw, *spec) for raw, spec in zip(fields, _FIELDS, strict=True)]
    minutes, hours, monthdays, months, weekdays = values
    head = "FREQ=DAILY;INTERVAL=1"
    times = f"BYHOUR={_join(hours or range(24))};BYMINUTE={_join(minutes or range(60))};BYSECOND=0"
    month_part = f";BYMONTH={_join(months)}" if months else ""
    day_parts = _day_parts(monthdays, weekdays)
    return expression, [f"{head}{month_part}{day};{times}" for day in day_parts]


def _day_parts(monthdays: list[int] | None, weekdays: list[int] | None) -> list[str]:
    by_monthday = f";BYMONTHDAY={_join(monthdays)}" if monthdays else ""
    codes = sorted({(d - 1) % 7 for d in weekdays or []})  # cron counts from Sunday = 0 (and 7)
    by_weekday = ";BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in codes) if weekdays else ""
    if monthdays and weekdays:
        return [by_monthday, by_weekday]  # cron runs when either field matches
    return [by_monthday + by_weekday]


def _join(values: object) -> str:
    return ",".join(str(v) for v in values)  # type: ignore[attr-defined]


def _field(raw: str, name: str, low: int, high: int, names: list[str] | None) -> list[int] | None:
    if raw in ("*", "?"):
        return None
    found: set[int] = set()
    for item in raw.split(","):
        found.update(_item(item, name, low, high, names))
    if not found:
        raise fail(f"the cron {name} field '{raw}' matches nothing", EXAMPLE)
    return sorted(found)


def _item(item: str, name: str, low: int, high: int, names: list[str] | None) -> range:
    body, _, step_text = item.partition("/")
    step = _number(step_text, name, names, 1, high) if step_text else 1
    if body == "*":
        first, last = low, high
    elif "-" in body:
        a, _, b = body.partition("-")
        first, last = _number(a, name, names, low, high), _number(b, name, names, low, high)
    else:
        first = _number(body, name, names, low, high)
        last = high if step_text else first
    if first > last or step < 1:
        raise fail(f"the cron {name} field '{item}' is not a valid range", EXAMPLE)
    return range(first, last + 1, step)


def _number(text: str, name: str, names: list[str] | None, low: int, high: int) -> int:
    if names and text in names:
        return names.index(text) + (1 if name == "month" else 0)
    if not text.isdigit() or not low <= int(text) <= high:
        raise fail(f"'{text}' is out of range for the cron {name} field ({low}-{high})", EXAMPLE)
    return int(text)
