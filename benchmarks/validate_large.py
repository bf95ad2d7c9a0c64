"""How long `iadsim validate` takes on a generated 10 MB scenario (issue 10: under 10 s).

Run: ``python benchmarks/validate_large.py [--mb 10] [--repeat 3]``. The scenario is the demo's
site with 100 threats whose routes have about 1,500 waypoints each (a long, legal file); the time
is that of :func:`iadsim.scenario.load_scenario` (read, parse with locations, validate against
the catalog, cross-field checks) and of the whole ``iadsim validate`` command in-process.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# benchmarks/ first on sys.path would let benchmarks/coverage.py shadow the coverage package numba probes
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _Path(__file__).resolve().parent]

import argparse
import math
import tempfile
import time
from pathlib import Path


def make_scenario(mb: float) -> str:
    head = (
        "scenario: 1\nname: large\nrun: {seed: 1, time_step_s: 1.0, duration_s: 3600}\n"
        "sites:\n  - name: A\n    lat_deg: 40.0786\n    lon_deg: 32.5656\n"
        "    radars:\n      - {equipment: 92N6E, mast_m: 25}\n"
        "    launchers:\n      - {equipment: 5P85SE2, count: 8, load: {48N6E3: 4}}\n"
        "threats:\n"
    )
    parts = [head]
    size = len(head)
    i = 0
    target = int(mb * 1024 * 1024)
    while size < target:
        lines = [f"  - name: T{i}\n    class: cruise_missile\n    route:\n"]
        for k in range(1500):
            lat = 41.5 - 1.4 * k / 1500 + 0.001 * math.sin(k + i)
            lon = 32.0 + 0.01 * (i % 50) + 0.0005 * math.cos(k)
            lines.append(f"      - {{lat_deg: {lat:.5f}, lon_deg: {lon:.5f}, alt_m: 40, alt_ref: agl, speed_mps: 240}}\n")
        chunk = "".join(lines)
        parts.append(chunk)
        size += len(chunk)
        i += 1
    return "".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from iadsim.catalog import load_catalog
    from iadsim.cli.main import main as cli_main
    from iadsim.scenario import load_scenario

    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.yaml"
        path.write_text(make_scenario(args.mb), encoding="utf-8")
        print(f"scenario: {path.stat().st_size / 1e6:.1f} MB")
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            loaded = load_scenario(path, catalog)
            t1, c1 = time.perf_counter(), time.process_time()
            code = cli_main(["validate", str(path)])
            t2, c2 = time.perf_counter(), time.process_time()
            n = sum(len(t.route) for t in loaded.scenario.threats)
            print(f"load_scenario {t1 - t0:.2f} s wall / {c1 - c0:.2f} s CPU ({n:,} waypoints); "
                  f"iadsim validate {t2 - t1:.2f} s wall / {c2 - c1:.2f} s CPU (exit {code})")


if __name__ == "__main__":
    main()
