"""Membership in the stand-in: users.conversations, conversations.members and .info in Slack's shapes, paged."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.membership import Memberships
from schedulebot.standin import SlackStandIn, StandInControl
from schedulebot.standin.workspace import SEED_CHANNELS


def test_a_full_member_is_in_every_open_channel_and_a_guest_only_where_listed(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.set_user("UGUEST", is_restricted=True)
    standin.set_members("GSECRET", ["U1", "UGUEST"], name="secret", private=True)
    types = "public_channel,private_channel,mpim"
    mine = client.users_conversations(user="U1", types=types)
    assert {c["id"] for c in mine["channels"]} == {*SEED_CHANNELS, "GSECRET"}
    guest = client.users_conversations(user="UGUEST", types=types)
    assert [(c["id"], c["is_private"], c["name"]) for c in guest["channels"]] == [("GSECRET", True, "secret")]
    assert client.users_conversations(user="UGUEST", types="public_channel")["channels"] == []
    assert client.conversations_members(channel="GSECRET")["members"] == ["U1", "UGUEST"]
    info = client.conversations_info(channel="GSECRET", include_num_members=True)["channel"]
    assert info["is_private"] and info["is_group"] and not info["is_channel"] and info["num_members"] == 2
    assert client.users_info(user="UGUEST")["user"]["is_restricted"] is True
    with pytest.raises(SlackApiError, match="invalid_types"):
        client.users_conversations(user="U1", types="nonsense")


def test_lists_page_with_next_cursor_and_the_bot_follows_every_page(standin: SlackStandIn, client: WebClient) -> None:
    for n in range(1500):
        standin.set_members(f"CMANY{n:04d}", ["U7"])
    first = client.users_conversations(user="U7", types="public_channel", limit=999)
    cursor = first["response_metadata"]["next_cursor"]
    assert len(first["channels"]) == 999 and cursor and "is_member" not in first["channels"][0]
    rest = client.users_conversations(user="U7", types="public_channel", limit=999, cursor=cursor)
    assert len(rest["channels"]) == 501 + len(SEED_CHANNELS) and rest["response_metadata"]["next_cursor"] == ""
    with pytest.raises(SlackApiError, match="invalid_limit"):
        client.users_conversations(user="U7", limit=1000)
    found = Memberships().channels(client, team_id="T1", user_id="U7")
    assert found is not None and len(found) == 1500 + len(SEED_CHANNELS)


def test_joins_and_leaves_and_the_control_api(standin: SlackStandIn, client: WebClient) -> None:
    control = StandInControl(standin.base_url)
    control.set_members("GOPS", ["U1"], name="ops", private=True)
    standin.join("GOPS", "U2")
    assert client.conversations_members(channel="GOPS")["members"] == ["U1", "U2"]
    standin.leave("GOPS", "U1")
    assert client.conversations_members(channel="GOPS")["members"] == ["U2"]
    control.close()
