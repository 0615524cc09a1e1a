"""Reconcile what the stand-in Slack received against the runs table: posted once, duplicated, lost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reconciled:
    due: int
    posted_once: int
    duplicates: int
    extra_posts: int
    lost: int
    failed_recorded: int
    lost_texts: tuple[str, ...]
    duplicate_texts: tuple[str, ...]

    def summary(self) -> dict[str, int]:
        return {
            "due": self.due, "posted_once": self.posted_once, "duplicates": self.duplicates,
            "lost": self.lost, "failed_recorded": self.failed_recorded,
        }  # fmt: skip


def reconcile(expected: Iterable[str], delivered: Iterable[str], failed: Iterable[str]) -> Reconciled:
    """`expected`: one text per due instant; `delivered`: the text of every post Slack took; `failed`: the
    texts of runs recorded as failed. A due instant with no post is lost unless its failure was recorded."""
    wanted = list(dict.fromkeys(expected))
    counts = Counter(text for text in delivered if text in set(wanted))
    failed_set = set(failed)
    duplicates = tuple(text for text in wanted if counts[text] > 1)
    missing = tuple(text for text in wanted if counts[text] == 0 and text not in failed_set)
    return Reconciled(
        due=len(wanted),
        posted_once=sum(1 for text in wanted if counts[text] == 1),
        duplicates=len(duplicates),
        extra_posts=sum(counts[text] - 1 for text in duplicates),
        lost=len(missing),
        failed_recorded=sum(1 for text in wanted if text in failed_set),
        lost_texts=missing,
        duplicate_texts=duplicates,
    )
