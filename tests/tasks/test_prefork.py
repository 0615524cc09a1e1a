"""Before the worker forks its pool: first-use modules are loaded and the heap frozen, so a pool process
inherits frozen objects (its collector never walks, and so never copies, them)."""

import gc
import os
import sys

from tasks import prefork


def test_first_use_modules_are_loaded_and_a_forked_child_inherits_the_frozen_heap() -> None:
    prefork._load_first_use()
    assert set(prefork.FIRST_USE_MODULES) <= set(sys.modules)
    try:
        prefork._freeze()
        frozen = gc.get_freeze_count()
        pid = os.fork()
        if pid == 0:  # the child: exit 0 only if it holds what the parent froze (less what at-fork hooks freed)
            os._exit(0 if gc.get_freeze_count() > frozen // 2 > 0 else 1)
        _, status = os.waitpid(pid, 0)
        prefork._freeze()  # a replaced pool process: nothing more is frozen
        assert gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    assert os.waitstatus_to_exitcode(status) == 0, (status, frozen)
