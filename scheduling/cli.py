"""`schedulebot parse TEXT --now 2026-03-06T10:00:00 --tz America/New_York --count 3 --json`."""

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from scheduling.calendars import check_region
from scheduling.describe import describe
from scheduling.errors import ParseError
from scheduling.parser import parse
from scheduling.recurrence import next_runs
from scheduling.zones import get_zone

EXIT_INVALID = 2
MAX_COUNT = 1000


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _arguments() -> argparse.ArgumentParser:
    parser = _Parser(prog="schedulebot parse", description="Show what a schedule phrase means.")
    parser.add_argument("text", nargs="+", help="the schedule, e.g. 'every weekday at 9:30am'")
    parser.add_argument("--now", help="naive local wall time in --tz (default: the current time)")
    parser.add_argument("--tz", default="UTC", help="IANA time zone (default: UTC)")
    parser.add_argument("--holidays", help="holiday region business days follow, e.g. US, US-CA, GB-ENG")
    parser.add_argument("--count", type=int, default=3, help="how many next runs to show (default: 3)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def cli(argv: list[str]) -> int:
    """Run `schedulebot parse`; returns the exit code (2 for input that is not a valid schedule)."""
    wants_json = "--json" in argv
    try:
        args = _arguments().parse_args(argv)
        result = _run(" ".join(args.text), args.now, args.tz, args.count, args.holidays)
    except (ParseError, _UsageError) as exc:
        return _fail(str(exc), wants_json)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    if args.json:
        print(json.dumps(result))
    else:
        print(result["description"])
        for run in result["next"]:
            moment = datetime.fromisoformat(run).astimezone(get_zone(args.tz))
            print(f"  {moment:%a %b %d, %Y %I:%M %p %Z}  ({run})")
        if not result["next"]:
            print("  (no more runs)")
    return 0


def _run(text: str, now_text: str | None, tz: str, count: int, holidays: str | None) -> dict[str, Any]:
    zone = get_zone(tz)
    region = None if holidays is None else check_region(holidays)
    if not 0 <= count <= MAX_COUNT:
        raise ParseError(f"--count must be between 0 and {MAX_COUNT}. Try: --count 3")
    now = datetime.now(zone).replace(microsecond=0) if now_text is None else _local_now(now_text, tz)
    schedule = parse(text, now=now, tz=tz, holidays=region)
    runs = next_runs(schedule, now, count)
    return {
        "kind": schedule.kind,
        "description": describe(schedule, now=now),
        "next": [run.isoformat() for run in runs],
    }


def _local_now(text: str, tz: str) -> datetime:
    from scheduling.zones import resolve_local

    try:
        naive = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ParseError(f"--now '{text[:40]}' is not a date and time. Try: --now 2026-03-06T10:00:00") from exc
    if naive.tzinfo is not None:
        raise ParseError("--now is a local wall time without an offset. Try: --now 2026-03-06T10:00:00")
    return resolve_local(naive, get_zone(tz))


def _fail(message: str, wants_json: bool) -> int:
    if wants_json:
        print(json.dumps({"error": message}))
    else:
        print(message, file=sys.stderr)
    return EXIT_INVALID


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(cli(args[1:] if args[:1] == ["parse"] else args))
