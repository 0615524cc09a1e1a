"""Tick claim time for 1,000 due triggers among N stored, next to the load-all peer on the same database."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from schedulebot.bench import peer
from schedulebot.bench.seed import Seeded, hourly_schedule, restore, seed
from schedulebot.bench.services import postgres_database
from storage.db import make_engine, session_factory
from storage.migrate import upgrade

DEFAULT_DUE = 1_000
DEFAULT_REPEAT = 5
DEFAULT_PEER_REPEAT = 3
# The tick looks ahead one period; every stored trigger that is not due is at least an hour away.
DEFAULT_HORIZON = timedelta(seconds=60)


@dataclass
class ClaimFigures:
    """One (backend, stored) cell: medians in ms plus the raw samples."""

    backend: str
    stored: int
    due: int
    claim_ms: float
    claimed: int
    peer_ms: float | None = None
    peer_due_found: int | None = None
    peer_kind: str = ""
    claim_samples_ms: list[float] = field(default_factory=list)
    peer_samples_ms: list[float] = field(default_factory=list)
    seed_s: float = 0.0

    @property
    def ratio(self) -> float | None:
        return None if self.peer_ms is None else self.peer_ms / self.claim_ms


@contextmanager
def database(backend: str) -> Iterator[str]:
    """An empty private database of the backend, removed afterwards."""
    if backend == "postgresql":
        with postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="sbbench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


def claim_once(engine: Engine, seeded: Seeded) -> tuple[float, int]:
    """Milliseconds one tick's claim (the project's claim_due, default batch size) takes, and runs claimed."""
    from storage.claims import claim_due

    factory = session_factory(engine)
    started = time.perf_counter()
    claimed = claim_due(factory, now=seeded.now, horizon=seeded.now + DEFAULT_HORIZON)
    elapsed = (time.perf_counter() - started) * 1000
    restore(engine, seeded)
    return elapsed, len(claimed)


def measure_claims(engine: Engine, seeded: Seeded, repeat: int) -> tuple[list[float], int]:
    """One untimed warm-up claim, then `repeat` timed ones, restoring the due triggers after each."""
    _, claimed = claim_once(engine, seeded)
    samples = [claim_once(engine, seeded)[0] for _ in range(repeat)]
    return samples, claimed


def measure_peer(
    url: str, engine: Engine, stored: int, due: int, now: datetime, repeat: int
) -> tuple[list[float], int, str]:
    """Seed and time the peer; (samples ms, due it found, which peer ran)."""
    version = peer.package_version()
    if version is None:
        samples, found = peer.time_syncs(peer.baseline_sync(engine), repeat)
        return samples, found, f"load-all baseline ({peer.PACKAGE} could not be imported)"
    peer.seed_peer(engine, stored, due, now)
    samples, found = peer.time_syncs(peer.package_sync(url), repeat)
    return samples, found, f"{peer.PACKAGE} {version} DatabaseScheduler"


def run_cell(backend: str, stored: int, *, due: int = DEFAULT_DUE, repeat: int = DEFAULT_REPEAT,
             peer_repeat: int = DEFAULT_PEER_REPEAT) -> ClaimFigures:  # fmt: skip
    """Measure one (backend, stored) cell in its own fresh database."""
    now = datetime.now(UTC).replace(microsecond=0)
    with database(backend) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            started = time.perf_counter()
            seeded = seed(engine, stored, due, now, hourly_schedule(now))
            seed_s = time.perf_counter() - started
            claim_samples, claimed = measure_claims(engine, seeded, repeat)
            peer_samples, found, kind = (
                measure_peer(url, engine, stored, due, now, peer_repeat) if peer_repeat else ([], 0, "")
            )
        finally:
            engine.dispose()
    return ClaimFigures(
        backend=backend, stored=stored, due=due, claim_ms=statistics.median(claim_samples), claimed=claimed,
        peer_ms=statistics.median(peer_samples) if peer_samples else None,
        peer_due_found=found if peer_samples else None, peer_kind=kind,
        claim_samples_ms=claim_samples, peer_samples_ms=peer_samples, seed_s=seed_s,
    )  # fmt: skip
