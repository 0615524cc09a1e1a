"""Errors the storage layer raises for a user's mistake; their messages are written for that user."""


class NotFound(LookupError):
    """No row with that number in this workspace (another workspace's rows are never visible)."""
