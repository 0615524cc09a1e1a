from __future__ import annotations

import contextlib
import time
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from schedulebot.standin import FaultPlan, SlackStandIn, StandInControl


def test_429_carries_retry_after_and_slack_sdk_sees_it(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(rate_429=1.0, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")

    response = raised.value.response
    assert response.status_code == 429 and response["error"] == "ratelimited"
    assert response.headers["Retry-After"] == "7"
    assert standin.posts() == []
    [call] = standin.calls("chat.postMessage")
    assert (call.status, call.fault, call.delivered) == (429, "429", False)


def test_slack_sdk_retry_handler_honours_a_scripted_429(standin: SlackStandIn) -> None:
    standin.faults(script=("429",), retry_after=0)
    client = WebClient(token="xoxb-1", base_url=standin.api_url, retry_handlers=[RateLimitErrorRetryHandler()])

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in standin.calls()] == [429, 200]
    assert len(standin.posts()) == 1


def test_500_is_an_http_500(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(rate_500=1.0)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response.status_code == 500
    assert standin.history("C1") == []


def test_faults_only_hit_the_listed_methods(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(rate_500=1.0)
    assert client.auth_test()["ok"]
    standin.faults(rate_500=1.0, methods=("*",))
    with pytest.raises(SlackApiError):
        client.auth_test()


def test_timeout_delivers_the_post_but_the_client_gives_up(standin: SlackStandIn) -> None:
    standin.faults(rate_timeout=1.0, timeout_seconds=2.0)
    client = WebClient(token="xoxb-1", base_url=standin.api_url, timeout=0.2, retry_handlers=[])  # type: ignore[arg-type]

    started = time.monotonic()
    with pytest.raises((TimeoutError, URLError)):
        client.chat_postMessage(channel="C1", text="maybe", metadata={"event_type": "run", "event_payload": {"id": 1}})

    # The client's own 0.2 s timeout ended the call, not the stand-in's answer 2 s later (10x headroom).
    assert time.monotonic() - started < 2.0
    [post] = standin.posts()
    assert (post.fault, post.delivered, post.text) == ("timeout", True, "maybe")
    standin.faults()
    found = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["metadata"]["event_payload"] for m in found] == [{"id": 1}]


def test_timeout_can_leave_nothing_delivered(standin: SlackStandIn) -> None:
    standin.faults(rate_timeout=1.0, timeout_seconds=2.0, deliver_on_timeout=False)
    client = WebClient(token="xoxb-1", base_url=standin.api_url, timeout=0.2, retry_handlers=[])  # type: ignore[arg-type]

    with pytest.raises((TimeoutError, URLError)):
        client.chat_postMessage(channel="C1", text="lost")

    assert standin.posts() == [] and standin.history("C1") == []
    assert [c.fault for c in standin.calls()] == ["timeout"]


def _outcomes(seed: int) -> list[int]:
    with SlackStandIn() as standin:
        standin.faults(rate_429=0.3, rate_500=0.2, retry_after=0, seed=seed)
        client = WebClient(token="xoxb-1", base_url=standin.api_url, retry_handlers=[])
        for i in range(30):
            with contextlib.suppress(SlackApiError):
                client.chat_postMessage(channel="C1", text=str(i))
        return [c.status for c in standin.calls()]


def test_faults_are_deterministic_for_a_seed() -> None:
    first = _outcomes(seed=3)
    assert first == _outcomes(seed=3)
    assert first != _outcomes(seed=4)
    assert {429, 500, 200} == set(first)


def test_per_channel_rate_limit(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(channel_min_interval=5.0)

    client.chat_postMessage(channel="C1", text="first")
    client.chat_postMessage(channel="C2", text="other channel")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="too soon")

    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 4
    assert [c.fault for c in standin.calls()] == [None, None, "channel_rate"]


def test_reset_removes_faults(standin: SlackStandIn, client: WebClient) -> None:
    standin.faults(rate_500=1.0)
    standin.reset()
    assert client.chat_postMessage(channel="C1", text="ok")["ok"]
    assert standin.fault_plan == FaultPlan()


@pytest.mark.parametrize(
    "options",
    [{"rate_429": 0.7, "rate_500": 0.7}, {"rate_429": -0.1}, {"script": ("503",)}, {"rate_blue": 0.1}],
)
def test_bad_fault_plans_are_refused(standin: SlackStandIn, options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        standin.faults(**options)


def test_unreachable_refuses_every_connection_records_nothing_and_comes_back(
    standin: SlackStandIn, client: WebClient
) -> None:
    assert client.chat_postMessage(channel="C1", text="before")["ok"]  # a kept-alive connection exists now
    StandInControl(standin.base_url).unreachable(True)
    for _ in range(2):  # the kept-alive connection and a new one are both dropped unanswered
        with pytest.raises((URLError, ConnectionError, OSError)):
            client.chat_postMessage(channel="C1", text="during")
    assert standin.refused >= 2 and [c.text for c in standin.posts()] == ["before"]
    standin.unreachable(False)
    assert client.chat_postMessage(channel="C1", text="after")["ok"]
    assert [c.text for c in standin.posts()] == ["before", "after"]
