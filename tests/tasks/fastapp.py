"""The real Celery app with short leases and timeouts, for worker and beat processes started by tests."""

from __future__ import annotations

import os
from datetime import timedelta

from schedulebot.config import load_settings
from tasks.app import create_app
from tasks.options import FiringOptions

FAST = FiringOptions(
    # A test whose workers are killed and restarted sets a grace longer than a worker takes to start on a loaded
    # machine, so a run due meanwhile is late, not missed.
    misfire_grace=timedelta(seconds=float(os.environ.get("FASTAPP_MISFIRE_GRACE_SECONDS", "3"))),
    # A test that must see a run sent without the tick's recovery sets the production lease here.
    queued_lease=timedelta(seconds=float(os.environ.get("FASTAPP_QUEUED_LEASE_SECONDS", "4"))),
    running_lease=timedelta(seconds=8),
    soft_time_limit=5,
    time_limit=6,
    http_timeout=2.0,
    backoff_base=0.2,
    backoff_cap=1.0,
    lookahead_margin=timedelta(milliseconds=500),
)

celery_app = create_app(load_settings(), FAST)
