"""Background jobs: slow analyses run in a worker process, keyed, so a page never waits for them.

The Studio asks for the model's result and the objective hints of the sample on screen; a slider
moved again asks for a new sample's. :class:`JobScheduler` keeps one future per key (asking again
for the same key returns the same future), cancels jobs of the same kind still queued for older
samples (so quick slider moves build no backlog), and starts a fresh worker if the old one died
(e.g. a user's model plugin crashed it). Targets are named (``"augment.hints:hints"``, run by
:func:`augment.worker.run`), so the page's process never imports their libraries. A process, not a
thread: a decoder holding the interpreter lock would slow every rerun. No Streamlit in here; the
pages keep one scheduler per server process with ``st.cache_resource``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Hashable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from augment.worker import run

#: Jobs remembered (done or not); the oldest are forgotten first.
KEEP = 128
#: How many of the most recent jobs are looked at when cancelling older ones of the same kind.
CANCEL_WINDOW = 8


class JobScheduler:
    """Keyed jobs in ``workers`` worker processes (started with ``spawn``).

    A key is a tuple whose first item is the job's kind (``("model", sample_key)``).
    """

    def __init__(self, *, workers: int = 1, keep: int = KEEP):
        self.workers = workers
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: OrderedDict[Hashable, Future] = OrderedDict()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        from augment.worker import watch_parent

        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            # a server killed outright cannot shut its pool down: the worker then ends itself
            initializer=watch_parent,
            initargs=(os.getpid(),),
        )

    def submit(self, key: tuple, target: str, *args: Any, **kwargs: Any) -> Future:
        """``target`` (``"module:function"``) called with the arguments: a Future under ``key``."""
        with self._lock:
            jobs = self._jobs
            if key in jobs and not jobs[key].cancelled():
                jobs.move_to_end(key)
                return jobs[key]
            for old_key, old in list(jobs.items())[-CANCEL_WINDOW:]:
                if old_key[0] == key[0]:
                    old.cancel()  # only succeeds for jobs not started yet
            try:
                future = self._pool.submit(run, target, *args, **kwargs)
            except BrokenProcessPool:  # the worker died: start anew, forget its jobs
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                jobs.clear()
                future = self._pool.submit(run, target, *args, **kwargs)
            jobs[key] = future
            while len(jobs) > self.keep:
                jobs.popitem(last=False)
            return future

    def __len__(self) -> int:
        return len(self._jobs)

    def shutdown(self) -> None:
        """Stop the worker; queued jobs are cancelled, a running one is not waited for."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def outcome(job: Future | None) -> tuple[object, str | None]:
    """``(result, None)``, ``(None, one-line problem)``, or ``(None, None)`` while running."""
    if job is None or not job.done() or job.cancelled():
        return None, None
    try:
        return job.result(), None
    except Exception as exc:  # a user's model plugin may fail in any way; say so in one line
        text = str(exc).splitlines()[0] if str(exc) else ""
        return None, text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"


__all__ = ["JobScheduler", "outcome"]
