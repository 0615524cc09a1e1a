"""What the fuzz sends: command words, button payloads and modal submissions, valid-looking and mutated.

Everything is drawn from one `random.Random(seed)`, so a seed replays the same inputs (FUZZ_SEED).
"""

from __future__ import annotations

import copy
import json
import os
import random
from typing import Any

from bot import blocks, modals
from storage.events.display import ACTION_GOING, ACTION_NOT_GOING

# The fixed seed CI runs; FUZZ_SEED=<n> replays another (every failure message prints the one it used).
DEFAULT_SEED = 20_261_201
SEED = int(os.environ.get("FUZZ_SEED", DEFAULT_SEED))

VOCABULARY = [
    "list", "show", "pause", "resume", "cancel", "run", "skip", "snooze", "edit", "history", "tz", "help",
    "mine", "all", "reset", "to", "about", "remind", "me", "every", "at", "in", "on", "tomorrow", "friday",
    "4pm", "9:30", "25:00", "minutes", "hours", "days", "weekday", "other", "until", "for", "times", "#3", "3",
    "0", "-1", "99999999999999999999", "#", '"', "“", "”", "'", "<#C9|ops>", "<#C9>", "<#>", "<@U1>", "#ops",
    "Europe/Berlin", "Mars/Base", "../../etc/passwd", "%s", "{}", "&amp;", "&lt;", "\n", "\t", "🙂", "\u200b",
    "february 30", "every 0 minutes", "every blursday", "yesterday", "1/2/3/4", "* * * * *", "now",
    "add", "postpone", "start", "end", "feed", "rotate", "defaults", "duration", "reminder", "before", "30m",
    "1h", "never", "no reminders", "payload", "payload=",
]  # fmt: skip
# Commands that mean something, so the fuzz also walks the paths that save, change and read.
SCHEDULE_TEMPLATES = [
    "to {what} every day at {time}",
    "<#{channel}|ops> to {what} every weekday at {time}",
    "about {what} in {n} minutes",
    "remind me to {what} tomorrow at {time}",
    '"{what}" every other monday',
    "to {what} every {n} hours",
    "{verb} {n}",
    "{verb} #{n}",
    "snooze {n} {n} minutes",
    "edit {n} every friday at {time}",
    'edit {n} "{what}"',
    "list", "list mine", "list <#{channel}|ops>", "tz", "tz Europe/Berlin", "tz reset", "help",
]  # fmt: skip
EVENT_TEMPLATES = [
    'add "{what}" tomorrow {time} for 1h remind 15m before',
    '"{what}" friday {time} in <#{channel}|ops>',
    '"{what}" every monday at 10am for 30m',
    "list", "show {n}", "history {n}", "cancel {n}", "cancel {n} all", "postpone {n} tomorrow {time}",
    "start {n}", "end {n}", "feed", "feed rotate", "defaults", "defaults duration 30m", "defaults reminder 10m",
    "help",
]  # fmt: skip
VERBS = ["show", "pause", "resume", "cancel", "run", "skip", "history"]
WHATS = [
    "check the deploy",
    "check the payload",
    "stretch",
    "standup",
    "🙂 *bold* <!here>",
    "a" * 400,
    "&lt;tag&gt;",
    "x",
]
TIMES = ["9am", "4pm", "9:30", "16:45", "noon", "25:00", "3", "midnight"]
CHANNELS = ["C1", "C2", "C9", "D1", "G1"]
ODD_VALUES = [
    "", " ", "0", "-1", "#", "#0", "#2", "2", "3", "2 5 minutes", "2 in 20 minutes", "2 blursday",
    "99999999999", "2147483648", "1e3", "3.5", "abc", "None", "null", "🙂", "\u200b", "a" * 3000, "2\n3",
    '{"n": 2}', "<@U1>", "%s",
]  # fmt: skip


class Inputs:
    """One seeded source of fuzz inputs."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

    # --- words ----------------------------------------------------------------------------------

    def command_text(self, templates: list[str] | None = None) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return self.fill(self.rng.choice(templates or SCHEDULE_TEMPLATES))
        if roll < 0.55:
            return self.mutate(self.fill(self.rng.choice(templates or SCHEDULE_TEMPLATES)))
        if roll < 0.85:
            return " ".join(self.rng.choices(VOCABULARY, k=self.rng.randrange(0, 13)))
        return self.noise(self.rng.randrange(0, 121))

    def fill(self, template: str) -> str:
        return template.format(
            what=self.rng.choice(WHATS),
            time=self.rng.choice(TIMES),
            channel=self.rng.choice(CHANNELS),
            n=self.rng.choice([1, 2, 3, 4, 5, 0, 99, 2_147_483_648]),
            verb=self.rng.choice(VERBS),
        )

    def mutate(self, text: str) -> str:
        """Delete, repeat, insert or swap a few characters or words."""
        for _ in range(self.rng.randrange(1, 4)):
            if not text:
                return self.noise(5)
            i = self.rng.randrange(len(text))
            op = self.rng.randrange(5)
            if op == 0:
                text = text[:i] + text[i + 1 :]
            elif op == 1:
                text = text[:i] + text[i] * self.rng.randrange(2, 6) + text[i:]
            elif op == 2:
                text = text[:i] + self.noise(self.rng.randrange(1, 4)) + text[i:]
            elif op == 3:
                text = text[:i] + " " + self.rng.choice(VOCABULARY) + " " + text[i:]
            else:
                words = text.split(" ")
                self.rng.shuffle(words)
                text = " ".join(words)
        return text

    def noise(self, length: int) -> str:
        """Any Unicode text but lone surrogates, which cannot be sent as UTF-8."""
        alphabet = self.rng.choice([(32, 127), (0, 0x3000), (0x1F300, 0x1F64F), (0, 0x10FFFF)])
        chars = (chr(self.rng.randrange(*alphabet)) for _ in range(length))
        return "".join(c for c in chars if not 0xD800 <= ord(c) <= 0xDFFF)

    def value(self) -> Any:
        """Any JSON value, small."""
        kind = self.rng.randrange(7)
        if kind == 0:
            return self.rng.choice(ODD_VALUES)
        if kind == 1:
            return self.rng.choice([0, -1, 2, 3.5, 10**20])
        if kind == 2:
            return self.rng.choice([None, True, False])
        if kind == 3:
            return [self.rng.choice(ODD_VALUES) for _ in range(self.rng.randrange(3))]
        if kind == 4:
            return {self.rng.choice(["id", "type", "value", "text"]): self.rng.choice(ODD_VALUES)}
        return self.noise(self.rng.randrange(0, 20))

    # --- buttons --------------------------------------------------------------------------------

    def action(self, seen: list[dict[str, Any]]) -> dict[str, Any]:
        """A button element: one the app showed (seen), one of its action ids, either mutated, or junk."""
        known = [blocks.ACTION_PAUSE, blocks.ACTION_RESUME, blocks.ACTION_CANCEL, blocks.ACTION_RUN]
        known += [blocks.ACTION_SKIP, blocks.ACTION_SNOOZE, blocks.ACTION_NEW, ACTION_GOING, ACTION_NOT_GOING]
        if seen and self.rng.random() < 0.4:
            action = copy.deepcopy(self.rng.choice(seen))
        else:
            action = {"type": "button", "action_id": self.rng.choice(known), "value": self.rng.choice(ODD_VALUES)}
        action.setdefault("block_id", "actions")
        action["action_ts"] = "1700000000.000001"
        if self.rng.random() < 0.6:
            self.mutate_dict(action, ["value", "action_id", "type", "block_id", "text", "selected_option"])
        return action

    def mutate_dict(self, target: dict[str, Any], keys: list[str]) -> None:
        for _ in range(self.rng.randrange(1, 3)):
            key = self.rng.choice(keys)
            roll = self.rng.random()
            if roll < 0.3:
                target.pop(key, None)
            elif roll < 0.5 and isinstance(target.get(key), str):
                target[key] = self.mutate(target[key])
            else:
                target[key] = self.value()

    def block_actions_changes(self) -> dict[str, Any]:
        """Where the press came from and who pressed: the fields block_actions carries besides the action."""
        return {
            "user_id": self.rng.choice(["U1", "U1", "U2", "W1"]),
            "channel_id": self.rng.choice(["C1", "C1", "C2", "D1", None, None]),
            "ephemeral": self.rng.random() < 0.3,
        }

    def garbage_payload(self) -> str:
        """A form field `payload` that is not what Slack sends: not JSON, the wrong JSON, or half a payload."""
        roll = self.rng.randrange(5)
        if roll == 0:
            return self.noise(self.rng.randrange(0, 40))
        if roll == 1:
            return json.dumps(self.value())
        if roll == 2:
            return json.dumps({"type": self.rng.choice(["block_actions", "view_submission", "shortcut", ""])})
        if roll == 3:
            return json.dumps({"type": "block_actions", "actions": self.value(), "user": self.value()})
        return json.dumps({"type": "view_submission", "view": self.value(), "user": {"id": "U1"}})

    # --- modals ---------------------------------------------------------------------------------

    def view_state(self) -> dict[str, Any]:
        """`view.state.values` of the New schedule modal: filled in like a person would, or mutated."""
        state: dict[str, Any] = {
            modals.BLOCK_WHAT: {modals.ACTION_WHAT: {"type": "plain_text_input", "value": self.what()}},
            modals.BLOCK_CHANNEL: {
                modals.ACTION_CHANNEL: {
                    "type": "conversations_select",
                    "selected_conversation": self.rng.choice([*CHANNELS, "U1", "", None]),
                }
            },
            modals.BLOCK_WHEN: {modals.ACTION_WHEN: {"type": "plain_text_input", "value": self.when()}},
        }
        if self.rng.random() < 0.4:
            self.mutate_dict(state, [modals.BLOCK_WHAT, modals.BLOCK_CHANNEL, modals.BLOCK_WHEN, "other"])
        if self.rng.random() < 0.3:
            block = self.rng.choice([modals.BLOCK_WHAT, modals.BLOCK_CHANNEL, modals.BLOCK_WHEN])
            if isinstance(state.get(block), dict):
                for element in state[block].values():
                    if isinstance(element, dict):
                        self.mutate_dict(element, ["value", "selected_conversation", "selected_channel", "type"])
        return state

    def what(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.6:
            return self.rng.choice(WHATS)
        if roll < 0.8:
            return self.noise(self.rng.randrange(0, 50))
        return self.rng.choice(["", None, " ", "a" * 3001])

    def when(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.5:
            return self.fill(self.rng.choice(["every day at {time}", "in {n} minutes", "tomorrow at {time}"]))
        if roll < 0.8:
            return self.command_text()
        return self.rng.choice(["", None, "a" * 501])
