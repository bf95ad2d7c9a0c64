#!/usr/bin/env python3
"""Monte Carlo speed on the demo raid (examples/turkey-2019): replications per second with perfect
perception on 1 and 2 local worker processes (speed-up), through a local Dask cluster of 2 workers
against the default executor, and the time of one tracker-perception replication; then, in this
process, the once-per-point preparation, the CPU seconds per replication (perfect and tracker),
and the time of ``--big`` (10 000) perfect-perception replications on 2 local workers.

Sweep times are wall-clock for a whole sweep, including worker start-up and the once-per-point
preparation (compile, routes, radar views, fire control on the truth) in each worker; use enough
replications (``--replications``, default 2 000) for that preparation to be amortised in the
1 → 2 worker speed-up. The load average at the start is printed: the machine may be shared.

    python benchmarks/montecarlo.py [--replications 2000] [--big 10000] [--write]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# benchmarks/ first on sys.path would let benchmarks/coverage.py shadow the coverage package numba probes
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _Path(__file__).resolve().parent]

import argparse
import datetime as _dt
import os
import platform
import tempfile
import time
from pathlib import Path


DEMO = Path(__file__).resolve().parents[1] / "examples" / "turkey-2019" / "scenario.yaml"


def _sweep(**kw) -> float:
    from iadsim.api.sweep import sweep

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        sweep(DEMO, out=Path(tmp) / "s", **kw)
        return time.perf_counter() - t0


def _job(tracking: str):
    import dataclasses

    from iadsim.catalog import load_catalog
    from iadsim.montecarlo.replicate import PointJob
    from iadsim.scenario import load_scenario

    loaded = load_scenario(DEMO, load_catalog())
    sc = loaded.scenario
    sc = sc.model_copy(update={"engagement": sc.engagement.model_copy(update={"tracking": tracking})})
    loaded = dataclasses.replace(loaded, scenario=sc)
    return PointJob(key=f"bench-{tracking}", index=0, values={}, loaded=loaded, run_seed=int(sc.run.seed))


def _tracker_replication() -> float:
    from iadsim.montecarlo.replicate import replication

    job = _job("tracker")
    replication(job, 0)  # the point's world and routes, once per worker
    t0 = time.perf_counter()
    replication(job, 1)
    return time.perf_counter() - t0


def _in_process(tracking: str, reps: int) -> tuple[float, float, float]:
    """(wall s of the point's preparation, CPU s per replication, wall s per replication) in this
    process, replications 0 … reps − 1 after the preparation."""
    from iadsim.montecarlo import replicate
    from iadsim.montecarlo.replicate import point_setup, replication

    replicate._CACHE.clear()  # prepare the point here, not reuse an earlier preparation
    job = _job(tracking)
    t0 = time.perf_counter()
    point_setup(job)
    prep = time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    for r in range(reps):
        replication(job, r)
    return prep, (time.process_time() - c0) / reps, (time.perf_counter() - t0) / reps


def main() -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=2000,
                    help="perfect-perception replications for the 1 → 2 worker and Dask comparisons")
    ap.add_argument("--big", type=int, default=10_000,
                    help="perfect-perception replications timed on 2 local workers (0: skip)")
    ap.add_argument("--write", action="store_true", help="append to benchmarks/RESULTS.md")
    a = ap.parse_args()
    n = a.replications
    load = os.getloadavg()
    load_line = (f"load average at start (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                 f"({os.cpu_count()} cores)")
    print(load_line, flush=True)
    perfect = dict(vary=["engagement.tracking=perfect"], replications=n)
    t1 = _sweep(workers=1, **perfect)
    t2 = _sweep(workers=2, **perfect)
    td = _sweep(dask_local=2, **perfect)
    tt = _tracker_replication()
    prep, cpu_p, wall_p = _in_process("perfect", 200)
    prep_t, cpu_t, _ = _in_process("tracker", 3)
    lines = [
        load_line,
        f"demo raid, perfect perception, {n} replications, 1 local worker: {n / t1:.2f} replications/s ({t1:.1f} s)",
        f"demo raid, perfect perception, {n} replications, 2 local workers: {n / t2:.2f} replications/s ({t2:.1f} s)",
        f"speed-up 1 -> 2 local workers: {t1 / t2:.2f}x ({n} replications)",
        f"Dask local cluster (2 workers) / default executor (2 workers), time ratio: {td / t2:.2f}",
        f"one tracker-perception replication of the demo raid (point prepared): {tt:.2f} s",
        f"per-point preparation (compile, routes, radar views, fire control on the truth), perfect: {prep:.2f} s; "
        f"tracker (compile, routes): {prep_t:.2f} s",
        f"CPU per replication, perfect perception (replications 0-199 after the preparation): {cpu_p * 1e3:.1f} ms "
        f"({wall_p * 1e3:.1f} ms wall)",
        f"CPU per replication, tracker perception (replications 0-2): {cpu_t:.2f} s",
    ]
    if a.big > 0:
        tb = _sweep(workers=2, vary=["engagement.tracking=perfect"], replications=a.big)
        lines.append(f"demo raid, perfect perception, {a.big} replications, 2 local workers: {tb:.1f} s "
                     f"({a.big / tb:.1f} replications/s)")
    for line in lines[1:]:
        print(line)
    if a.write:
        head = (f"\n## Monte Carlo\n\nCommand: `python benchmarks/montecarlo.py --replications {n} --big {a.big}` "
                f"(date {_dt.date.today()}; {platform.machine()}, {os.cpu_count()} cores, shared machine).\n\n")
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as fh:
            fh.write(head + "\n".join(lines) + "\n")
    return lines


if __name__ == "__main__":
    main()
