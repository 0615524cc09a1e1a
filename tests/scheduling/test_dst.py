"""DST tables (rules 9 and 10): New York, London, Sydney (southern hemisphere), Kolkata (no DST)."""

import pytest

from scheduling import next_runs, parse
from tests.scheduling.conftest import local


def runs(text: str, tz: str, now_text: str, count: int) -> list[str]:
    now = local(now_text, tz)
    return [run.isoformat() for run in next_runs(parse(text, now=now, tz=tz), now, count)]


@pytest.mark.parametrize(
    ("tz", "text", "now", "expected"),
    [
        # spring-forward gap: 02:30 does not exist → moves forward by the gap (03:30)
        ("America/New_York", "every day at 2:30am", "2026-03-07T10:00:00",
         ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"]),
        ("Europe/London", "every day at 1:30am", "2026-03-28T10:00:00",
         ["2026-03-29T02:30:00+01:00", "2026-03-30T01:30:00+01:00"]),
        ("Australia/Sydney", "every day at 2:30am", "2026-10-03T10:00:00",
         ["2026-10-04T03:30:00+11:00", "2026-10-05T02:30:00+11:00"]),
        # fall-back repeat: ambiguous 01:30 → the first one, once
        ("America/New_York", "every day at 1:30am", "2026-10-31T10:00:00",
         ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        ("Europe/London", "every day at 1:30am", "2026-10-24T10:00:00",
         ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]),
        ("Australia/Sydney", "every day at 2:30am", "2026-04-04T10:00:00",
         ["2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"]),
        # wall clock kept across the change
        ("America/New_York", "every sunday at 9am", "2026-03-06T10:00:00",
         ["2026-03-08T09:00:00-04:00", "2026-03-15T09:00:00-04:00"]),
        ("Australia/Sydney", "every other sunday at 9am", "2026-03-06T10:00:00",
         ["2026-03-08T09:00:00+11:00", "2026-03-22T09:00:00+11:00", "2026-04-05T09:00:00+10:00"]),
        ("Europe/London", "every weekday at 8:50am", "2026-03-27T10:00:00",
         ["2026-03-30T08:50:00+01:00"]),
        ("Asia/Kolkata", "every day at 2:30am", "2026-03-07T10:00:00",
         ["2026-03-08T02:30:00+05:30", "2026-03-09T02:30:00+05:30"]),
        ("Asia/Kolkata", "at 4:30pm", "2026-03-06T10:00:00", ["2026-03-06T16:30:00+05:30"]),
        # elapsed intervals step in real time across the change
        ("America/New_York", "every 30 minutes", "2026-03-08T01:00:00",
         ["2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"]),
        ("America/New_York", "every hour", "2026-11-01T00:30:00",
         ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00"]),
        ("Europe/London", "every 2 hours", "2026-03-29T00:00:00",
         ["2026-03-29T03:00:00+01:00", "2026-03-29T05:00:00+01:00"]),
        # cron is wall-clock: the gap's runs move forward and never repeat
        ("America/New_York", "30 2 * * *", "2026-03-07T10:00:00",
         ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"]),
        ("America/New_York", "0,30 * * * *", "2026-03-08T01:10:00",
         ["2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"]),
        ("America/New_York", "0 1 * * *", "2026-10-31T10:00:00",
         ["2026-11-01T01:00:00-04:00", "2026-11-02T01:00:00-05:00"]),
        # one-offs inside the gap and the repeat
        ("America/New_York", "tomorrow at 2:30am", "2026-03-07T10:00:00", ["2026-03-08T03:30:00-04:00"]),
        ("America/New_York", "tomorrow at 1:30am", "2026-10-31T10:00:00", ["2026-11-01T01:30:00-04:00"]),
        ("America/New_York", "in 2 days", "2026-03-07T02:30:00", ["2026-03-09T02:30:00-04:00"]),
        ("America/New_York", "in 3 hours", "2026-03-08T00:30:00", ["2026-03-08T04:30:00-04:00"]),
    ],
)  # fmt: skip
def test_dst_table(tz: str, text: str, now: str, expected: list[str]) -> None:
    assert runs(text, tz, now, len(expected)) == expected
