"""What Slack does to typed text before the app sees it (`should_escape: true`): #channel and @user become links."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

_CHANNEL_NAME = re.compile(r"(?<![\w<&])#([a-z][a-z0-9_-]{0,79})\b")
_USER_NAME = re.compile(r"(?<![\w<])@([a-z][a-z0-9._-]{0,79})\b")
SPECIAL_MENTIONS = frozenset({"here", "channel", "everyone"})


def channel_id_for(name: str) -> str:
    """A stable, Slack-shaped id for a channel the console makes up when someone names it."""
    return f"C0{zlib.crc32(name.encode()):08X}"


def escape(text: str, channel_id: Callable[[str], str], user_id: Callable[[str], str | None]) -> str:
    """`#ops` → `<#C…|ops>`, `@ana` → `<@U…>` when the user exists, `@here` → `<!here>`."""
    text = _CHANNEL_NAME.sub(lambda m: f"<#{channel_id(m.group(1))}|{m.group(1)}>", text)
    return _USER_NAME.sub(lambda m: _user_link(m.group(1), user_id), text)


def _user_link(name: str, user_id: Callable[[str], str | None]) -> str:
    if name in SPECIAL_MENTIONS:
        return f"<!{name}>"
    found = user_id(name)
    return f"<@{found}>" if found else f"@{name}"
