"""Time the demo's coverage: 3 threat classes × 5 altitude layers, terrain, 3 radars.

Usage: python benchmarks/coverage_demo.py [--repeat N] [--write]

Prints the wall time of `run_coverage` on examples/turkey-2019/scenario.yaml (world compile,
terrain passes, Pd layers, GeoTIFF/GeoJSON/tables, and with --figures the PNGs and report),
in a fresh process per repeat so nothing is cached in memory (numba's on-disk cache is warm
after the first run, as it is for a user). Target: under 60 s on 2 cores.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# benchmarks/ first on sys.path would let benchmarks/coverage.py shadow the coverage package numba probes
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _Path(__file__).resolve().parent]

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from iadsim.api import run_coverage
t1 = time.perf_counter()
run = run_coverage(sys.argv[1], sys.argv[2], figures=sys.argv[3] == "1")
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "coverage_s": run.result.seconds,
                  "layers": len(run.result.sites[0].classes) * len(run.result.sites[0].altitudes_m),
                  "cells": int(run.result.sites[0].valid.size)}))
"""


def once(figures: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", CHILD, str(SCENARIO), tmp, "1" if figures else "0"],
                             capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="append the result to benchmarks/RESULTS.md")
    args = ap.parse_args()
    once(False)  # warm numba's on-disk cache
    rows = {}
    for figures in (False, True):
        runs = [once(figures) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["run_s"])
        rows[figures] = best
        label = "with figures and report" if figures else "data products only"
        print(f"demo coverage ({best['layers']} class×altitude layers, {best['cells']} cells, {label}): "
              f"{best['run_s']:.1f} s (coverage kernel {best['coverage_s']:.1f} s, import {best['import_s']:.1f} s)")
    if args.write:
        today = dt.date.today().isoformat()
        lines = [
            "", "## Coverage", "",
            f"Command: `python benchmarks/coverage_demo.py --repeat {args.repeat} --write` ({today}, 2 cores, "
            "fresh process per run, numba cache warm; best of the repeats).", "",
            f"demo coverage, 3 classes x 5 altitudes, products + maps + report: {rows[True]['run_s']:.1f} s (target < 60 s)",
            f"demo coverage, 3 classes x 5 altitudes, data products only: {rows[False]['run_s']:.1f} s",
            f"demo coverage kernel alone (terrain passes + Pd layers): {rows[False]['coverage_s']:.1f} s",
        ]
        with (ROOT / "benchmarks" / "RESULTS.md").open("a") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
