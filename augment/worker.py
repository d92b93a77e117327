"""Run a core function by name in a worker process.

The Studio sends slow analyses (the model, the objective hints) to a separate process so that
they never hold up a page rerun. Naming the function (``"augment.hints:hints"``) instead of
passing it keeps the page's process from importing its libraries at all.
"""

from __future__ import annotations

import importlib
from typing import Any


def run(target: str, *args: Any, **kwargs: Any) -> Any:
    """Import ``module:function`` and call it with the arguments."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(*args, **kwargs)
