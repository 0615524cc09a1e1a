"""Bolt listeners, one module per kind of request: commands, actions (buttons), views (modals), events."""
