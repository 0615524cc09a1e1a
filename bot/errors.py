"""Mistakes a Slack user can make, each with a message written for that user.

Handlers turn these into ephemeral replies; anything else is a bug, logged and answered politely.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user asked for that cannot be done; `str(err)` says what and shows an example."""

    def __init__(self, problem: str, example: str | None = None) -> None:
        self.problem = problem
        self.example = example
        super().__init__(problem if example is None else f"{problem}\nExample: `{example}`")


class UsageError(UserError):
    """The words do not fit the command grammar."""


class NotAllowed(UserError):
    """The user may look but not change; the message names who may."""


class Conflict(UserError):
    """The schedule is in a state that does not allow the change (cancelled, already paused, ...)."""


# What a user sees when something broke on our side; never the exception text.
SORRY = (
    ":warning: Sorry, something went wrong on my side and nothing was changed. "
    "Please try again in a moment; if it keeps happening, tell your Slack admin."
)
