"""Slack messages as console text: mrkdwn made readable, Block Kit flattened, buttons numbered."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# <!date^1700000000^{date_short_pretty} at {time}|fallback>
_DATE = re.compile(r"<!date\^(\d+)\^[^|>]*(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
DATE_FORMAT = "%a %b %-d %Y, %-I:%M %p %Z"
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
# The shortcodes the bot uses, as a terminal can show them; others stay as typed.
EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "warning": "⚠️",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "double_vertical_bar": "⏸️",
    "arrow_forward": "▶️",
    "no_entry_sign": "🚫",
    "alarm_clock": "⏰",
    "calendar": "📅",
    "date": "📅",
    "clock3": "🕒",
    "zzz": "💤",
    "fast_forward": "⏩",
    "wastebasket": "🗑️",
    "information_source": "ℹ️",
    "rotating_light": "🚨",
    "hourglass_flowing_sand": "⏳",
    "repeat": "🔁",
    "bell": "🔔",
    "tada": "🎉",
    "rocket": "🚀",
    "gear": "⚙️",
    "arrows_counterclockwise": "🔄",
    "pencil2": "✏️",
    "thinking_face": "🤔",
    "earth_africa": "🌍",
    "wrench": "🔧",
}


@dataclass(frozen=True)
class Button:
    """A pressable element of a shown message, with what a block_actions payload needs."""

    label: str
    action: dict[str, Any]
    message: dict[str, Any]
    channel: str
    ephemeral: bool


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    buttons: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class Renderer:
    """Turns mrkdwn and blocks into plain lines; names channels and users through the given lookups."""

    def __init__(self, zone: ZoneInfo, channel_name: Callable[[str], str], user_name: Callable[[str], str]) -> None:
        self.zone = zone
        self.channel_name = channel_name
        self.user_name = user_name

    def mrkdwn(self, text: str) -> str:
        text = _DATE.sub(lambda m: self._date(int(m.group(1))), text)
        text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or self.channel_name(m.group(1))), text)
        text = _USER.sub(lambda m: "@" + (m.group(2) or self.user_name(m.group(1))), text)
        text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
        text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
        text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
        return html.unescape(text)

    def _date(self, epoch: int) -> str:
        return datetime.fromtimestamp(epoch, self.zone).strftime(DATE_FORMAT)

    def message(self, content: dict[str, Any]) -> Rendered:
        """A message's blocks if it has any (their text is only a fallback), else its text."""
        rendered = Rendered()
        blocks = _structured(content.get("blocks"))
        if blocks:
            for block in blocks:
                self._block(block, rendered)
        if not rendered.lines:
            rendered.lines = self.mrkdwn(str(content.get("text") or "")).splitlines() or [""]
        return rendered

    def _block(self, block: dict[str, Any], out: Rendered) -> None:
        kind = block.get("type")
        if kind in ("section", "header"):
            self._section(block, out)
        elif kind == "context":
            parts = [self._text(e) for e in block.get("elements", []) if isinstance(e, dict)]
            out.lines.append("  " + " · ".join(p for p in parts if p))
        elif kind == "divider":
            out.lines.append("  ───")
        elif kind == "actions":
            for element in block.get("elements", []):
                self._element(element, block, out)
        elif kind == "rich_text":
            out.lines.extend(self.mrkdwn(_rich_text(block)).splitlines())

    def _section(self, block: dict[str, Any], out: Rendered) -> None:
        if isinstance(block.get("text"), dict):
            out.lines.extend(self._text(block["text"]).splitlines())
        fields = [self._text(f) for f in block.get("fields", []) if isinstance(f, dict)]
        if fields:
            out.lines.append("  " + "   ".join(f.replace("\n", " ") for f in fields))
        if isinstance(block.get("accessory"), dict):
            self._element(block["accessory"], block, out)

    def _element(self, element: dict[str, Any], block: dict[str, Any], out: Rendered) -> None:
        action = {**element, "block_id": block.get("block_id", "actions")}
        if element.get("type") == "button":
            out.buttons.append((self._text(element.get("text", {})), action))
        elif element.get("type") == "overflow":
            for option in element.get("options", []):
                chosen = {**action, "selected_option": option}
                out.buttons.append((self._text(option.get("text", {})), chosen))

    def _text(self, obj: dict[str, Any]) -> str:
        if obj.get("type") == "image":
            return ""
        return self.mrkdwn(str(obj.get("text", "")))


def _structured(value: Any) -> list[dict[str, Any]]:
    """Blocks as slack_sdk sent them: a list (JSON body) or a JSON string (form body)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []


def _rich_text(block: dict[str, Any]) -> str:
    def walk(node: Any) -> str:
        if isinstance(node, dict):
            if "text" in node and isinstance(node["text"], str):
                return node["text"]
            return "".join(walk(child) for child in node.get("elements", []))
        return ""

    return walk(block)


def button_bar(buttons: list[tuple[int, str]]) -> str:
    """`[1] Pause  [2] Cancel  [3] Run now`"""
    return "  ".join(f"[{number}] {label}" for number, label in buttons)
