"""`schedulebot bench [--quick|--full] [--json]` and `schedulebot chaos`."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schedulebot.bench import machine, plots, report
from schedulebot.bench.targets import checks

Section = Callable[["Plan", dict[str, Any]], None]
# Quick mode aims to finish within this many seconds.
QUICK_LIMIT_S = 180


@dataclass(frozen=True)
class Plan:
    """How big each benchmark is in a mode."""

    mode: str
    claim_sizes: tuple[int, ...]
    sqlite_peer_sizes: tuple[int, ...]
    fire_runs: int
    lateness_seconds: int
    burst_runs: int
    ack_requests: int
    parse_repeat: int
    memory: bool
    claim_due: int = 1_000
    # The worker's memory is measured at each of these stored counts, sampled this long at each.
    memory_sizes: tuple[int, ...] = (1_000, 1_000_000)
    memory_seconds: float = 30.0
    # Open-loop slash commands (openloop.py): the rates, the seconds at each, and the rates tried between them.
    open_loop_rates: tuple[int, ...] = (10, 50, 100)
    open_loop_seconds: float = 30.0
    open_loop_search: int = 2


QUICK = Plan("quick", (10_000, 100_000), (10_000,), 500, 45, 0, 200, 3, True, memory_sizes=(1_000, 100_000),
             memory_seconds=12.0, open_loop_seconds=8.0, open_loop_search=0)  # fmt: skip
FULL = Plan("full", (10_000, 100_000, 1_000_000), (10_000, 100_000), 2_000, 180, 5_000, 1_000, 10, True)


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def claims_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.claims import run_cell

    for backend, prefix in (("postgresql", ""), ("sqlite", "sqlite_")):
        for stored in plan.claim_sizes:
            peer_repeat = _peer_repeat(backend, stored, plan)
            progress(f"tick claim on {backend}, {stored:,} stored" + (", then the peer" if peer_repeat else ""))
            cell = run_cell(backend, stored, due=plan.claim_due, peer_repeat=peer_repeat)
            results.setdefault(f"{prefix}tick_claim_ms", {})[str(stored)] = round(cell.claim_ms, 2)
            results.setdefault("claims_detail", []).append(_cell_dict(cell))
            if cell.peer_ms is not None:
                results.setdefault(f"{prefix}peer_load_all_ms", {})[str(stored)] = round(cell.peer_ms, 1)
                results.setdefault(f"{prefix}peer_ratio", {})[str(stored)] = round(cell.peer_ms / cell.claim_ms, 1)
                results["peer_kind"] = cell.peer_kind


def _peer_repeat(backend: str, stored: int, plan: Plan) -> int:
    if backend == "sqlite" and stored not in plan.sqlite_peer_sizes:
        return 0
    return 3 if stored <= 10_000 else 1


def _cell_dict(cell: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(cell).items()}


def parse_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.parse_bench import DEFAULT_PHRASES, measure, measure_adversarial

    progress(f"parse over {DEFAULT_PHRASES}, {plan.parse_repeat} passes")
    results.update(measure(DEFAULT_PHRASES, plan.parse_repeat))
    progress(f"adversarial commands at the cap, {plan.parse_repeat} passes")
    results.update(measure_adversarial(plan.parse_repeat))


def firing_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.firing import run_firing

    progress(f"firing: {plan.fire_runs} runs due at once, then the Celery no-op ceiling, then lateness")
    results.update(run_firing(plan.fire_runs, plan.lateness_seconds, plan.burst_runs, progress))


def ack_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.ack import run_ack

    progress(f"slash commands: {plan.ack_requests} at 1 sender, then at 20 senders")
    results.update(run_ack(plan.ack_requests))


def open_loop_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.openloop import run_open_loop

    rates = ", ".join(str(rate) for rate in plan.open_loop_rates)
    progress(f"open-loop slash commands at {rates} per second, {plan.open_loop_seconds:g} s each")
    results.update(run_open_loop(plan.open_loop_rates, plan.open_loop_seconds, plan.open_loop_search, progress))


def memory_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.memory import run_worker_memory

    if plan.memory:
        sizes = " and ".join(f"{stored:,}" for stored in plan.memory_sizes)
        progress(f"peak memory of web, worker (each pool process) and beat with {sizes} stored triggers")
        results.update(run_worker_memory(plan.memory_sizes, plan.memory_seconds))


def herd_section(plan: Plan, results: dict[str, Any]) -> None:
    from schedulebot.bench.herd import HERDS, TINY_HERD, run_herd

    herd = HERDS.get(plan.mode, TINY_HERD)
    progress(
        f"herd: {herd.total:,} one-offs due at one second, {herd.workspaces} workspaces × {herd.channels} channels"
    )
    results.update(run_herd(herd, progress, noop_per_s=results.get("celery_noop_per_s")))


SECTIONS: dict[str, Section] = {
    "claims": claims_section,
    "firing": firing_section,
    "ack": ack_section,
    "openloop": open_loop_section,
    "parse": parse_section,
    "memory": memory_section,
    "herd": herd_section,
}


def run(plan: Plan, only: list[str] | None = None) -> dict[str, Any]:
    """Run every section (or `only` these); a section that fails is recorded under `errors`, not hidden."""
    started = time.perf_counter()
    results: dict[str, Any] = {"mode": plan.mode, "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    results["machine"] = machine.describe()
    results["notes"] = notes(plan)
    for name, section in SECTIONS.items():
        if only and name not in only:
            continue
        try:
            section(plan, results)
        except Exception as exc:
            progress(f"{name} failed: {exc}")
            traceback.print_exc(file=sys.stderr)
            results.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
    results["duration_s"] = round(time.perf_counter() - started, 1)
    if plan.mode == "quick" and results["duration_s"] > QUICK_LIMIT_S:
        results["notes"].append(f"This quick run took {results['duration_s']:.0f} s, over the 3-minute aim.")
    results["targets"] = [{**c.__dict__, "verdict": c.verdict} for c in checks(results)]
    return results


def notes(plan: Plan) -> list[str]:
    found = [
        "Claim figures: median of 5 timed ticks after one warm-up, each claiming 1,000 due triggers with the "
        "project's claim_due (default batch size); the due triggers are restored between ticks.",
        "Peer figures: one sync = load every enabled schedule and ask each entry is_due; median of 3 syncs at "
        "10k, a single sync at 100k and above.",
    ]
    found.append(open_loop_note(plan))
    if plan.mode == "quick":
        found.append("Quick mode: no 1M cell (so the 1M targets are not measured), SQLite peer only at 10k, "
                     "lateness window shortened, no 5,000-run burst; worker memory at "
                     f"{' and '.join(f'{n:,}' for n in plan.memory_sizes)} stored (keys as those counts), "
                     f"sampled {plan.memory_seconds:g} s each.")  # fmt: skip
        found.append("Quick mode: the herd is 1,000 one-offs across 10 workspaces × 100 channels, not the full "
                     "10,000 across 100 × 100.")  # fmt: skip
    return found


def open_loop_note(plan: Plan) -> str:
    rates = ", ".join(str(rate) for rate in plan.open_loop_rates)
    note = f"Open-loop commands: Poisson arrivals at {rates} per second, {plan.open_loop_seconds:g} s each"
    if plan.open_loop_search:
        note += f", then up to {plan.open_loop_search} rates halving the gap above the knee"
    note += "; every clock starts at the command's scheduled instant; a busy refusal counts as not confirmed"
    if plan.mode == "quick":
        note += f" (quick mode: {plan.open_loop_seconds:g} s windows, not the full run's {FULL.open_loop_seconds:g} s"
        note += ", and no search between the rates)"
    return note + "."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schedulebot bench", description="Measure the project's performance claims.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="the default: under 3 minutes, no 1M figures")
    size.add_argument("--full", action="store_true", help="adds 1M stored (claims, memory) and the 5,000-run burst")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="run only this section")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", action="store_true", help="write the JSON to schedulebot/bench/results/ and the "
                      "results and plots to docs/benchmarks.md (what `make bench BENCH_ARGS=--docs` does)")  # fmt: skip
    docs.add_argument("--no-docs", action="store_true", help="the default: write nothing (kept for old scripts)")
    return parser


def cli(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    results = run(FULL if args.full else QUICK, args.only)
    print(json.dumps(results, sort_keys=True) if args.json else report.render(results), flush=True)
    if not plots.available():
        progress(plots.HOW_TO_GET)
    if args.docs:
        write_docs(results)
    return 0


def write_docs(results: dict[str, Any], page: Path = report.DOCS_PAGE, folder: Path = report.RESULTS_DIR) -> None:
    """The JSON in `folder` and the results section of `page`, with plots beside it when matplotlib is there."""
    path = report.write_json(results, folder)
    drawn = plots.all_plots(results, page.parent / report.PLOTS_DIR.name)
    report.update_docs(results, path, drawn, page)
    progress(f"wrote {path} and {page}")


def chaos_cli(argv: list[str]) -> int:
    from schedulebot.bench.chaos import cli as run_chaos

    return run_chaos(argv)


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
