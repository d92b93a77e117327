"""Where :func:`augment.render.work.render_task` runs: in this process, a local process pool, or
Dask (a ``LocalCluster`` or a running scheduler). Each yields the task results as they finish;
at most a bounded number of tasks are in flight, so a million-file manifest does not sit in memory
as futures.
"""

from __future__ import annotations

import os
import statistics
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


#: Seconds of work a Dask task aims at: each one costs the client, the scheduler and the worker
#: about 8 ms besides the work (measured: 200 tasks of 28 ms took 1.7 s of the client's CPU on
#: top of the workers'), so short files go several to a task.
DASK_TASK_S = 0.25
#: The most source files in one Dask task.
DASK_MAX_FILES = 64


def render_tasks(tasks: list[Task], job: Job) -> list[dict[str, Any]]:
    """Several source files in one Dask task (see :data:`DASK_TASK_S`)."""
    return [render_task(t, job) for t in tasks]


def run_dask(
    tasks: Iterable[Task], job: Job, address: str, workers: int | None
) -> Iterator[dict[str, Any]]:
    """The same function through Dask futures (``Client.map``, ``as_completed``).

    ``job`` (recipe, noise paths) is scattered to every worker once; each worker then reads the
    noises once (its own module-level cache), from a path every worker can reach. Files go a few
    to a task, as many as take about :data:`DASK_TASK_S` of CPU (the median of the files so far;
    the first tasks hold one file), and a bounded number of tasks is in flight: a new one
    goes out as soon as one comes back, so no worker waits for a batch to finish.
    """
    from distributed import as_completed

    client, cluster = dask_client(address, workers)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        job_future = client.scatter(job, broadcast=True)
        it = iter(tasks)
        costs: list[float] = []  # CPU seconds of each file rendered so far

        def chunk() -> list[Task]:
            # the median: a worker's first file also pays its imports (a second or more)
            cost = statistics.median(costs[-256:]) if costs else 0.0
            size = 1 if cost <= 0 else round(DASK_TASK_S / cost)
            return [t for _, t in zip(range(max(1, min(size, DASK_MAX_FILES))), it, strict=False)]

        first = [c for c in (chunk() for _ in range(n * IN_FLIGHT_PER_WORKER)) if c]
        pending = as_completed(client.map(render_tasks, first, job=job_future, pure=False))
        for f in pending:
            results = f.result()
            f.release()
            costs.extend(r["cpu_s"] for r in results if r["rows"])
            nxt = chunk()
            if nxt:
                pending.add(client.submit(render_tasks, nxt, job=job_future, pure=False))
            yield from results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
