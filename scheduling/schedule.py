"""The Schedule value and its canonical, stored form."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scheduling.businessdays import BusinessDays
from scheduling.skips import MAX_SKIPS, is_skip
from scheduling.zones import is_valid_zone

CANONICAL_VERSION = 1
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_RULE = re.compile(r"^FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[-+0-9A-Z,]+)*$")


@dataclass(frozen=True)
class Schedule:
    """When something runs, in one IANA zone.

    once: `at`, the UTC instant. Recurring, by the calendar: `rules` (RFC 5545 RRULE bodies, read
    as wall-clock time in `zone`) from `start`, the naive local first occurrence. Recurring, by
    elapsed time: every `every` seconds from `anchor`, the UTC first occurrence. `until` (naive
    local, inclusive) and `count` (total occurrences from the first) end a series; `cron` keeps the
    expression a calendar series came from; `skip` names days and runs a series leaves out (skips.py).
    """

    kind: str
    zone: str
    at: datetime | None = None
    rules: tuple[str, ...] = ()
    start: datetime | None = None
    every: int | None = None
    anchor: datetime | None = None
    until: datetime | None = None
    count: int | None = None
    cron: str | None = None
    skip: tuple[str, ...] = ()
    business: BusinessDays | None = None  # business days and holidays (scheduling.business)

    def to_canonical(self) -> str:
        data: dict[str, Any] = {"v": CANONICAL_VERSION, "kind": self.kind, "zone": self.zone}
        data["at"] = _instant_text(self.at)
        data["rules"] = list(self.rules) or None
        data["start"] = _local_text(self.start)
        data["every"] = self.every
        data["anchor"] = _instant_text(self.anchor)
        data["until"] = _local_text(self.until)
        data["count"] = self.count
        data["cron"] = self.cron
        data["skip"] = list(self.skip) or None
        data["business"] = None if self.business is None else self.business.to_fields()
        clean = {key: value for key, value in data.items() if value is not None}
        return json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_canonical(cls, text: str) -> "Schedule":
        """Rebuild a Schedule from `to_canonical()` text; ValueError for anything else."""
        try:
            data = json.loads(text)
        except (TypeError, RecursionError) as exc:
            raise ValueError("not a canonical schedule") from exc
        if not isinstance(data, dict) or data.get("v") != CANONICAL_VERSION:
            raise ValueError("not a canonical schedule (version)")
        schedule = _from_fields(data)
        if schedule.to_canonical() != text:
            raise ValueError("not a canonical schedule (not in canonical form)")
        return schedule


def _from_fields(data: dict[str, Any]) -> Schedule:
    allowed = {
        "v",
        "kind",
        "zone",
        "at",
        "rules",
        "start",
        "every",
        "anchor",
        "until",
        "count",
        "cron",
        "skip",
        "business",
    }
    if set(data) - allowed:
        raise ValueError(f"unknown fields: {sorted(set(data) - allowed)}")
    kind, zone = data.get("kind"), data.get("zone")
    if kind not in ("once", "recurring") or not isinstance(zone, str) or not is_valid_zone(zone):
        raise ValueError("bad kind or zone")
    rules = data.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(rule, str) and _RULE.match(rule) for rule in rules):
        raise ValueError("bad rules")
    skip = data.get("skip", [])
    if not isinstance(skip, list) or len(skip) > MAX_SKIPS or not all(is_skip(entry) for entry in skip):
        raise ValueError("bad skip")
    schedule = Schedule(
        kind=kind,
        zone=zone,
        at=_instant(data.get("at")),
        rules=tuple(rules),
        start=_local(data.get("start")),
        every=_positive(data.get("every")),
        anchor=_instant(data.get("anchor")),
        until=_local(data.get("until")),
        count=_positive(data.get("count")),
        cron=_text(data.get("cron")),
        skip=tuple(skip),
        business=None if data.get("business") is None else BusinessDays.from_fields(data["business"]),
    )
    _check_shape(schedule)
    return schedule


def _check_shape(s: Schedule) -> None:
    if s.kind == "once":
        ok = s.at is not None and not (s.rules or s.start or s.every or s.anchor or s.until or s.count or s.cron)
        ok = ok and not s.skip
    else:
        calendar = bool(s.rules) and s.start is not None and s.every is None and s.anchor is None
        elapsed = not s.rules and s.start is None and s.every is not None and s.anchor is not None and not s.cron
        ok = s.at is None and (calendar or elapsed) and not (s.business and not calendar)
    if not ok:
        raise ValueError(f"fields do not fit a {s.kind} schedule")
    if s.rules:
        _check_rules(s)


def _check_rules(s: Schedule) -> None:
    from dateutil.rrule import rrulestr

    for rule in s.rules:
        try:
            rrulestr(rule, dtstart=s.start)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"bad rule {rule!r}") from exc


def _instant_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S")


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _INSTANT.match(value):
        raise ValueError("bad instant")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _local(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _LOCAL.match(value):
        raise ValueError("bad local time")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")


def _positive(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**9:
        raise ValueError("bad number")
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError("bad text")
    return value
