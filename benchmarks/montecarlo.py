#!/usr/bin/env python3
"""Monte Carlo speed on the demo raid (examples/turkey-2019): replications per second with perfect
perception on 1 and 2 local worker processes (speed-up), through a local Dask cluster of 2 workers
against the default executor, and the time of one tracker-perception replication.

Times are wall-clock for a whole sweep, including worker start-up and the once-per-point preparation
(compile, routes, radar views, fire control on the truth) in each worker.

    python benchmarks/montecarlo.py [--replications 40] [--write]
"""

from __future__ import annotations

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


def _tracker_replication() -> float:
    from iadsim.catalog import load_catalog
    from iadsim.montecarlo.replicate import PointJob, replication
    from iadsim.scenario import load_scenario

    loaded = load_scenario(DEMO, load_catalog())
    job = PointJob(key="bench", index=0, values={}, loaded=loaded, run_seed=int(loaded.scenario.run.seed))
    replication(job, 0)  # the point's world and routes, once per worker
    t0 = time.perf_counter()
    replication(job, 1)
    return time.perf_counter() - t0


def main() -> list[str]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=40)
    ap.add_argument("--write", action="store_true", help="append to benchmarks/RESULTS.md")
    a = ap.parse_args()
    n = a.replications
    perfect = dict(vary=["engagement.tracking=perfect"], replications=n)
    t1 = _sweep(workers=1, **perfect)
    t2 = _sweep(workers=2, **perfect)
    td = _sweep(dask_local=2, **perfect)
    tt = _tracker_replication()
    lines = [
        f"demo raid, perfect perception, {n} replications, 1 local worker: {n / t1:.2f} replications/s ({t1:.1f} s)",
        f"demo raid, perfect perception, {n} replications, 2 local workers: {n / t2:.2f} replications/s ({t2:.1f} s)",
        f"speed-up 1 -> 2 local workers: {t1 / t2:.2f}x",
        f"Dask local cluster (2 workers) / default executor (2 workers), time ratio: {td / t2:.2f}",
        f"one tracker-perception replication of the demo raid (point prepared): {tt:.2f} s",
    ]
    for line in lines:
        print(line)
    if a.write:
        head = (f"\n## Monte Carlo\n\nCommand: `python benchmarks/montecarlo.py --replications {n}` "
                f"(date {_dt.date.today()}; {platform.machine()}, {os.cpu_count()} cores, shared machine).\n\n")
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as fh:
            fh.write(head + "\n".join(lines) + "\n")
    return lines


if __name__ == "__main__":
    main()
