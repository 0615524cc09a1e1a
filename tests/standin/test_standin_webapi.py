from __future__ import annotations

import threading

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from schedulebot.standin import Call, SlackStandIn

RUN_METADATA = {"event_type": "schedulebot_run", "event_payload": {"run_id": 42}}


def test_post_and_read_back_with_metadata(standin: SlackStandIn, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]
    first = client.chat_postMessage(channel="C1", text="hello", blocks=blocks, metadata=RUN_METADATA)
    second = client.chat_postMessage(channel="C1", text="again")

    assert first["ok"] and first["channel"] == "C1"
    assert first["message"]["metadata"] == RUN_METADATA and first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])
    history = client.conversations_history(channel="C1", include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["again", "hello"]
    assert history["messages"][1]["metadata"] == RUN_METADATA
    plain = client.conversations_history(channel="C1")
    assert "metadata" not in plain["messages"][1]
    assert [p.ts for p in standin.posts("C1")] == [first["ts"], second["ts"]]
    assert standin.posts()[0].metadata == RUN_METADATA and standin.posts()[0].token == "xoxb-test-token"


def test_history_limit_oldest_and_cursor(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C2", text=str(i))["ts"] for i in range(5)]

    newest_two = client.conversations_history(channel="C2", limit=2)
    assert [m["text"] for m in newest_two["messages"]] == ["4", "3"] and newest_two["has_more"]
    cursor = newest_two["response_metadata"]["next_cursor"]
    assert [m["text"] for m in client.conversations_history(channel="C2", limit=2, cursor=cursor)["messages"]] == [
        "2",
        "1",
    ]
    assert [m["text"] for m in client.conversations_history(channel="C2", oldest=stamps[2])["messages"]] == ["4", "3"]
    assert client.conversations_history(channel="C3")["messages"] == []


def test_update_delete_permalink_and_ephemeral(standin: SlackStandIn, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]
    assert client.chat_update(channel="C1", ts=ts, text="final")["message"]["text"] == "final"
    assert client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"].endswith(ts.replace(".", ""))
    assert client.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    client.chat_delete(channel="C1", ts=ts)
    assert standin.history("C1") == []
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C1", ts=ts, text="gone")
    assert [c.method for c in standin.calls() if not c.ok] == ["chat.update"]


def test_form_encoded_and_json_bodies_and_token_param(standin: SlackStandIn) -> None:
    form = requests.post(
        f"{standin.api_url}chat.postMessage", data={"token": "xoxb-form", "channel": "C1", "text": "f"}
    )
    as_json = requests.post(
        f"{standin.api_url}chat.postMessage",
        json={"channel": "C1", "text": "j"},
        headers={"Authorization": "Bearer xoxb-json"},
    )
    assert form.json()["ok"] and as_json.json()["ok"]
    assert [(p.text, p.token) for p in standin.posts()] == [("f", "xoxb-form"), ("j", "xoxb-json")]


def test_auth_errors_and_unknown_method(standin: SlackStandIn) -> None:
    for token, error in (("xoxp-user", "invalid_auth"), ("", "not_authed")):
        with pytest.raises(SlackApiError) as raised:
            WebClient(token=token or None, base_url=standin.api_url).auth_test()
        assert raised.value.response["error"] == error
    with pytest.raises(SlackApiError, match="unknown_method"):
        WebClient(token="xoxb-1", base_url=standin.api_url).api_call("chat.sendTelegram")


def test_explicit_tokens_map_to_teams() -> None:
    with SlackStandIn(valid_tokens={"xoxb-a"}) as standin:
        standin.add_token("xoxb-b", team_id="T2")
        assert WebClient(token="xoxb-a", base_url=standin.api_url).auth_test()["team_id"] == "T1"
        second = WebClient(token="xoxb-b", base_url=standin.api_url).auth_test()
        assert (second["team_id"], second["user_id"], second["bot_id"]) == ("T2", "UBOTT2", "BBOTT2")
        with pytest.raises(SlackApiError, match="invalid_auth"):
            WebClient(token="xoxb-other", base_url=standin.api_url).auth_test()
        assert [c.team_id for c in standin.calls("auth.test")] == ["T1", "T2", None]


def test_users_info_time_zone_and_roles(standin: SlackStandIn, client: WebClient) -> None:
    standin.set_user("U2", tz="Asia/Kolkata", is_admin=True)

    default = client.users_info(user="U1")["user"]
    assert default["tz"] == "America/New_York" and default["tz_offset"] in (-18000, -14400)
    admin = client.users_info(user="U2")["user"]
    assert (admin["tz"], admin["tz_offset"], admin["is_admin"], admin["is_owner"]) == (
        "Asia/Kolkata",
        19800,
        True,
        False,
    )


def test_views_are_kept(standin: SlackStandIn, client: WebClient) -> None:
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}]})["view"]
    modal = client.views_open(trigger_id="1.2.3", view={"type": "modal", "callback_id": "new", "blocks": []})["view"]
    client.views_update(view_id=modal["id"], view={"type": "modal", "callback_id": "new2", "blocks": []})

    assert standin.home_view("U1")["blocks"] == [{"type": "divider"}]  # type: ignore[index]
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]["id"] == home["id"]
    assert {v["callback_id"] for v in standin.views()} == {"", "new2"}


def test_oauth_code_exchange(standin: SlackStandIn) -> None:
    standin.add_oauth_code("code-b", team_id="T2", team_name="Beta", bot_token="xoxb-beta")
    client = WebClient(base_url=standin.api_url)

    answer = client.oauth_v2_access(client_id="cid", client_secret="secret", code="code-b")
    assert (answer["team"], answer["access_token"], answer["bot_user_id"]) == (
        {"id": "T2", "name": "Beta"},
        "xoxb-beta",
        "UBOTT2",
    )
    assert WebClient(token="xoxb-beta", base_url=standin.api_url).auth_test()["team_id"] == "T2"
    with pytest.raises(SlackApiError, match="invalid_code"):
        client.oauth_v2_access(client_id="cid", client_secret="secret", code="code-b")


def test_response_url_records_and_posts_in_channel(standin: SlackStandIn) -> None:
    url = standin.response_url(channel="C9", user="U1")
    assert WebhookClient(url).send(text="only you", response_type="ephemeral").status_code == 200
    assert WebhookClient(url).send(text="everyone", response_type="in_channel").status_code == 200

    replies = standin.calls("response_url")
    assert [(r.text, r.channel) for r in replies] == [("only you", "C9"), ("everyone", "C9")]
    assert [m["text"] for m in standin.history("C9")] == ["everyone"]


def test_listener_and_wait_for_posts_across_threads(standin: SlackStandIn, client: WebClient) -> None:
    seen: list[Call] = []
    unsubscribe = standin.on_call(seen.append)
    threading.Timer(0.05, lambda: [client.chat_postMessage(channel="C1", text=str(i)) for i in range(3)]).start()

    posts = standin.wait_for_posts(3, timeout=5)
    unsubscribe()
    client.chat_postMessage(channel="C1", text="after")
    assert [p.text for p in posts] == ["0", "1", "2"]
    assert [c.text for c in seen] == ["0", "1", "2"]
    with pytest.raises(TimeoutError, match="10 post"):
        standin.wait_for_posts(10, timeout=0.05)


def test_clear_forgets_calls_and_messages(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")
    standin.clear()
    assert standin.calls() == [] and standin.history("C1") == []
