from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from schedulebot.standin import SlackStandIn, StandInControl

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent(
    """
    import os
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from schedulebot.standin import StandInControl

    control = StandInControl(os.environ["SLACK_API_URL"])
    control.faults(script=("500", "ok", "429"), retry_after=0)
    control.set_user("U7", tz="Europe/Berlin")
    client = WebClient(token="xoxb-worker", base_url=os.environ["SLACK_API_URL"], retry_handlers=[])
    for text in ("a", "b", "c", "d"):
        try:
            client.chat_postMessage(channel="C5", text=text)
        except SlackApiError as error:
            print(error.response.status_code)
    print(client.users_info(user="U7")["user"]["tz"])
    """
)


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )


def test_a_subprocess_drives_the_standin_and_the_test_reads_the_record(standin: SlackStandIn) -> None:
    result = _run(WORKER, standin.env())

    assert result.stdout.split() == ["500", "429", "Europe/Berlin"]
    assert [p.text for p in standin.posts("C5")] == ["b", "d"]
    assert [c.status for c in standin.calls("chat.postMessage")] == [500, 200, 429, 200]


def test_control_client_reads_calls_posts_and_history(standin: SlackStandIn) -> None:
    control = StandInControl(standin.base_url)
    _run(WORKER, standin.env())

    assert [p.text for p in control.posts(channel="C5")] == ["b", "d"]
    assert [c.status for c in control.calls(method="chat.postMessage")] == [500, 200, 429, 200]
    assert [m["text"] for m in control.history("C5")] == ["d", "b"]
    assert [p.text for p in control.wait_for_posts(2, timeout=1, channel="C5")] == ["b", "d"]
    with pytest.raises(TimeoutError):
        control.wait_for_posts(3, timeout=0.1)
    assert control.health()["api_url"] == standin.api_url
    control.reset()
    assert control.calls() == [] and standin.fault_plan.script == ()
    control.close()


def test_control_refuses_bad_fault_options(standin: SlackStandIn) -> None:
    response = requests.post(f"{standin.base_url}/_standin/faults", json={"rate_blue": 1}, timeout=5)
    assert response.status_code == 400 and "rate_blue" in response.json()["detail"]


def test_module_runs_standalone_and_logs_posts() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "schedulebot.standin", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        try:
            api_url = process.stdout.readline().strip()
            assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/api/")
            _run(
                "import os; from slack_sdk import WebClient; "
                "WebClient(token='xoxb-secret-token', base_url=os.environ['SLACK_API_URL'])"
                ".chat_postMessage(channel='C1', text='hello there')",
                {"SLACK_API_URL": api_url},
            )
            line = process.stdout.readline()
            assert "chat.postMessage #C1" in line and "hello there" in line and "xoxb" not in line
        finally:
            process.terminate()
    assert process.returncode == 0
