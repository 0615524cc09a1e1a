"""A rotation made and changed from the console, people named with @ as in Slack."""

from __future__ import annotations

from typing import Any

import pytest

from bot.console import Console
from tests.run.test_console import Screen, console  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


def test_a_rotation_is_made_and_moved_on_from_the_console(console: tuple[Console, Screen, Any]) -> None:  # noqa: F811
    shell, screen, _ = console
    for user_id, name in (("UANA", "ana"), ("UBO", "bo"), ("UCY", "cy")):
        shell.standin.set_user(user_id, name=name)
    shell.handle("/schedule #ops rotate @ana @bo @cy to run the standup every weekday at 9:30am")
    assert "Scheduled rotation" in screen.getvalue()
    # The console shows a mention by the name Slack has for that id: the people were found and linked.
    assert "*rotation:* @ana → @bo → @cy" in screen.getvalue().lower()
    shell.handle("/schedule rotation 1 next @cy")
    assert "*next:* @cy" in screen.getvalue().lower()
