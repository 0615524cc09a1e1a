"""Tunable limits of the firing pipeline, with production defaults; tests build an app with shorter ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from storage.claims import DEFAULT_CATCH_UP_CAP, DEFAULT_MISFIRE_GRACE, DEFAULT_QUEUED_LEASE, DEFAULT_RUNNING_LEASE
from tasks.pacing import DEFAULT_WORKSPACE_BURST

# Slack allows about one message per second per channel.
DEFAULT_CHANNEL_INTERVAL = 1.0
# Attempts that end in a Slack 5xx, a timeout or a failing action before the run is failed.
DEFAULT_MAX_ATTEMPTS = 5
# ... and only once its first attempt is this old, so a Slack outage of a few minutes drops nothing.
DEFAULT_RETRY_WINDOW = timedelta(minutes=5)
# Backoff after a transient failure: base * 2**n seconds, at most the cap, with full jitter.
DEFAULT_BACKOFF_BASE = 2.0
DEFAULT_BACKOFF_CAP = 60.0
# Seconds a worker may spend on one attempt (soft, then hard); the running lease must exceed the hard one.
DEFAULT_SOFT_TIME_LIMIT = 50
DEFAULT_TIME_LIMIT = 60
# Seconds a Slack Web API call or a webhook may take before its outcome counts as unknown.
DEFAULT_HTTP_TIMEOUT = 10.0
# Claims look this far past the next tick, so beat's jitter never leaves an instant unclaimed.
DEFAULT_LOOKAHEAD_MARGIN = timedelta(seconds=2)


@dataclass(frozen=True)
class FiringOptions:
    misfire_grace: timedelta = DEFAULT_MISFIRE_GRACE
    catch_up_cap: int = DEFAULT_CATCH_UP_CAP
    queued_lease: timedelta = DEFAULT_QUEUED_LEASE
    running_lease: timedelta = DEFAULT_RUNNING_LEASE
    channel_interval: float = DEFAULT_CHANNEL_INTERVAL
    workspace_burst: int = DEFAULT_WORKSPACE_BURST
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_window: timedelta = DEFAULT_RETRY_WINDOW
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_cap: float = DEFAULT_BACKOFF_CAP
    soft_time_limit: int = DEFAULT_SOFT_TIME_LIMIT
    time_limit: int = DEFAULT_TIME_LIMIT
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    lookahead_margin: timedelta = DEFAULT_LOOKAHEAD_MARGIN

    def __post_init__(self) -> None:
        if self.running_lease.total_seconds() <= self.time_limit:
            raise ValueError("running_lease must be longer than time_limit, or a live run could be taken over")
