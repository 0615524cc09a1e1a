"""IANA zones and wall-clock → instant resolution (DESIGN.md rule 10)."""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.errors import fail


@lru_cache(maxsize=512)
def _load(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_zone(name: str) -> bool:
    if not isinstance(name, str) or not name or len(name) > 64 or "\x00" in name:
        return False
    try:
        _load(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def get_zone(name: str) -> ZoneInfo:
    if not is_valid_zone(name):
        raise fail(f"'{name}' is not a time zone I know", "America/New_York or Europe/London")
    return _load(name)


def resolve_local(naive: datetime, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time names in `zone`.

    A time inside a spring-forward gap moves forward by the gap (02:30 → 03:30); an ambiguous
    fall-back time is the first of its two instants. fold=0 gives exactly both behaviours.
    """
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def local_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time of an aware instant in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def elapsed(moment: datetime, seconds: int, zone: ZoneInfo) -> datetime:
    """`moment` plus real elapsed seconds (aware arithmetic in one zone would add wall-clock time)."""
    return (moment.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(zone)
