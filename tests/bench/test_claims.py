"""The claim and peer benchmark runs on tiny sizes, on both backends, and finds what is due. No timings asserted."""

import pytest

from schedulebot.bench.claims import run_cell
from schedulebot.bench.services import ServiceUnavailable
from tests.services import unavailable


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_tiny_cell_claims_every_due_trigger_and_the_peer_finds_them(backend: str) -> None:
    try:
        cell = run_cell(backend, 300, due=20, repeat=1, peer_repeat=1)
    except ServiceUnavailable as exc:
        unavailable("PostgreSQL", exc)
    assert cell.claimed == 20
    assert cell.peer_due_found == 20
    assert cell.claim_ms > 0 and cell.peer_ms is not None and cell.peer_ms > 0
