"""A run's outputs: a table on the terminal, JSON in schedulebot/bench/results/, docs/benchmarks.md with plots."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from schedulebot.bench.targets import Check, checks

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = REPO_ROOT / "schedulebot" / "bench" / "results"
DOCS_PAGE = REPO_ROOT / "docs" / "benchmarks.md"
PLOTS_DIR = REPO_ROOT / "docs" / "benchmarks"
# docs/benchmarks.md keeps its hand-written text; only the part between these markers is rewritten.
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"


def write_json(results: dict[str, Any], folder: Path = RESULTS_DIR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(results["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return path


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def target_table(rows: list[Check]) -> str:
    lines = ["| what | target | measured | verdict |", "| --- | --- | --- | --- |"]
    lines += [f"| {c.name} | {c.target} | {c.measured} | {c.verdict} |" for c in rows]
    return "\n".join(lines)


def claim_table(results: dict[str, Any]) -> str:
    lines = ["| backend | stored | tick claim (ms, median) | load-all peer (ms, median) | peer ÷ claim |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for prefix, backend in (("", "PostgreSQL"), ("sqlite_", "SQLite")):
        claims, peers = results.get(f"{prefix}tick_claim_ms") or {}, results.get(f"{prefix}peer_load_all_ms") or {}
        for stored in sorted(claims, key=int):
            claim, peer = claims[stored], peers.get(stored)
            ratio = f"{peer / claim:,.1f}×" if peer else "—"
            lines.append(f"| {backend} | {int(stored):,} | {_num(claim)} | {_num(peer)} | {ratio} |")
    return "\n".join(lines)


FIGURES = (
    ("fire_per_s", "end-to-end firing throughput (runs/s)"),
    ("celery_noop_per_s", "Celery no-op ceiling, same workers (tasks/s)"),
    ("lateness_p50_s", "lateness p50 at 100 runs/min (s)"),
    ("lateness_p99_s", "lateness p99 at 100 runs/min (s)"),
    ("lateness_burst_p50_s", "lateness p50, burst due at once (s)"),
    ("lateness_burst_p99_s", "lateness p99, burst due at once (s)"),
    ("ack_1_p50_ms", "slash command p50, 1 sender (ms)"),
    ("ack_1_p99_ms", "slash command p99, 1 sender (ms)"),
    ("ack_p50_ms", "slash command p50, 20 senders (ms)"),
    ("ack_p99_ms", "slash command p99, 20 senders (ms)"),
    ("confirm_1_p50_ms", "confirmation reply p50, 1 sender (ms)"),
    ("confirm_1_p99_ms", "confirmation reply p99, 1 sender (ms)"),
    ("confirm_p50_ms", "confirmation reply p50, 20 senders (ms)"),
    ("confirm_p99_ms", "confirmation reply p99, 20 senders (ms)"),
    ("confirm_not_added", "replies that were not a confirmation (count)"),
    ("confirm_busy", "commands refused busy, 1 and 20 senders (count)"),
    ("parse_p50_ms", "parse p50 (ms)"),
    ("parse_p99_ms", "parse p99 (ms)"),
    ("adversarial_p99_ms", "adversarial command at the 2,000-character cap, p99 (ms)"),
    ("adversarial_max_ms", "adversarial command at the 2,000-character cap, worst (ms)"),
    ("herd_last_post_s", "herd: last post after the due second (s)"),
    ("herd_bound_s", "herd: the bound the limits and the Celery ceiling allow (s)"),
    ("herd_ratio", "herd: last post ÷ bound"),
    ("herd_lost", "herd: lost (count)"),
    ("herd_duplicates", "herd: duplicates (count)"),
    ("herd_429s", "herd: 429s the stand-in sent (count)"),
)


def figure_table(results: dict[str, Any]) -> str:
    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| {label} | {_num(results.get(key), 3)} |" for key, label in FIGURES]
    stored = f"{results.get('memory_stored', 1_000_000):,}"
    for process, peak in sorted((results.get("memory_peak_mb") or {}).items()):
        lines.append(f"| peak memory, {process}, {stored} stored (MB) | {_num(peak)} |")
    return "\n".join(lines)


def worker_memory_table(results: dict[str, Any]) -> str:
    """The worker's peak memory per process at each stored count: RSS, PSS and USS in MB."""
    detail = results.get("worker_rss_detail") or {}
    lines = ["| stored | process | RSS (MB) | PSS (MB) | USS (MB) |", "| --- | --- | --- | --- | --- |"]
    for stored, sized in sorted((detail.get("sizes") or {}).items(), key=lambda item: int(item[0])):
        named = [("main", sized.get("main") or {})]
        named += [(f"pool {index}", figures) for index, figures in enumerate(sized.get("pool") or [], start=1)]
        named.append(("**total**", {k.removeprefix("total_"): v for k, v in sized.items() if k.startswith("total_")}))
        for process, figures in named:
            cells = " | ".join(_num(figures.get(key)) for key in ("rss_mb", "pss_mb", "uss_mb"))
            lines.append(f"| {int(stored):,} | {process} | {cells} |")
    return "\n".join(lines)


def _worker_memory_part(results: dict[str, Any]) -> list[str]:
    detail = results.get("worker_rss_detail")
    if not detail:
        return []
    read = {k: v.get("triggers_rows_read") for k, v in (detail.get("sizes") or {}).items()}
    reads = ", ".join(f"{_num(n)} at {int(k):,} stored" for k, n in sorted(read.items(), key=lambda i: int(i[0])))
    return [
        f"### Worker memory, per process (concurrency {detail.get('concurrency')})\n\n"
        + worker_memory_table(results)
        + f"\n\nEach figure is that process's peak over {detail.get('sample_seconds', 0):g} s; a total is the peak "
        f"of the sum. Rows of the triggers table read meanwhile: {reads}."
    ]


def open_loop_table(results: dict[str, Any]) -> str:
    """One row per rate (measured, then searched), and the knee."""
    lines = [
        "| commands/s | sent | confirm p50 (ms) | confirm p99 (ms) | ack p99 (ms) | busy | not added "
        "| confirmed ≤ 250 ms | sender lag p99 (ms) | load | meets the target |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    points = {**(results.get("confirm_open_loop") or {}), **(results.get("confirm_open_loop_search") or {})}
    for rate in sorted(points, key=float):
        p = points[rate]
        verdict = "yes" if p.get("meets_target") else "no" if p.get("sender_kept_up") else "invalid: sender lagged"
        lines.append(
            f"| {rate} | {_num(p.get('sent'))} | {_num(p.get('p50_ms'))} | {_num(p.get('p99_ms'))} "
            f"| {_num(p.get('ack_p99_ms'))} | {_num(p.get('busy'))} | {_num(p.get('not_added'))} "
            f"| {_num((p.get('within_target_share') or 0.0) * 100)}% | {_num(p.get('sender_lag_p99_ms'))} "
            f"| {p.get('load_average_1m', '—')} | {verdict} |"
        )
    knee = results.get("confirm_knee_per_s")
    lines.append("")
    lines.append(
        f"Knee: {knee} commands/s, the highest rate measured with every rate up to it meeting the target."
        if knee is not None
        else "Knee: none; the lowest rate measured missed the target."
    )
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    """The whole results section as Markdown: machine, targets, claims, other figures, notes."""
    machine = results.get("machine") or {}
    parts = [
        f"Measured {results['started_at']} in {results['mode']} mode, {results.get('duration_s', 0):.0f} s, on: "
        + _machine_line(machine),
        "### Targets\n\n" + target_table(checks(results)),
        "### Tick claim vs the load-all peer\n\n"
        + claim_table(results)
        + (f"\n\nPeer: {results['peer_kind']}." if results.get("peer_kind") else ""),
        "### Other figures\n\n" + figure_table(results),
        *_worker_memory_part(results),
    ]
    if results.get("confirm_open_loop"):
        parts.append("### Open-loop slash commands\n\n" + open_loop_table(results))
    notes = results.get("notes") or []
    errors = results.get("errors") or {}
    if notes or errors:
        listed = [f"- {n}" for n in notes] + [f"- **{k} failed:** {v}" for k, v in sorted(errors.items())]
        parts.append("### Notes from this run\n\n" + "\n".join(listed))
    return "\n\n".join(parts)


def _machine_line(machine: dict[str, Any]) -> str:
    return (
        f"{machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('memory_gb')} GB memory, "
        f"load average {machine.get('load_average_1m')} at the start, Python {machine.get('python')}, "
        f"PostgreSQL {machine.get('postgresql')}, Redis {machine.get('redis')}."
    )


def update_docs(results: dict[str, Any], json_path: Path, plots: list[Path], page: Path = DOCS_PAGE) -> None:
    """Rewrite the results section of docs/benchmarks.md, keeping everything outside the markers."""
    link = os.path.relpath(json_path, page.parent)
    section = render(results) + f"\n\nRaw figures: [`{json_path.name}`]({link})."
    if plots:
        section += "\n\n" + "\n\n".join(f"![{p.stem}]({os.path.relpath(p, page.parent)})" for p in plots)
    replace_section(page, START_MARK, END_MARK, section)


def replace_section(page: Path, start: str, end: str, section: str) -> None:
    """Put `section` between the `start` and `end` markers of `page`, adding them if missing."""
    text = page.read_text() if page.exists() else "# Benchmarks\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else "\n"
    page.write_text(f"{head}{start}\n{section}\n{end}{tail}")


def chaos_section(report: dict[str, Any], machine: dict[str, Any], at: str) -> str:
    problems = report.get("failures") or []
    verdict = (
        "nothing lost or duplicated, every fault took effect" if not problems else "FAILED: " + "; ".join(problems)
    )
    commit = f"{report.get('commit') or 'unknown commit'}{' (dirty tree)' if report.get('dirty') else ''}"
    fault_lines = "\n".join(
        f"| {f['at_s']} | {f['what']} | {f['took_effect']} | {f.get('detail', '')} |" for f in report.get("faults", [])
    )
    body = json.dumps(report, indent=2, sort_keys=True)
    return (
        f"Run {at} at commit `{commit}` on: {_machine_line(machine)} Result: **{verdict}**.\n\n"
        f"| at (s) | fault | took effect | evidence |\n| --- | --- | --- | --- |\n{fault_lines}\n\n"
        f"```json\n{body}\n```"
    )
