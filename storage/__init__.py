"""Persistence: SQLAlchemy models, sessions, repository functions and migrations."""
