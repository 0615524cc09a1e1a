"""Holiday calendars by region ('US', 'US-CA', 'GB-ENG', 'DE-BY', 'IN'): the one module that reads `holidays`.

The rest of scheduling/ asks a `HolidayCalendar` whether a local date is a holiday and what it is
called. Holidays come from the `holidays` package, computed for the years asked about; each
(region, year) is built once per process and shared, read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays as holiday_data

from scheduling.errors import ParseError

EXAMPLE = "US, US-CA, GB-ENG, DE-BY or IN"
# A business day is a weekday that is not a holiday.
WORKDAYS = frozenset({0, 1, 2, 3, 4})
_REGION = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z0-9]{1,4}))?$")


class UnknownRegion(ParseError):
    """A holiday region the holidays library does not know."""


@dataclass(frozen=True)
class HolidayCalendar:
    """A region's holidays; `region` None is no calendar (business days are Monday to Friday)."""

    region: str | None = None

    def name(self, day: date) -> str | None:
        """The holiday on `day` (a local date in the schedule's zone), or None."""
        return None if self.region is None else _year(self.region, day.year).get(day)

    def is_holiday(self, day: date) -> bool:
        return self.name(day) is not None

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in WORKDAYS and not self.is_holiday(day)

    def upcoming(self, after: date, count: int) -> list[tuple[date, str]]:
        """The next `count` holidays on or after `after` (within two years)."""
        found: list[tuple[date, str]] = []
        day = after
        while len(found) < count and day < after + timedelta(days=731):
            if (holiday := self.name(day)) is not None:
                found.append((day, holiday))
            day += timedelta(days=1)
        return found


NO_CALENDAR = HolidayCalendar()


def calendar_for(region: str | None) -> HolidayCalendar:
    return NO_CALENDAR if region is None else HolidayCalendar(check_region(region))


def check_region(text: str) -> str:
    """The canonical code of a region ('us-ca' → 'US-CA'); UnknownRegion naming it when the library lacks it."""
    match = _REGION.match(text.strip())
    if match is None:
        raise _unknown(text)
    country, subdivision = match.group(1).upper(), (match.group(2) or "").upper()
    subdivisions = _supported().get(country)
    if subdivisions is None or (subdivision and subdivision not in subdivisions):
        raise _unknown(text)
    return f"{country}-{subdivision}" if subdivision else country


def _unknown(text: str) -> UnknownRegion:
    shown = text.strip()[:20]
    return UnknownRegion(f"'{shown}' is not a holiday region I know. Try: {EXAMPLE}")


@lru_cache(maxsize=1)
def _supported() -> dict[str, frozenset[str]]:
    return {code: frozenset(s.upper() for s in subs) for code, subs in holiday_data.list_supported_countries().items()}


@lru_cache(maxsize=1024)
def _year(region: str, year: int) -> dict[date, str]:
    """A region's holidays in one year, by date; UnknownRegion (a ValueError) for a region the library lacks."""
    country, _, subdivision = check_region(region).partition("-")
    supported = holiday_data.list_supported_countries()[country]
    exact = next((s for s in supported if s.upper() == subdivision), None) if subdivision else None
    return {day: str(name) for day, name in holiday_data.country_holidays(country, subdiv=exact, years=year).items()}
