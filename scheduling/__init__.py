"""Natural-language schedules: parse what people type, compute next runs, describe them.

Pure: imports only the standard library, dateparser, dateutil and holidays (in calendars.py alone).
"""

from scheduling.business import Passed, passed_holidays
from scheduling.calendars import HolidayCalendar, check_region
from scheduling.describe import describe
from scheduling.durations import parse_duration
from scheduling.errors import ParseError
from scheduling.fallback import warm_up
from scheduling.parser import parse
from scheduling.recurrence import next_runs
from scheduling.schedule import Schedule
from scheduling.split import split_what_when
from scheduling.zones import is_valid_zone

__all__ = [
    "HolidayCalendar",
    "ParseError",
    "Passed",
    "Schedule",
    "check_region",
    "describe",
    "is_valid_zone",
    "next_runs",
    "parse",
    "parse_duration",
    "passed_holidays",
    "split_what_when",
    "warm_up",
]
