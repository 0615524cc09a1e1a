"""PNG plots for docs/benchmarks.md (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The one line a run without the `bench` extra prints instead of drawing.
HOW_TO_GET = "plots skipped: matplotlib is not installed; `pip install 'schedulebot[bench]'` draws them"


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def claims_plot(results: dict[str, Any], path: Path) -> Path | None:
    """Tick claim and load-all peer time against the number stored, log-log, per backend."""
    series = [
        (results.get(f"{prefix}{key}") or {}, f"{label} ({backend})", style)
        for prefix, backend in (("", "PostgreSQL"), ("sqlite_", "SQLite"))
        for key, label, style in (("tick_claim_ms", "tick claim", "o-"), ("peer_load_all_ms", "load-all peer", "s--"))
    ]
    if not any(points for points, _, _ in series):
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for points, label, style in series:
        if points:
            stored = sorted(points, key=int)
            axes.plot([int(s) for s in stored], [points[s] for s in stored], style, label=label)
    axes.set(xscale="log", yscale="log", xlabel="triggers stored (1,000 due)", ylabel="ms per tick (median)")
    axes.set_title("Claiming 1,000 due triggers vs loading every schedule")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    return _save(plt, figure, path)


def latency_plot(results: dict[str, Any], path: Path) -> Path | None:
    """p50 and p99 of the slash-command round trip at 1 and 20 senders."""
    keys = (("1 sender", "ack_1_p50_ms", "ack_1_p99_ms"), ("20 senders", "ack_p50_ms", "ack_p99_ms"))
    rows = [(label, results.get(p50), results.get(p99)) for label, p50, p99 in keys]
    rows = [(label, p50, p99) for label, p50, p99 in rows if p50 is not None and p99 is not None]
    if not rows:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    positions = range(len(rows))
    axes.bar([p - 0.2 for p in positions], [r[1] for r in rows], width=0.4, label="p50")
    axes.bar([p + 0.2 for p in positions], [r[2] for r in rows], width=0.4, label="p99")
    axes.axhline(100, color="red", linestyle=":", label="target p99 at 20 senders")
    axes.set_xticks(list(positions), [r[0] for r in rows])
    axes.set(ylabel="ms", title="Slash-command round trip")
    axes.legend()
    return _save(plt, figure, path)


def herd_plot(results: dict[str, Any], path: Path) -> Path | None:
    """Posts the stand-in received over time after the herd's due second, against the bound."""
    timeline = results.get("herd_timeline") or []
    if not timeline:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot([t for t, _ in timeline], [n for _, n in timeline], "-", label="posts received")
    if results.get("herd_bound_s") is not None:
        axes.axvline(results["herd_bound_s"], color="red", linestyle=":", label="bound (limits, Celery ceiling)")
    axes.set(xlabel="seconds after the due second", ylabel="posts", title=f"Herd of {results.get('herd_runs', 0):,}")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _save(plt, figure, path)


def open_loop_plot(results: dict[str, Any], path: Path) -> Path | None:
    """Confirmation p50 and p99 and the ack p99 against the open-loop rate, with the busy share beside them."""
    points = {**(results.get("confirm_open_loop") or {}), **(results.get("confirm_open_loop_search") or {})}
    rates = sorted((int(r) for r in points if points[r].get("p99_ms") is not None), key=int)
    if not rates:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for key, label, style in (("p50_ms", "confirmation p50", "o-"), ("p99_ms", "confirmation p99", "s-"),
                              ("ack_p99_ms", "HTTP ack p99", "^--")):  # fmt: skip
        axes.plot(rates, [points[str(r)][key] for r in rates], style, label=label)
    axes.axhline(250, color="red", linestyle=":", label="target: p99 ≤ 250 ms at 50/s")
    axes.set(yscale="log", xlabel="slash commands per second (open loop, Poisson)", ylabel="ms from the scheduled send")
    for rate in rates:
        busy, sent = points[str(rate)].get("busy", 0), points[str(rate)].get("sent") or 1
        if busy:
            axes.annotate(f"{100 * busy / sent:.0f}% busy", (rate, points[str(rate)]["p99_ms"]),
                          textcoords="offset points", xytext=(4, 6), fontsize=8)  # fmt: skip
    axes.set_title("What a person waits for under load")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    return _save(plt, figure, path)


def _save(plt: Any, figure: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def all_plots(results: dict[str, Any], folder: Path) -> list[Path]:
    """The PNGs drawn into `folder`; none without matplotlib (the caller says so with HOW_TO_GET)."""
    if not available():
        return []
    made = [claims_plot(results, folder / "claims.png"), latency_plot(results, folder / "ack.png")]
    made.append(herd_plot(results, folder / "herd.png"))
    made.append(open_loop_plot(results, folder / "openloop.png"))
    return [path for path in made if path is not None]
