"""Property tests: accepted phrases behave; any text at all gives a Schedule or a ParseError."""

from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import ParseError, Schedule, next_runs, parse
from tests.scheduling.conftest import local

ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]
DAYS = ["monday", "tuesday", "wed", "thursday", "fri", "saturday", "sunday"]
TIMES = ["9am", "5:30pm", "noon", "midnight", "2:30am", "1:30am", "11:45 pm", "4", "10 o'clock"]
REPEATS = [
    "every day",
    "daily",
    "every weekday",
    "weekends",
    "every other week",
    "every 2 weeks",
    "monthly",
    "every month on the 15th",
    "every 31st",
    "every last friday of the month",
    "every year on feb 29",
    "first and third monday of each month",
    "every 3 days",
    "hourly",
    "every 15 minutes",
    "every 90 minutes",
    "every workday",
    "every day except sunday",
    "daily except weekends",
    "every hour on weekdays",
    "every 30 minutes on weekends",
    # issue 13: the long tail
    "daily except in may",
    "every day except on june 23rd and july 4th",
    "every monday except the 2nd monday in march",
    "2nd to the last friday of each month",
    "monthly on the first and last instance of tue and fri",
    "first and third friday and second tuesday of each month",
    "each month at the end",
    "every year on december 21st and 31st",
    "every fri in week 12",
    "every 4 weekends",
    "every other saturdays through tuesdays",
    "every day for the next month",
    "every 90 seconds",
    "every fourth of the month",
]
ONE_OFF = ["tomorrow", "next tuesday", "march 20", "7/13", "in 2 days", "in 3 hours", "the 31st", "tonight",
           "next week", "next month", "the 3rd of next month", "tomorrow eod", "tomorrow at 9am and"]  # fmt: skip
SUFFIXES = ["", "", "", " UTC", " Europe/Berlin", " in asia/kolkata", " EST"]
# The zone a trailing zone name gives the schedule; None: refused (an ambiguous abbreviation).
SUFFIX_ZONES = {" UTC": "UTC", " Europe/Berlin": "Europe/Berlin", " in asia/kolkata": "Asia/Kolkata", " EST": None}
WRITTEN = [
    "2027 jan 5",
    "jan 5 '27",
    "5-jan-2027",
    "the 5th day of january",
    "wed 2026 mar 11",
    "2026 mar 8",
    "29 feb 2028",
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def phrases(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["repeat", "days", "once", "cron", "written"]))
    time = draw(st.sampled_from(TIMES))
    if shape == "repeat":
        return f"{draw(st.sampled_from(REPEATS))} at {time}"
    if shape == "days":
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        return f"every {' and '.join(days)} at {time}"
    if shape == "cron":
        minute = draw(st.sampled_from(["0", "30", "*/15", "5,35"]))
        return f"{minute} {draw(st.sampled_from(['*', '2', '9-17']))} * * {draw(st.sampled_from(['*', '1-5', '0']))}"
    if shape == "written":
        return f"{draw(st.sampled_from(WRITTEN))} at {time}"
    return f"{draw(st.sampled_from(ONE_OFF))} at {time}"


nows = st.datetimes(
    min_value=local("2024-01-01T00:00:00").replace(tzinfo=None),
    max_value=local("2030-12-31T00:00:00").replace(tzinfo=None),
)


@SETTINGS
@given(text=phrases(), zone=st.sampled_from(ZONES), naive_now=nows, suffix=st.sampled_from(SUFFIXES))
def test_accepted_phrases_run_in_order_after_now(text: str, zone: str, naive_now: object, suffix: str) -> None:
    now = naive_now.replace(tzinfo=ZoneInfo(zone))  # type: ignore[attr-defined]
    expected_zone = SUFFIX_ZONES.get(suffix, zone)
    try:
        schedule = parse(text + suffix, now=now, tz=zone)
    except ParseError:
        return  # e.g. 'tonight at 1:30am' can be in the past
    assert expected_zone is not None, f"{suffix.strip()} is ambiguous and must be refused"
    runs = next_runs(schedule, now, 5)
    assert runs
    assert all(run.tzinfo == ZoneInfo(schedule.zone) for run in runs)
    assert schedule.zone == expected_zone
    assert all(run > now for run in runs)
    assert all(a < b for a, b in pairwise(runs))
    assert Schedule.from_canonical(schedule.to_canonical()) == schedule
    later = runs[0]
    assert next_runs(schedule, later, 1) == runs[1:2]


@SETTINGS
@given(text=st.text(max_size=5000))
def test_any_text_is_a_schedule_or_a_parse_error(text: str) -> None:
    now = local("2026-03-06T10:00:00")
    try:
        assert isinstance(parse(text, now=now, tz="America/New_York"), Schedule)
    except ParseError as exc:
        assert str(exc)


@SETTINGS
@given(
    words=st.lists(
        st.sampled_from(
            [
                *DAYS,
                *TIMES,
                *REPEATS,
                *ONE_OFF,
                *WRITTEN,
                "2027",
                "'27",
                "jan",
                "and",
                "at",
                "on",
                "the",
                "every",
                "until",
                "from",
                "to",
                "for",
                "3",
                "times",
                "starting",
                "in",
                "of",
                "last",
                "1st",
                "other",
                "next",
                "-",
                ",",
                "31",
                "feb",
            ]
        ),
        max_size=12,
    )
)
def test_word_salad_is_a_schedule_or_a_parse_error(words: list[str]) -> None:
    now = local("2026-03-06T10:00:00")
    try:
        schedule = parse(" ".join(words), now=now, tz="America/New_York")
    except ParseError:
        return
    runs = next_runs(schedule, now, 3)
    assert all(run > now for run in runs)


def test_far_future_and_past_after_are_fast_and_right() -> None:
    now = local("2026-03-06T10:00:00")
    schedule = parse("every other wednesday at 9am", now=now, tz="America/New_York")
    far = local("2126-03-06T10:00:00")
    runs = next_runs(schedule, far, 2)
    assert runs[1] - runs[0] == timedelta(days=14)
    assert (runs[0].date() - local("2026-03-11T09:00:00").date()).days % 14 == 0
    assert next_runs(schedule, local("2000-01-01T00:00:00"), 1)[0].isoformat() == "2026-03-11T09:00:00-04:00"
    cron = parse("*/5 * * * *", now=now, tz="America/New_York")
    assert next_runs(cron, far, 1)[0].isoformat() == "2126-03-06T10:05:00-05:00"
