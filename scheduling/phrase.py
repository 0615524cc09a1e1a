"""What the grammar found in a phrase, before any date arithmetic."""

from dataclasses import dataclass, field

from scheduling.clock import Clock
from scheduling.dates import DateRef, WeekdayRef
from scheduling.errors import fail
from scheduling.spans import Span


@dataclass
class Anchor:
    """A point named by a modifier: 'starting 1 Nov', 'until friday 5pm', 'from now'."""

    date: DateRef | None = None
    span: Span | None = None
    times: list[Clock] = field(default_factory=list)
    month: int | None = None  # 'until june': the whole month
    month_end: bool = False  # 'until the end of march'


@dataclass(frozen=True)
class SkipItem:
    """A day (and maybe a time) after 'except': 'july 4th', 'the 2nd monday in march', 'tomorrow at 8am'."""

    date: DateRef
    clock: Clock | None = None
    until: DateRef | None = None  # 'except from dec 24 to jan 2': the last day skipped


@dataclass
class Phrase:
    times: list[Clock] = field(default_factory=list)
    period: str | None = None  # morning, afternoon, evening, night, tonight
    date: DateRef | None = None
    weekday_check: WeekdayRef | None = None  # 'Friday, March 20': must agree with the date
    relative: Span | None = None
    recurring: bool = False
    unit: str | None = None  # minute, hour, day, week, month, year
    interval: int = 1
    weekdays: list[int] = field(default_factory=list)
    monthly: bool = False
    yearly: bool = False
    start: Anchor | None = None
    end: Anchor | None = None
    count: int | None = None
    span: Span | None = None  # 'for 2 weeks'
    window: tuple[Clock, Clock] | None = None
    excluded: list[int] = field(default_factory=list)  # 'every day except sunday'
    week_start: int | None = None  # 'every other saturdays through tuesdays': the block's week starts Saturday
    weeknos: list[int] = field(default_factory=list)  # ISO weeks: 'every fri in week 12'
    only_months: list[int] = field(default_factory=list)  # 'every day in may'
    skip_months: list[int] = field(default_factory=list)  # 'except in may'
    skip_items: list[SkipItem] = field(default_factory=list)  # 'except july 4th', 'except tomorrow at 8am'
    eod: bool = False  # 'eod', 'end of day': 17:00, today unless a day is named

    def set_unit(self, unit: str, interval: int = 1) -> None:
        unit, interval = _normal_unit(unit, interval)
        if self.unit is not None and (self.unit, self.interval) != (unit, interval):
            raise fail("that names two different repeats", "every 2 weeks on tuesday")
        if interval < 1:
            raise fail("an interval of zero never repeats", "every 15 minutes")
        if interval > 1000:
            raise fail(f"every {interval} {unit}s is too far apart", "every 2 weeks")
        self.recurring = True
        self.unit, self.interval = unit, interval

    def set_date(self, date: DateRef) -> None:
        if isinstance(date, WeekdayRef) and self.date is not None and not isinstance(self.date, WeekdayRef):
            self.weekday_check = date
            return
        if isinstance(self.date, WeekdayRef) and not isinstance(date, WeekdayRef):
            self.weekday_check, self.date = self.date, date
            return
        if self.date is not None:
            raise fail("that names two different days", "next tuesday at 2pm")
        self.date = date

    def set_period(self, period: str) -> None:
        if self.period is not None and self.period != period:
            raise fail(f"'{self.period}' and '{period}' disagree", "tomorrow evening at 7")
        self.period = period


def _normal_unit(unit: str, interval: int) -> tuple[str, int]:
    if unit == "second" and interval < 60:
        raise fail("schedules repeat at most once a minute", "every minute, or every 90 seconds")
    if unit == "second" and interval % 60 == 0:
        return "minute", interval // 60
    if unit == "fortnight":
        return "week", interval * 2
    if unit == "quarter":
        return "month", interval * 3
    return unit, interval
