"""Canonical form, describe(), parse_duration(), split_what_when(), is_valid_zone()."""

from datetime import timedelta

import pytest

from scheduling import ParseError, Schedule, describe, is_valid_zone, next_runs, parse, parse_duration, split_what_when
from tests.scheduling.conftest import NOW_TEXT, NY, local

NOW = local(NOW_TEXT)


@pytest.mark.parametrize(
    "text",
    [
        "in 3 hours",
        "every 15 minutes",
        "every other wednesday",
        "0 10 * * 1-5",
        "7/12 every month for five months",
        "every day until march 20",
        "every monday for 3 times",
        "every 31st at 5pm",
        "at 9am and 5:30pm",
    ],
)
def test_canonical_round_trip(text: str) -> None:
    schedule = parse(text, now=NOW, tz=NY)
    canonical = schedule.to_canonical()
    again = Schedule.from_canonical(canonical)
    assert again == schedule
    assert again.to_canonical() == canonical
    assert next_runs(again, NOW, 3) == next_runs(schedule, NOW, 3)


def test_canonical_carries_the_anchor() -> None:
    schedule = parse("every 15 minutes", now=NOW, tz=NY)
    later = local("2026-03-06T10:07:00")
    assert next_runs(Schedule.from_canonical(schedule.to_canonical()), later, 1)[0] == local("2026-03-06T10:15:00")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "{",
        "[]",
        "null",
        '{"v":1}',
        '{"v":1,"kind":"once","zone":"Nowhere/Land","at":"2026-03-06T15:00:00Z"}',
        '{"v":1,"kind":"once","zone":"UTC"}',
        '{"v":2,"kind":"once","zone":"UTC","at":"2026-03-06T15:00:00Z"}',
        '{"at":"2026-03-06T15:00:00Z","kind":"once","v":1,"zone":"UTC","x":1}',
        '{"kind":"recurring","rules":["FREQ=DAILY;BYHOUR=99"],"start":"2026-03-06T10:00:00","v":1,"zone":"UTC"}',
    ],
)
def test_from_canonical_rejects_garbage(garbage: str) -> None:
    with pytest.raises(ValueError):
        Schedule.from_canonical(garbage)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every weekday at 9:30am", "every weekday at 9:30 AM (America/New_York)"),
        ("march 20 at 5pm", "once, Fri Mar 20, 2026 at 5:00 PM (America/New_York)"),
        ("every other wednesday", "every other Wednesday at 9:00 AM, starting Wed Mar 11, 2026 (America/New_York)"),
        ("first and third friday of each month", "on the first and third Friday of every month at 9:00 AM"),
        ("every year on the fourth thursday in november", "every year on the fourth Thursday of November"),
        ("every 15 minutes", "every 15 minutes, starting Fri Mar 6, 2026 at 10:15 AM"),
        ("every day until march 20", "until Fri Mar 20, 2026 (America/New_York)"),
        ("every 30 minutes from 9am to 5pm on weekdays", "every weekday every 30 minutes from 9:00 AM to 5:00 PM"),
        ("0 10 * * 1-5", "cron schedule '0 10 * * 1-5'"),
        ("every 31st", "31st (or the last day of shorter months)"),
    ],
)
def test_describe(text: str, expected: str) -> None:
    assert expected in describe(parse(text, now=NOW, tz=NY))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("15m", 15),
        ("1h", 60),
        ("90 minutes", 90),
        ("1h30m", 90),
        ("2 hours", 120),
        ("an hour", 60),
        ("1 day", 1440),
        ("half an hour", 30),
        ("1.5h", 90),
        ("2 weeks", 20160),
        ("1 hour and 15 minutes", 75),
    ],
)
def test_parse_duration(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["30s", "0m", "", "soon", "1 month", "15", "-5m", "1h blah", "x" * 200])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("command", "what", "first"),
    [
        ("to check the deploy every weekday at 9:30am", "check the deploy", "2026-03-09T09:30:00-04:00"),
        ("to say hello in 1 minute", "say hello", "2026-03-06T10:01:00-05:00"),
        ("hello there in 1 minute", "hello there", "2026-03-06T10:01:00-05:00"),
        ("standup notes at 10am every weekday", "standup notes", "2026-03-09T10:00:00-04:00"),
        ("to talk to Bob tomorrow at 3pm", "talk to Bob", "2026-03-07T15:00:00-05:00"),
        ('"check the deploy" every weekday at 9:30am', "check the deploy", "2026-03-09T09:30:00-04:00"),
        ("“in 2 hours” tomorrow", "in 2 hours", "2026-03-07T09:00:00-05:00"),
        ("about the rent on the 1st of every month", "the rent", "2026-04-01T09:00:00-04:00"),
        ("deploy version 2 at 5pm", "deploy version 2", "2026-03-06T17:00:00-05:00"),
        ("send the weekly report every monday", "send the weekly report", "2026-03-09T09:00:00-04:00"),
    ],
)
def test_split_what_when(command: str, what: str, first: str) -> None:
    found, schedule = split_what_when(command, now=NOW, tz=NY)
    assert found == what
    assert next_runs(schedule, NOW, 1)[0].isoformat() == first


@pytest.mark.parametrize("command", ["no schedule here", "every monday", "to every monday", '"" tomorrow', ""])
def test_split_what_when_rejects(command: str) -> None:
    with pytest.raises(ParseError, match="Try:"):
        split_what_when(command, now=NOW, tz=NY)


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("/schedule to ship it today at 9am", "already passed"),
        ("to pay rent on february 30", "has no day 30"),
        ("to stand up at 25:00", "25:00"),
        ("to nag every blursday", "blursday"),
        ("to ping every 0 minutes", "interval"),
    ],
)
def test_split_what_when_names_the_problem(command: str, problem: str) -> None:
    with pytest.raises(ParseError, match="Try:") as caught:
        split_what_when(command, now=NOW, tz=NY)
    assert problem in str(caught.value)
    assert "no schedule found" not in str(caught.value)


@pytest.mark.parametrize("command", ["no schedule here", "to look at it", "hello world"])
def test_split_what_when_says_no_schedule_without_an_attempt(command: str) -> None:
    with pytest.raises(ParseError, match="no schedule found at the end of that message"):
        split_what_when(command, now=NOW, tz=NY)


def test_split_what_when_is_fast_for_long_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fast by construction, not by the clock (the time is a benchmark figure, parse_p99_ms): at most one grammar
    read per word, and never the slow dateparser fallback for a schedule the grammar reads."""
    import scheduling.fallback
    import scheduling.split

    reads: list[str] = []
    real_parse = scheduling.split.parse
    monkeypatch.setattr(scheduling.split, "parse", lambda when, **kw: reads.append(when) or real_parse(when, **kw))
    monkeypatch.setattr(scheduling.fallback, "_dateparser_date", lambda *a: pytest.fail("dateparser was called"))
    command = "to " + "check the deploy and the backups " * 6 + "every weekday at 9:30am"
    what, _ = split_what_when(command, now=NOW, tz=NY)
    assert what == ("check the deploy and the backups " * 6).strip()
    assert len(reads) <= len(command.split())


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("America/New_York", True),
        ("UTC", True),
        ("Mars/Base", False),
        ("", False),
        ("../etc/passwd", False),
        ("a" * 100, False),
    ],
)
def test_is_valid_zone(name: str, valid: bool) -> None:
    assert is_valid_zone(name) is valid
