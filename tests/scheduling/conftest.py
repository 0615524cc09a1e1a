"""Shared helpers for the scheduling tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

NY = "America/New_York"
NOW_TEXT = "2026-03-06T10:00:00"  # a Friday, two days before US DST starts


def local(text: str, tz: str = NY) -> datetime:
    """An aware datetime from a naive ISO wall time in `tz`."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))
