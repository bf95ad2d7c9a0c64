"""Figure and file writing off the main thread: coverage grids reduced to a figure's pixels, and a
batch of independent jobs (maps, diagrams, GeoTIFFs) run on worker processes or threads.

* :func:`block_reduce` brings a (rows, cols) grid down by an integer factor per block — ``"max"``
  for masks and categories (a block is covered if any of its cells is: the coverage edge is drawn
  where it is, not where a stride happens to sample it), ``"mean"`` for heights.
* :class:`Batch` starts every job at once and collects the results in order. ``kind="process"``
  forks worker processes (the jobs and their data reach the children by ``fork``, nothing is
  pickled but the results); ``kind="thread"`` uses threads (useful only where the work releases the
  GIL; rasterio 1.4 does not while GDAL compresses, see :func:`iadsim.coverage.products.write_geotiffs`);
  ``kind="serial"`` runs them at :meth:`Batch.collect`. The default
  for figures is ``process`` with ``min(2, CPUs)`` workers where ``fork`` exists and this process
  may have children (not a daemon, e.g. a multiprocessing or Dask worker), else ``serial``;
  ``IADSIM_FIGURE_WORKERS=N`` (0 or 1: serial) and ``IADSIM_FIGURE_POOL=process|thread|serial``
  override it. Nothing has to be installed or started.

Measured on the demo's 24 figures (2 cores, load ≈ 1.5 from other work, start-up included):
serial 2.6–2.8 s, two threads 2.05 s, two forked processes 1.5–1.6 s (matplotlib's drawing and text
layout hold the GIL). Matplotlib's pyplot is not thread-safe: ``thread`` is for measurements.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np

#: the jobs of the batch being forked (read by the children through fork's copy of this module);
#: set, and the workers forked, under ``_FORK_LOCK`` so that batches started on two threads at
#: once (the web viewer's jobs) do not see each other's jobs
_JOBS: list[Callable[[], Any]] = []
_FORK_LOCK = threading.Lock()


def _reset_after_fork() -> None:
    global _FORK_LOCK
    _FORK_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def block_reduce(arr: np.ndarray, factor: int, how: str = "max", fill: Any = None) -> np.ndarray:
    """``arr`` (rows, cols) reduced by ``factor`` per side to (⌈rows/f⌉, ⌈cols/f⌉): ``"max"`` (edge
    blocks padded with ``fill``, default the dtype's minimum) or ``"mean"`` (float; NaN cells and
    the padding are ignored, a block of none is NaN)."""
    if factor <= 1:
        return arr
    rows, cols = arr.shape
    nr, nc = -(-rows // factor), -(-cols // factor)
    if how == "max":
        if fill is None:
            fill = np.iinfo(arr.dtype).min if np.issubdtype(arr.dtype, np.integer) else (
                False if arr.dtype == bool else -np.inf)
        pad = np.full((nr * factor, nc * factor), fill, dtype=arr.dtype)
        pad[:rows, :cols] = arr
        return pad.reshape(nr, factor, nc, factor).max(axis=(1, 3))
    if how == "mean":
        pad = np.full((nr * factor, nc * factor), np.nan, dtype=np.float64)
        pad[:rows, :cols] = arr
        blocks = pad.reshape(nr, factor, nc, factor)
        ok = ~np.isnan(blocks)
        total = np.where(ok, blocks, 0.0).sum(axis=(1, 3))
        n = ok.sum(axis=(1, 3))
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)
    raise ValueError(f"block_reduce: how must be 'max' or 'mean', got {how!r}")


def _can_fork() -> bool:
    return (sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_pool(n_jobs: int) -> tuple[str, int]:
    """(kind, workers) for a batch of ``n_jobs`` figures (module docstring)."""
    raw = os.environ.get("IADSIM_FIGURE_WORKERS", "").strip()
    workers = int(raw) if raw.isdigit() else min(2, _cpus())
    kind = os.environ.get("IADSIM_FIGURE_POOL", "").strip().lower() or "process"
    if kind not in ("process", "thread", "serial"):
        kind = "process"
    workers = min(workers, n_jobs)
    if workers <= 1 or kind == "serial" or (kind == "process" and not _can_fork()):
        return "serial", 1
    return kind, workers


def _run_forked(i: int) -> Any:
    return _JOBS[i]()


class Batch:
    """Independent jobs started together (module docstring); :meth:`collect` returns their results
    in the order given, raising the first job's exception."""

    def __init__(self, jobs: Sequence[Callable[[], Any]], kind: str | None = None, workers: int | None = None):
        self.jobs = list(jobs)
        if kind is None or workers is None:
            k, w = default_pool(len(self.jobs))
            kind = kind or k
            workers = workers or w
        self.kind = kind if workers > 1 else "serial"
        self.workers = workers
        self._ex: Executor | None = None
        self._futures: list[Future] = []
        if self.kind == "process" and not _can_fork():
            self.kind = "serial"
        if self.kind == "process":
            global _JOBS
            with _FORK_LOCK:  # a fork-context pool starts every worker at the first submit
                _JOBS = self.jobs
                try:
                    self._ex = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
                    self._futures = [self._ex.submit(_run_forked, i) for i in range(len(self.jobs))]
                finally:
                    _JOBS = []
        elif self.kind == "thread":
            self._ex = ThreadPoolExecutor(workers)
            self._futures = [self._ex.submit(job) for job in self.jobs]

    def cancel(self) -> None:
        """Drop the jobs not started, wait for the running ones (their results are discarded)."""
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
        self.jobs, self._futures = [], []

    def collect(self) -> list[Any]:
        if self.kind == "serial":
            return [job() for job in self.jobs]
        assert self._ex is not None
        try:
            return [f.result() for f in self._futures]
        finally:
            self._ex.shutdown(wait=True, cancel_futures=True)
