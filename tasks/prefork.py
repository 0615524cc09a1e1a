"""The worker's main process, just before it forks its pool: load once what every pool process needs, then
freeze it, so the pool processes share those pages with the main process instead of copying them.

A forked process shares its parent's memory until it writes to a page. CPython writes to an object when
its cyclic collector walks it (and a full collection walks every object), so without `gc.freeze()` each
pool process soon holds its own copy of most of the imported code and data; and a module a pool process
imports on first use is loaded once per process. What is loaded here never depends on what is stored.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

from celery import signals

# Modules a pool process would otherwise import on its first run: the built-in actions and the events'
# actions (loaded by name from `tasks.actions`), and the standard library's strptime.
FIRST_USE_MODULES = ("tasks.actions.message", "tasks.actions.webhook", "tasks.events", "_strptime")
# billiard declares this with cffi in every new pool process (set_pdeathsig); parsing it once here leaves
# cffi's C parser built and shared instead of built again in each process.
PDEATHSIG_DECLARATION = "int prctl (int __option, ...);"


def share_with_pool() -> None:
    """Connect the handlers; call in the worker's main process before the worker starts."""
    signals.worker_init.connect(_load_first_use, weak=False)
    signals.worker_before_create_process.connect(_freeze, weak=False)


def _load_first_use(**_: Any) -> None:
    for name in FIRST_USE_MODULES:
        importlib.import_module(name)
    if "cffi" in sys.modules:  # billiard uses cffi only when something else imported it
        import cffi

        cffi.FFI().cdef(PDEATHSIG_DECLARATION)


def _freeze(**_: Any) -> None:
    """Collect what is garbage now, then move every object left out of the collector's sight; once.

    Before the first fork only: a frozen object is never collected in this process either, so freezing again
    when a pool process is replaced would keep, for good, whatever the main process held at that moment.
    """
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()
