"""The `message` action: post the trigger's text to its channel, mentions and all."""

from __future__ import annotations

from tasks.actions import ActionContext, ActionFailed, ActionResult, pure


@pure
def message(context: ActionContext) -> ActionResult:
    text = str(context.payload.get("text") or "").strip()
    if not text:
        raise ActionFailed(f"Schedule #{context.trigger_number} has no message text to post.")
    return ActionResult(text=text)
