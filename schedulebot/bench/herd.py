"""The 9 o'clock herd: one-off reminders due at the same second across many workspaces and channels, against
Slack's own limits on chat.postMessage as the stand-in enforces them (schedulebot/standin/postlimits.py).

Each workspace is its own OAuth install with its own bot token (tasks/tokens.py), as in production: a
single-workspace token belongs to one workspace, so Slack would count every post against that one workspace.

The bound is the earliest the last post could arrive, measured from the due second, by the larger of:
- the workspace limit: a workspace with n posts, a bucket of B and W posts a minute, sends its last post no
  sooner than (n - B) * 60 / W seconds after the first;
- the channel limit: a channel with m posts, one per interval i, (m - 1) * i;
- the Celery ceiling: every run is a task at least once, so total / celery_noop_per_s (the same workers).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from schedulebot.bench import procs
from schedulebot.bench.firing import measure_noop
from schedulebot.bench.reconcile import Due, Seen, reconcile
from schedulebot.bench.stack import Stack, insert_triggers, next_number, private_stack, trigger_row

Progress = Callable[[str], None]
DEFAULT_PER_MINUTE = 300
# The stand-in's burst per workspace: two seconds of the per-minute rate, a "short burst".
BURST_SECONDS = 2
CHANNEL_INTERVAL_S = 1.0
# Leave beat time for its first tick (5 s period in the bench stack) and the claim of the whole herd.
FIRST_DUE_AFTER_S = 20
# No-op tasks timed for the Celery ceiling when the firing section did not measure it in this run.
MIN_NOOP_TASKS = 1_000
MAX_NOOP_TASKS = 5_000
CLIENT_ID, CLIENT_SECRET = "111.herd", "herd-client-secret"
# Posts over time, in this many bins, for the plot.
TIMELINE_BINS = 60


@dataclass(frozen=True)
class Herd:
    """`workspaces` × `channels` one-off runs, one per channel, all due at the same second."""

    workspaces: int
    channels: int
    per_minute: int = DEFAULT_PER_MINUTE

    @property
    def total(self) -> int:
        return self.workspaces * self.channels

    @property
    def burst(self) -> int:
        return max(1, self.per_minute * BURST_SECONDS // 60)

    def limits_bound(self) -> float:
        """Seconds the stand-in's limits need for the last post: one post per channel, `channels` per workspace."""
        workspace = max(0, self.channels - self.burst) * 60 / self.per_minute
        channel = (1 - 1) * CHANNEL_INTERVAL_S  # each channel has one post of the herd
        return max(workspace, channel)


# The full herd; quick mode runs a tenth of it (fewer workspaces, the same 100 posts in each); any other plan
# (the tests' tiny one) a tiny herd.
HERDS = {"full": Herd(workspaces=100, channels=100), "quick": Herd(workspaces=10, channels=100)}
TINY_HERD = Herd(workspaces=2, channels=5)


def run_herd(herd: Herd, progress: Progress, *, noop_per_s: float | None = None) -> dict[str, Any]:
    """herd_* figures: the last post after the due second against its bound, what was lost or doubled, 429s."""
    with private_stack() as stack, procs.group() as (started, folder):
        env = stack.env(**_oauth_env(herd))
        _install(stack, herd, env["SCHEDULEBOT_SECRET_KEY"])
        worker = procs.schedulebot(["worker", "--include", "schedulebot.bench.noop"])
        started.append(procs.start_ready("worker", "worker", worker, env, folder))
        if noop_per_s is None:
            noop_per_s = _noop(stack, env, herd.total)
        stack.standin.faults(
            channel_min_interval=CHANNEL_INTERVAL_S, workspace_per_minute=herd.per_minute, workspace_burst=herd.burst
        )
        started.append(procs.start_ready("beat", "beat", procs.schedulebot(["beat"]), env, folder))
        due, expected = _insert(stack, herd)
        progress(f"herd: {herd.total:,} runs due at {due.isoformat()} across {herd.workspaces} workspaces")
        return _measure(stack, herd, due, expected, noop_per_s)


def _oauth_env(herd: Herd) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SCHEDULEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        "SCHEDULEBOT_WORKSPACE_POSTS_PER_MINUTE": str(herd.per_minute),
    }


def team_id(workspace: int) -> str:
    return f"TH{workspace:04d}"


def _install(stack: Stack, herd: Herd, key: str) -> None:
    """One install per workspace in the database, its bot token known to the stand-in as that team's."""
    from slack_sdk.oauth.installation_store import Installation

    from storage.encryption import Cipher
    from storage.slack_stores import installation_store

    store = installation_store(stack.engine, CLIENT_ID, Cipher(key))
    for workspace in range(herd.workspaces):
        team, token = team_id(workspace), f"xoxb-herd-{workspace}"
        stack.standin.add_token(token, team)
        bot = {"bot_token": token, "bot_id": f"B{team}", "bot_user_id": f"U{team}", "bot_scopes": "chat:write"}
        store.save(Installation(app_id="A0STANDIN", enterprise_id=None, team_id=team, user_id="U0BENCH", **bot))


def _noop(stack: Stack, env: dict[str, str], total: int) -> float:
    from schedulebot.config import load_settings
    from tasks.app import create_app

    app = create_app(load_settings(**env))
    return measure_noop(stack, app, max(MIN_NOOP_TASKS, min(total, MAX_NOOP_TASKS)))


def _insert(stack: Stack, herd: Herd) -> tuple[datetime, list[Due]]:
    from scheduling.schedule import Schedule

    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=FIRST_DUE_AFTER_S)
    schedule = Schedule(kind="once", zone="UTC", at=due)
    first = next_number(stack.engine)
    rows = []
    for index in range(herd.total):
        workspace, channel = divmod(index, herd.channels)
        row = trigger_row(first + index, f"CH{workspace:04d}{channel:04d}", f"herd {index}", due, schedule)
        rows.append({**row, "team_id": team_id(workspace)})
    ids = insert_triggers(stack.engine, rows)
    return due, [Due(tid, (due,), row["payload"]["text"]) for tid, row in zip(ids, rows, strict=True)]


def _measure(stack: Stack, herd: Herd, due: datetime, expected: list[Due], noop_per_s: float) -> dict[str, Any]:
    bound = max(herd.limits_bound(), herd.total / noop_per_s)
    wait = FIRST_DUE_AFTER_S + 60 + bound * 10
    with contextlib.suppress(TimeoutError):  # what never arrived is counted as lost below
        stack.standin.wait_for_posts(herd.total, timeout=wait)
    time.sleep(2)  # a duplicate would come on the heels of the last post
    posts = stack.standin.posts()
    result = reconcile(expected, [Seen.from_metadata(p.metadata) for p in posts])
    last = max((p.received_wall for p in posts), default=float("nan")) - due.timestamp()
    limited = stack.standin.rate_limited()
    return {
        "herd_runs": herd.total,
        "herd_workspaces": herd.workspaces,
        "herd_channels_per_workspace": herd.channels,
        "herd_per_minute": herd.per_minute,
        "herd_burst": herd.burst,
        "herd_celery_noop_per_s": round(noop_per_s, 1),
        "herd_last_post_s": round(last, 2),
        "herd_bound_s": round(bound, 2),
        "herd_ratio": round(last / bound, 3),
        "herd_lost": result.lost,
        "herd_duplicates": result.duplicates + result.unexpected + result.unidentified,
        "herd_429s": sum(limited.values()),
        "herd_429s_by_kind": limited,
        "herd_timeline": _timeline([p.received_wall - due.timestamp() for p in posts]),
    }


def _timeline(offsets: list[float]) -> list[list[float]]:
    """[seconds after the due second, posts received by then], for the plot."""
    if not offsets:
        return []
    ordered = sorted(offsets)
    step = max(ordered[-1], 1.0) / TIMELINE_BINS
    return [[round(step * i, 2), sum(1 for o in ordered if o <= step * i)] for i in range(TIMELINE_BINS + 1)]
