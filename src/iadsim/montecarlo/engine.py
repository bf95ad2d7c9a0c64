"""Run a sweep: split it into batches, run them on an executor, write each batch as it finishes.

Executors (the result is the same whichever runs it: :mod:`iadsim.montecarlo.seeds`):

* ``workers=1``: in this process;
* ``workers=N > 1``: N local worker processes (``concurrent.futures`` with the ``spawn`` start
  method), nothing to install or start;
* ``scheduler="tcp://HOST:PORT"``: an existing Dask distributed cluster;
* ``dask_local=N``: a local Dask cluster of N single-threaded worker processes, started and
  stopped here.

A worker compiles the world and prepares the battle once per sweep point
(:func:`iadsim.montecarlo.replicate.point_setup`); batches of one point are submitted together so
the same worker tends to get them. Ctrl-C cancels what has not started; every finished batch is on
disk and ``resume`` continues from there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iadsim.errors import InputError
from iadsim.montecarlo import dataset
from iadsim.montecarlo.replicate import PointJob, run_batch

#: progress(done replications, total replications, replications done by this run)
SweepProgress = Callable[[int, int, int], None]


@dataclass
class Task:
    point: int
    start: int
    stop: int


class SchedulerError(InputError):
    """The Dask scheduler cannot be reached."""


def tasks_for(n_points: int, replications: int, batch_size: int) -> list[Task]:
    return [Task(p, s, min(s + batch_size, replications))
            for p in range(n_points) for s in range(0, replications, batch_size)]


def default_batch_size(replications: int, workers: int) -> int:
    """Batches small enough to share the work and keep little at risk, big enough to amortise."""
    return max(1, min(50, replications // max(2 * workers, 1) or 1))


def run_sweep(jobs: list[PointJob], out: Path, manifest: dict[str, Any], *, replications: int, batch_size: int,
              resume: bool = False, workers: int | None = None, scheduler: str | None = None,
              dask_local: int | None = None, progress: SweepProgress | None = None) -> int:
    """Run every batch not yet in ``out`` and write it; returns the number of batches run."""
    done = dataset.open_folder(Path(out), manifest, resume=resume)
    todo = [t for t in tasks_for(len(jobs), replications, batch_size) if (t.point, t.start) not in done]
    total = len(jobs) * replications
    finished = total - sum(t.stop - t.start for t in todo)
    new = 0
    if progress:
        progress(finished, total, new)
    for task, rows in _execute(jobs, todo, workers=workers, scheduler=scheduler, dask_local=dask_local):
        dataset.write_batch(Path(out), task.point, task.start, rows)
        finished += task.stop - task.start
        new += task.stop - task.start
        if progress:
            progress(finished, total, new)
    return len(todo)


def _execute(jobs: list[PointJob], todo: list[Task], *, workers: int | None, scheduler: str | None,
             dask_local: int | None) -> Iterator[tuple[Task, list[dict[str, Any]]]]:
    if not todo:
        return iter(())
    if scheduler is not None or dask_local is not None:
        return _dask(jobs, todo, scheduler, dask_local)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n <= 1 or len(todo) == 1:
        return ((t, run_batch(jobs[t.point], list(range(t.start, t.stop)))) for t in todo)
    return _processes(jobs, todo, n)


def _processes(jobs: list[PointJob], todo: list[Task], n: int) -> Iterator[tuple[Task, list[dict[str, Any]]]]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=min(n, len(todo)), mp_context=mp.get_context("spawn"))
    try:
        futures = {pool.submit(run_batch, jobs[t.point], list(range(t.start, t.stop))): t for t in todo}
        for f in as_completed(futures):
            yield futures[f], f.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(jobs: list[PointJob], todo: list[Task], scheduler: str | None,
          dask_local: int | None) -> Iterator[tuple[Task, list[dict[str, Any]]]]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler {scheduler!r} "
                                 f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no answer'}); "
                                 "expected a running scheduler at tcp://HOST:PORT", field="--scheduler") from None
    else:
        cluster = LocalCluster(n_workers=int(dask_local), threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    try:
        futures = {}
        for t in todo:
            f = client.submit(run_batch, jobs[t.point], list(range(t.start, t.stop)), pure=False)
            futures[f] = t
        for f in as_completed(list(futures)):
            yield futures[f], f.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
