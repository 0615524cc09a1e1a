"""Who may change a schedule: the person who created it, or a workspace admin or owner.

Who may see one is bot.visibility's rule; a change is checked against both, seeing first.
"""

from __future__ import annotations

from bot.errors import NotAllowed
from storage.models import Trigger


def can_change(trigger: Trigger, *, user_id: str, is_admin: bool) -> bool:
    return trigger.creator_id == user_id or is_admin


def require_can_change(trigger: Trigger, *, user_id: str, is_admin: bool, verb: str) -> None:
    """Raise NotAllowed naming who may `verb` the trigger, unless this user may."""
    if can_change(trigger, user_id=user_id, is_admin=is_admin):
        return
    raise NotAllowed(
        f"Only <@{trigger.creator_id}>, who created #{trigger.number}, or a workspace admin or owner "
        f"can {verb} it. You can still look at it",
        f"/schedule show {trigger.number}",
    )
