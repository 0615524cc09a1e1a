"""The local console `make run` opens without Slack credentials: a Slack channel in the terminal."""

from bot.console.session import Console
from bot.console.state import ConsoleState

__all__ = ["Console", "ConsoleState"]
