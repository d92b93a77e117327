"""Where :func:`augment.render.work.render_task` runs: in this process, a local process pool, or
Dask (a ``LocalCluster`` or a running scheduler). Each yields the task results as they finish;
at most a bounded number of tasks are in flight, so a million-file manifest does not sit in memory
as futures.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from augment.errors import AugcheckError
from augment.render.work import Job, Task, render_task

#: Tasks in flight per worker (enough to keep every worker busy between results).
IN_FLIGHT_PER_WORKER = 4


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_serial(tasks: Iterable[Task], job: Job) -> Iterator[dict[str, Any]]:
    for t in tasks:
        yield render_task(t, job)


def run_pool(tasks: Iterable[Task], job: Job, workers: int) -> Iterator[dict[str, Any]]:
    """A local process pool; ``fork`` where it is safe (this process runs no other thread)."""
    import multiprocessing
    import threading
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    pending, it = set(), iter(tasks)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        for t in it:
            pending.add(pool.submit(render_task, t, job))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                nxt = next(it, None)
                if nxt is not None:
                    pending.add(pool.submit(render_task, nxt, job))
                yield f.result()


def dask_client(address: str, workers: int | None):
    """A ``distributed.Client``: a new ``LocalCluster`` for ``"local"``, else the scheduler."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise AugcheckError(
            "--dask needs Dask's distributed scheduler: pip install 'dask[distributed]'"
        ) from None
    if address == "local":
        cluster = LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        return Client(cluster), cluster
    try:
        return Client(address, timeout="10s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise AugcheckError(f"--dask {address}: cannot reach the scheduler ({exc})") from None


def run_dask(
    tasks: Iterable[Task], job: Job, address: str, workers: int | None
) -> Iterator[dict[str, Any]]:
    """The same function through Dask futures: ``Client.map`` in batches, ``as_completed``.

    ``job`` (recipe, noise paths) is scattered to every worker once; each worker then reads the
    noises once (its own module-level cache), from a path every worker can reach.
    """
    from distributed import as_completed

    client, cluster = dask_client(address, workers)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        batch = n * IN_FLIGHT_PER_WORKER * 8
        job_future = client.scatter(job, broadcast=True)
        buffer: list[Task] = []
        it = iter(tasks)
        while True:
            buffer = [t for _, t in zip(range(batch), it, strict=False)]
            if not buffer:
                break
            futures = client.map(render_task, buffer, job=job_future, pure=False)
            for f in as_completed(futures):
                yield f.result()
                f.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
