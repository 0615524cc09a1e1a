"""chat.postMessage's two limits at the stand-in: per channel and per workspace (a token bucket), each 429 counted."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from schedulebot.standin import SlackStandIn, StandInControl


def _post(client: WebClient, channel: str) -> int | str:
    """The post's ts, or the whole seconds of Retry-After when refused."""
    try:
        return str(client.chat_postMessage(channel=channel, text="hi")["ts"])
    except SlackApiError as exc:
        assert exc.response.status_code == 429 and exc.response["error"] == "ratelimited"
        return int(exc.response.headers["Retry-After"])


def test_workspace_bucket_allows_its_burst_then_refuses_with_the_refill_time(standin: SlackStandIn) -> None:
    standin.add_token("xoxb-a", "TA")
    standin.add_token("xoxb-b", "TB")
    standin.faults(workspace_per_minute=6, workspace_burst=3)  # one token every 10 s
    a = WebClient(token="xoxb-a", base_url=standin.api_url, retry_handlers=[])
    b = WebClient(token="xoxb-b", base_url=standin.api_url, retry_handlers=[])

    outcomes = [_post(a, f"CA{i}") for i in range(5)]

    assert all(isinstance(o, str) for o in outcomes[:3])
    assert all(isinstance(o, int) and 9 <= o <= 10 for o in outcomes[3:])  # the bucket refills one post in 10 s
    assert isinstance(_post(b, "CB1"), str)  # another workspace has a bucket of its own
    assert standin.rate_limited() == {"429": 0, "channel_rate": 0, "workspace_rate": 2}
    assert [c.fault for c in standin.calls()][3:5] == ["workspace_rate", "workspace_rate"]
    assert len(standin.posts()) == 4


def test_the_bucket_refills_at_its_rate(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(workspace_per_minute=120, workspace_burst=1)  # one post every half second

    assert isinstance(_post(client, "C1"), str)
    assert _post(client, "C2") == 1
    time.sleep(0.6)
    assert isinstance(_post(client, "C3"), str)


def test_a_post_the_channel_refuses_takes_nothing_from_the_workspace(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(channel_min_interval=5.0, workspace_per_minute=6, workspace_burst=2)

    assert isinstance(_post(client, "C1"), str)
    assert _post(client, "C1") == 5
    assert isinstance(_post(client, "C2"), str)  # the second workspace token is still there
    assert _post(client, "C3") == 10
    assert standin.rate_limited() == {"429": 0, "channel_rate": 1, "workspace_rate": 1}


def test_injected_429s_are_counted_and_a_new_plan_starts_the_count_again(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.faults(script=("429", "ok"), retry_after=3)
    assert _post(client, "C1") == 3
    assert isinstance(_post(client, "C1"), str)
    assert StandInControl(standin.api_url).rate_limited() == {"429": 1, "channel_rate": 0, "workspace_rate": 0}

    standin.faults()
    assert standin.rate_limited() == {"429": 0, "channel_rate": 0, "workspace_rate": 0}


@pytest.mark.parametrize("options", [{"workspace_per_minute": -1}, {"workspace_burst": 0}])
def test_bad_workspace_limits_are_refused(standin: SlackStandIn, options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="workspace_burst"):
        standin.faults(**options)
