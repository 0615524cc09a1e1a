"""The Web API methods the stand-in implements, by name."""

from __future__ import annotations

from schedulebot.standin import chat, conversations, directory, views
from schedulebot.standin.api import Handler

METHODS: dict[str, Handler] = {
    "auth.test": directory.auth_test,
    "chat.postMessage": chat.post_message,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.update": chat.update,
    "chat.delete": chat.delete,
    "chat.getPermalink": chat.get_permalink,
    "conversations.history": chat.history,
    "conversations.replies": chat.replies,
    "conversations.info": conversations.conversations_info,
    "conversations.members": conversations.conversations_members,
    "users.conversations": conversations.users_conversations,
    "users.info": directory.users_info,
    "team.info": directory.team_info,
    "views.publish": views.publish,
    "views.open": views.open_modal,
    "views.update": views.update,
    "oauth.v2.access": directory.oauth_v2_access,
}

# Methods Slack serves without a bearer token (the client authenticates with its id and secret).
TOKENLESS_METHODS = frozenset({"oauth.v2.access"})
