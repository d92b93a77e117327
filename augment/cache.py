"""A memo for the pages' heavy values (decoded audio, renderings, WAV bytes, spectrograms),
bounded in **bytes**, not entries.

Streamlit's own caches count entries: 24 decoded 10-minute 48 kHz clips are 2.7 GB. Here every
stored value is weighed (numpy arrays by ``nbytes``, bytes and text by length, containers and
dataclasses by their parts) and the least recently used values go once the total passes the
budget: ``AUGCHECK_CACHE_MB`` (default 512 MB) for the whole process. A value bigger than the
whole budget is returned but not kept.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

#: The default budget in MB (``AUGCHECK_CACHE_MB`` overrides).
DEFAULT_CACHE_MB = 512


def budget_bytes() -> int:
    """The configured budget: ``AUGCHECK_CACHE_MB`` megabytes (default 512)."""
    try:
        mb = float(os.environ.get("AUGCHECK_CACHE_MB", "") or DEFAULT_CACHE_MB)
    except ValueError:
        mb = DEFAULT_CACHE_MB
    return max(0, int(mb * 1024 * 1024))


def sizeof(value: Any, _depth: int = 0) -> int:
    """About how many bytes ``value`` holds (arrays, bytes, text, containers, dataclasses)."""
    if _depth > 8:
        return 64
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return 64 + sum(sizeof(k, _depth + 1) + sizeof(v, _depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 64 + sum(sizeof(v, _depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(
            sizeof(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value)
        )
    if hasattr(value, "__dict__"):
        return 64 + sum(sizeof(v, _depth + 1) for v in vars(value).values())
    return 32


class ByteCache:
    """A least-recently-used memo whose values together stay under ``max_bytes``."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = budget_bytes() if max_bytes is None else int(max_bytes)
        self._items: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple) -> tuple[bool, Any]:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return False, None
            self._items.move_to_end(key)
            return True, hit[0]

    def put(self, key: tuple, value: Any) -> None:
        size = sizeof(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self.nbytes += size
            while self.nbytes > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self.nbytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0

    def memo(self, fn: Callable) -> Callable:
        """Decorate ``fn``: results kept per (function, arguments); arguments must be hashable.

        Exceptions are not kept: a bad input is refused again next time.
        """
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = (name, args, tuple(sorted(kwargs.items())))
            found, value = self.get(key)
            if found:
                return value
            value = fn(*args, **kwargs)
            self.put(key, value)
            return value

        wrapper.cache = self  # type: ignore[attr-defined]
        return wrapper


#: The process's one budget, shared by every page helper that keeps audio in memory.
shared = ByteCache()
