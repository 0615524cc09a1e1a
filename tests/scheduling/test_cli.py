"""`schedulebot parse …` in-process and once as a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scheduling.cli import cli

ARGS = ["--now", "2026-03-06T10:00:00", "--tz", "America/New_York"]


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["every weekday at 9:30am", *ARGS, "--count", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "kind": "recurring",
        "description": "every weekday at 9:30 AM (America/New_York)",
        "next": ["2026-03-09T09:30:00-04:00", "2026-03-10T09:30:00-04:00"],
    }


def test_default_count_is_three_and_once_has_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["every day", *ARGS, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["next"]) == 3
    assert cli(["in 3 hours", *ARGS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["next"] == ["2026-03-06T13:00:00-05:00"]


def test_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["tomorrow at noon", *ARGS]) == 0
    out = capsys.readouterr().out
    assert "once, Sat Mar 7, 2026 at 12:00 PM (America/New_York)" in out
    assert "2026-03-07T12:00:00-05:00" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["at 25:00", *ARGS],
        ["", *ARGS],
        ["at 5pm", "--now", "garbage"],
        ["at 5pm", "--tz", "Mars/Base"],
        ["at 5pm", "--count", "x"],
        ["at 5pm", "--now", "2026-03-06T10:00:00+00:00"],
        [],
    ],
)
def test_invalid_input_exits_2_with_json_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli([*argv, "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]


def test_invalid_input_without_json_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["every blursday", *ARGS]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "blursday" in captured.err


def test_subprocess_has_no_traceback() -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "scheduling.cli", "every blursday", *ARGS, "--json"],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error" in json.loads(result.stdout)


def test_holidays_region_reaches_business_days(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--now", "2026-12-23T10:00:00", "--tz", "America/New_York", "--count", "3", "--json"]
    assert cli(["every business day at 9am", *args, "--holidays", "US"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "recurring"
    assert out["next"] == ["2026-12-24T09:00:00-05:00", "2026-12-28T09:00:00-05:00", "2026-12-29T09:00:00-05:00"]
    assert cli(["every business day at 9am", *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["next"][1] == "2026-12-25T09:00:00-05:00"
    assert "business days are Monday to Friday" in out["description"]


def test_unknown_holiday_region_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["every business day", *ARGS, "--holidays", "Narnia", "--json"]) == 2
    assert "'Narnia' is not a holiday region" in json.loads(capsys.readouterr().out)["error"]
