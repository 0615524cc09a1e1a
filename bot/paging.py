"""Long lists a page at a time: which items a page holds, and how to ask for the next one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.blocks import Block, actions, button, context
from bot.errors import UsageError

# The "Next 40" button on a list: its value is the list's words and the page it opens ("mine page 2").
ACTION_LIST_PAGE = "schedulebot.list_page"

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    pages: int
    # How many items come after this page.
    more: int
    size: int
    # The words that show this list again (`/schedule list mine`), for "page N" hints.
    command: str

    @property
    def label(self) -> str:
        return f" · page {self.number} of {self.pages}" if self.pages > 1 else ""


def page_of(items: Sequence[T], *, page: int, size: int, command: str) -> Page[T]:
    """Page `page` (from 1) of `items`; a page past the end is a mistake that names the last page."""
    pages = max((len(items) + size - 1) // size, 1)
    if page > pages:
        raise UsageError(f"There is no page {page}: the list has {pages} page(s)", f"{command} page {pages}")
    start = (page - 1) * size
    shown = list(items[start : start + size])
    return Page(shown, page, pages, len(items) - start - len(shown), size, command)


def next_blocks(page: Page[T], *, action_id: str, value: str) -> list[Block]:
    """ "…and N more" with the command for the next page, and a button that shows it."""
    if page.more <= 0:
        return []
    following = page.number + 1
    count = min(page.size, page.more)
    return [
        context(f"…and {page.more} more: `{page.command} page {following}` or *Next {count}* shows them."),
        actions(f"page-{following}", [button(f"Next {count}", action_id, f"{value} page {following}".strip())]),
    ]
