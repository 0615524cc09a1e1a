"""Broadcast mentions: `<!channel>`, `<!here>`, `<!everyone>` and user groups (`<!subteam^S123|@oncall>`).

They reach the text as Slack escapes what people type in commands and messages. The bot posts with
neither `link_names` nor `parse=full`, so a plain `@channel` it posts stays plain text and notifies no one;
only the escaped forms do, and those are kept only when the creator may use them: workspace admins and
owners, or everyone when an admin said so with `/schedule settings broadcasts everyone`.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.context import Actor
from bot.errors import NotAllowed
from storage import policy

# `<!here>`, `<!channel|@channel>`, `<!subteam^S0123|@oncall>`; `<!group>` is Slack's old name for @channel.
_BROADCAST = re.compile(
    r"<!(?P<kind>channel|here|everyone|group|subteam\^(?P<group>[A-Z0-9]{1,32}))(?:\|(?P<label>[^<>|]{0,100}))?>"
)


def mentions(text: str) -> list[str]:
    """The broadcast mentions in `text`, named as people see them (`@here`, `@oncall`), in order."""
    return [_name(found) for found in _BROADCAST.finditer(text)]


def _name(found: re.Match[str]) -> str:
    if found.group("group"):
        label = (found.group("label") or "").strip()
        return label if label.startswith("@") else f"@{label}" if label else "a user group"
    return "@channel" if found.group("kind") == "group" else f"@{found.group('kind')}"


def check(session: Session, actor: Actor, text: str) -> None:
    """Refuse `text` when it has a broadcast mention this person may not schedule here."""
    found = mentions(text)
    if not found or actor.is_admin:
        return
    if policy.broadcasts(session, team_id=actor.team_id) == policy.BROADCASTS_EVERYONE:
        return
    raise NotAllowed(
        f"{found[0]} notifies everyone it names, so in this workspace only workspace admins and owners may "
        "schedule it (an admin can allow everyone with `/schedule settings broadcasts everyone`). "
        "Take it out of the message, or ask an admin",
        "/schedule #ops to check the deploy every friday at 4pm",
    )
