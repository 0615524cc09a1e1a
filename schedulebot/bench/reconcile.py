"""Reconcile what Slack received against what was due, trusting nothing the app recorded.

Every post is matched to the due instant it names in its message metadata (trigger id and due
instant; tasks/slack.py `RunIdentity`), never by its text: a repost with another text (a missed-runs
note, a context line) is still a second post for the same instant. A due instant is handled only by
what Slack saw: its post, once, or one failure notice for it. A catch-up post under the misfire
policy `once` speaks for the `missed` instants up to its own (the note says how many were missed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The metadata event types of a run's post and of its failure notice (tasks/slack.py).
RUN_EVENT = "schedulebot_run"
FAILURE_EVENT = "schedulebot_run_failed"
CATCH_UP = "catch_up"
POLICY_ONCE = "once"
EXAMPLES = 10


@dataclass(frozen=True)
class Due:
    """What the harness scheduled for one trigger: its due instants and its misfire policy."""

    trigger_id: int
    instants: tuple[datetime, ...]
    label: str
    policy: str = POLICY_ONCE


@dataclass(frozen=True)
class Seen:
    """One post as the stand-in Slack recorded it; identity fields are None when the metadata lacks them."""

    event_type: str | None
    trigger_id: int | None
    due_at: datetime | None
    kind: str | None = None
    missed: int = 0
    run_id: int | None = None

    def describe(self) -> str:
        what = "failure notice" if self.event_type == FAILURE_EVENT else f"{self.kind} post"
        return f"run {self.run_id} {what}" + (f" (missed {self.missed})" if self.missed else "")

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any] | None) -> Seen:
        meta = metadata or {}
        payload = meta.get("event_payload") or {}
        due = payload.get("due_at")
        trigger = payload.get("trigger_id")
        return cls(
            event_type=meta.get("event_type"),
            trigger_id=int(trigger) if trigger is not None else None,
            due_at=datetime.fromisoformat(due) if isinstance(due, str) else None,
            kind=payload.get("kind"),
            missed=int(payload.get("missed") or 0),
            run_id=int(payload["run_id"]) if payload.get("run_id") is not None else None,
        )

    @property
    def identified(self) -> bool:
        return self.event_type in (RUN_EVENT, FAILURE_EVENT) and self.trigger_id is not None and self.due_at is not None


@dataclass
class Reconciled:
    due: int = 0
    posted_once: int = 0
    failed_noticed: int = 0
    duplicates: int = 0
    extra_posts: int = 0
    lost: int = 0
    # Posts that name no run (no metadata), or a run of a trigger or instant that was never due.
    unidentified: int = 0
    unexpected: int = 0
    lost_examples: list[str] = field(default_factory=list)
    duplicate_examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.duplicates or self.lost or self.unidentified or self.unexpected)

    def summary(self) -> dict[str, Any]:
        return dict(self.__dict__)


def reconcile(expected: Iterable[Due], posts: Iterable[Seen]) -> Reconciled:
    """Count, for every due instant, the posts and failure notices Slack received for it."""
    result = Reconciled()
    by_trigger: dict[int, list[Seen]] = defaultdict(list)
    for seen in posts:
        if seen.identified:
            by_trigger[seen.trigger_id].append(seen)  # type: ignore[index]
        else:
            result.unidentified += 1
    wanted = {due.trigger_id: due for due in expected}
    result.unexpected += sum(len(seen) for trigger, seen in by_trigger.items() if trigger not in wanted)
    for due in wanted.values():
        _tally(result, due, by_trigger.get(due.trigger_id, []))
    return result


def _tally(result: Reconciled, due: Due, posts: list[Seen]) -> None:
    covers = _coverage(due, posts, result)
    for instant in due.instants:
        told = covers.get(instant, [])
        name = f"{due.label} @ {instant.isoformat()}"
        result.due += 1
        if not told:
            result.lost += 1
            _example(result.lost_examples, name)
        elif len(told) > 1:
            result.duplicates += 1
            result.extra_posts += len(told) - 1
            _example(result.duplicate_examples, f"{name}: " + ", ".join(seen.describe() for seen in told))
        elif told[0].event_type == FAILURE_EVENT:
            result.failed_noticed += 1
        else:
            result.posted_once += 1


def _coverage(due: Due, posts: list[Seen], result: Reconciled) -> dict[datetime, list[Seen]]:
    """The posts that speak for each instant; a post naming an instant that was not due is unexpected."""
    instants = sorted(due.instants)
    known = set(instants)
    covers: dict[datetime, list[Seen]] = defaultdict(list)
    for seen in posts:
        assert seen.due_at is not None
        if seen.due_at not in known:
            result.unexpected += 1
            continue
        span = seen.missed if due.policy == POLICY_ONCE and seen.kind == CATCH_UP else 1
        upto = [t for t in instants if t <= seen.due_at][-max(span, 1) :]
        for instant in upto:
            covers[instant].append(seen)
    return covers


def _example(examples: list[str], text: str) -> None:
    if len(examples) < EXAMPLES:
        examples.append(text)
