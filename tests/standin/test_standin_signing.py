from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import Ack, App, Respond, Say
from slack_sdk.signature import SignatureVerifier

from schedulebot.standin import SignedSender, SlackStandIn
from schedulebot.standin import payloads as p

SIGNING_SECRET = "unit-signing-secret"


def test_signature_is_what_slack_sdk_verifies() -> None:
    sender = SignedSender("http://127.0.0.1:9/slack/events", SIGNING_SECRET)
    verifier = SignatureVerifier(SIGNING_SECRET)
    body = "token=x&text=%2Fschedule+hello"

    headers = sender.sign(body)
    assert headers["X-Slack-Signature"].startswith("v0=") and len(headers["X-Slack-Signature"]) == 67
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + "&tampered=1", headers)
    assert not verifier.is_valid_request(body, sender.sign(body, secret="someone-else"))
    assert not verifier.is_valid_request(body, sender.sign(body, timestamp=SignedSender.stale_timestamp()))
    assert not verifier.is_valid_request(body, sender.sign(body, signature="v0=" + "0" * 64))


@pytest.mark.parametrize(
    "forgery",
    [{"secret": "wrong"}, {"timestamp": SignedSender.stale_timestamp()}, {"signature": "v0=deadbeef"}],
    ids=["wrong-secret", "stale-replay", "forged-signature"],
)
def test_bolt_refuses_forged_and_stale_requests(bolt_app: App, sender: SignedSender, forgery: Any) -> None:
    handled: list[str] = []
    bolt_app.command("/schedule")(lambda ack, command: (ack(), handled.append(command["text"])))

    assert sender.command(text="forged", **forgery).status_code == 401
    assert sender.command(text="help").status_code == 200
    assert handled == ["help"]


def test_slash_command_fields_and_respond(bolt_app: App, sender: SignedSender, standin: SlackStandIn) -> None:
    seen: dict[str, Any] = {}

    @bolt_app.command("/schedule")
    def schedule(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        seen.update(command)
        respond(text=f"got {command['text']}")

    response = sender.command(text="to hello in 1 minute", user_id="U3", channel_id="C4", channel_name="ops")

    assert response.status_code == 200
    standin.wait_for(lambda calls: any(c.method == "response_url" for c in calls), timeout=5)
    [reply] = standin.calls("response_url")
    assert (reply.text, reply.channel) == ("got to hello in 1 minute", "C4")
    expected = {"command", "text", "user_id", "user_name", "channel_id", "channel_name", "team_id", "team_domain"}
    assert expected | {"api_app_id", "is_enterprise_install", "response_url", "trigger_id", "token"} <= set(seen)
    assert (seen["user_id"], seen["channel_name"], seen["team_id"]) == ("U3", "ops", "T1")


def test_block_action_from_a_message_and_from_app_home(
    bolt_app: App, sender: SignedSender, standin: SlackStandIn
) -> None:
    bodies: list[dict[str, Any]] = []

    @bolt_app.action("pause")
    def pause(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        bodies.append(body)

    assert sender.block_action("pause", "12", channel_id="C1", message={"ts": "1.000200", "text": "x"}).ok
    assert sender.block_action("pause", "13", user_id="U2").ok

    from_message, from_home = bodies
    assert from_message["container"] == {
        "type": "message",
        "message_ts": "1.000200",
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert from_message["actions"][0]["value"] == "12" and from_message["response_url"].startswith(standin.base_url)
    assert from_home["view"]["type"] == "home" and from_home["container"]["type"] == "view"
    assert from_home["user"]["id"] == "U2" and "response_url" not in from_home


def test_view_submission_state_values(bolt_app: App, sender: SignedSender, standin: SlackStandIn) -> None:
    submitted: dict[str, Any] = {}

    @bolt_app.view("new_schedule")
    def save(ack: Ack, view: dict[str, Any]) -> None:
        submitted.update(view)
        ack(response_action="errors", errors={"when": "no schedule found"})

    values = {"what": {"text": "stand-up"}, "where": {"channel": p.conversations_select("C7")}}
    response = sender.view_submission("new_schedule", values, private_metadata="m1")

    assert response.json() == {"response_action": "errors", "errors": {"when": "no schedule found"}}
    assert submitted["state"]["values"] == {
        "what": {"text": {"type": "plain_text_input", "value": "stand-up"}},
        "where": {"channel": {"type": "conversations_select", "selected_conversation": "C7"}},
    }
    assert submitted["private_metadata"] == "m1"


def test_events_reach_their_listeners(bolt_app: App, sender: SignedSender, standin: SlackStandIn) -> None:
    events: list[dict[str, Any]] = []
    all_four = threading.Event()

    def record(event: dict[str, Any]) -> None:
        events.append(event)
        if len(events) == 4:
            all_four.set()

    for name in ("app_mention", "app_home_opened", "user_change"):
        bolt_app.event(name)(record)

    @bolt_app.message("")
    def direct(message: dict[str, Any], say: Say) -> None:
        say("noted")
        record(message)

    assert sender.app_mention("remind #ops to ship every friday", user="U2", channel="C2").status_code == 200
    assert sender.message_im("list", user="U2").status_code == 200
    assert sender.app_home_opened(user="U2").status_code == 200
    assert sender.user_change("U2", tz="Europe/Paris").status_code == 200
    assert all_four.wait(timeout=5), f"listeners ran for {[e['type'] for e in events]} only"
    standin.wait_for_posts(1, timeout=5)

    by_type = {e["type"]: e for e in events}
    mention, im, home, change = (by_type[t] for t in ("app_mention", "message", "app_home_opened", "user_change"))
    assert mention["text"] == "<@UBOT> remind #ops to ship every friday"
    assert (im["channel_type"], im["channel"]) == ("im", "D1")
    assert home["tab"] == "home" and change["user"]["tz"] == "Europe/Paris"
    assert [(post.channel, post.text) for post in standin.posts()] == [("D1", "noted")]


def test_event_envelope_shape() -> None:
    envelope = p.event_callback(p.AppIdentity(), event={"type": "app_mention"}, team_id="T2", event_id="Ev1")
    assert envelope["type"] == "event_callback" and envelope["event_id"] == "Ev1"
    assert envelope["authorizations"][0] == {
        "enterprise_id": None,
        "team_id": "T2",
        "user_id": "UBOTT2",
        "is_bot": True,
        "is_enterprise_install": False,
    }
    assert {"token", "team_id", "api_app_id", "event_time"} <= set(envelope) and "event_ts" in envelope["event"]


def test_url_verification_echoes_the_challenge(sender: SignedSender) -> None:
    response = sender.url_verification("abc123")
    assert response.status_code == 200 and response.json() == {"challenge": "abc123"}


def test_forms_are_encoded_like_slack() -> None:
    sender = SignedSender("http://127.0.0.1:9/slack/events", SIGNING_SECRET)
    payload = p.block_actions(
        sender.app,
        action=p.button("run", "1"),
        user_id="U1",
        team_id="T1",
        channel_id="C1",
        message=None,
        view=None,
        container=None,
        response_url=None,
        ephemeral=True,
    )
    form = parse_qs(f"payload={json.dumps(payload)}")
    assert json.loads(form["payload"][0])["container"]["is_ephemeral"] is True
    assert "message" not in payload
