"""Run a core function by name in a worker process.

The Studio sends slow analyses (the model, the objective hints) to a separate process so that
they never hold up a page rerun. Naming the function (``"augment.hints:hints"``) instead of
passing it keeps the page's process from importing its libraries at all.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from typing import Any

#: How often a worker checks that the process that started it is still there, in seconds.
PARENT_CHECK_S = 1.0


def run(target: str, *args: Any, **kwargs: Any) -> Any:
    """Import ``module:function`` and call it with the arguments."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def watch_parent(parent_pid: int, interval_s: float = PARENT_CHECK_S) -> None:
    """Process-pool initializer: end this worker as soon as ``parent_pid`` is gone.

    A server killed outright (``kill -9``, an out-of-memory kill) cannot shut its pool down; its
    worker is then re-parented, which :func:`os.getppid` shows within ``interval_s``.
    """

    def watch() -> None:
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="augcheck-parent-watch", daemon=True).start()
