"""Threads in the stand-in: conversations.replies in Slack's shape, paged, while the history shows only parents."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

RUN_METADATA = {"event_type": "schedulebot_run", "event_payload": {"run_id": 7}}


def test_replies_give_the_parent_first_then_the_replies_oldest_first(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="reminder")["ts"]
    first = client.chat_postMessage(channel="C1", text="again", thread_ts=parent, metadata=RUN_METADATA)["ts"]
    client.chat_postMessage(channel="C1", text="elsewhere")
    second = client.chat_postMessage(channel="C1", text="and again", thread_ts=parent)["ts"]

    thread = client.conversations_replies(channel="C1", ts=parent, include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["reminder", "again", "and again"]
    head = thread["messages"][0]
    assert (head["thread_ts"], head["reply_count"], head["latest_reply"]) == (parent, 2, second)
    assert thread["messages"][1]["metadata"] == RUN_METADATA and not thread["has_more"]
    assert "metadata" not in client.conversations_replies(channel="C1", ts=parent)["messages"][1]
    by_reply = client.conversations_replies(channel="C1", ts=first)["messages"]
    assert [m["ts"] for m in by_reply] == [parent, first, second], "a reply's ts names its whole thread"
    assert [m["text"] for m in client.conversations_history(channel="C1")["messages"]] == ["elsewhere", "reminder"]


def test_replies_page_with_a_cursor_and_filter_the_replies_by_oldest(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C2", text="reminder")["ts"]
    stamps = [client.chat_postMessage(channel="C2", text=str(i), thread_ts=parent)["ts"] for i in range(4)]

    page = client.conversations_replies(channel="C2", ts=parent, limit=3)
    assert [m["text"] for m in page["messages"]] == ["reminder", "0", "1"] and page["has_more"]
    cursor = page["response_metadata"]["next_cursor"]
    rest = client.conversations_replies(channel="C2", ts=parent, limit=3, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["2", "3"] and not rest["has_more"]
    assert rest["response_metadata"]["next_cursor"] == ""
    recent = client.conversations_replies(channel="C2", ts=parent, oldest=stamps[1])["messages"]
    assert [m["text"] for m in recent] == ["reminder", "2", "3"]


def test_an_unthreaded_message_is_a_thread_of_one_and_an_unknown_ts_is_refused(client: WebClient) -> None:
    alone = client.chat_postMessage(channel="C3", text="alone")["ts"]
    [message] = client.conversations_replies(channel="C3", ts=alone)["messages"]
    assert message["text"] == "alone" and "reply_count" not in message
    with pytest.raises(SlackApiError, match="thread_not_found"):
        client.conversations_replies(channel="C3", ts="1.000001")
