#!/usr/bin/env python3
"""Terrain masking speed: iadsim's lowest-visible-height map vs ``gdal_viewshed -om GROUND``.

On a generated 3601 x 3601 DEM (fractal hills, 30 m cells, UTM 36N around Mürted; with
``--geographic`` also the same heights as an EPSG:4326 1" grid like an SRTM tile), for
one radar site and for a battalion of four, in one run:

* GDAL: ``gdal_viewshed -om GROUND -cc 0.75 -oz H -ox X -oy Y dem.tif out.tif`` as a
  subprocess (the whole run: start, read, sweep, write the Float64 result);
* iadsim: :func:`iadsim.sensors.terrain.lowest_visible_height` on the DEM in memory
  (warm: the numba JIT is cached on disk and loaded once before timing), and the same
  plus :func:`iadsim.geo.dem.load_dem` of the GeoTIFF, for an input-to-result figure.

The one-off JIT compile (fresh cache, measured in a subprocess) and the cache load are
reported separately. Ratios are iadsim time / GDAL time (median of ``--repeat`` runs);
below 1.0 iadsim is faster. ``--write`` puts the figures in benchmarks/RESULTS.md under
"## Terrain masking".

    python benchmarks/viewshed.py [--repeat 5] [--geographic] [--write]
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from iadsim.geo.dem import load_dem, synthetic_dem, write_geotiff
from iadsim.sensors.terrain import lowest_visible_height

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SIZE = 3601
SPACING_M = 30.0
SEED = 2019
# Battalion: four sites (row, col, mast height AGL m); the first is the single-site case.
SITES = [(1800, 1800, 10.0), (1150, 2420, 15.0), (2530, 1090, 12.0), (900, 880, 20.0)]
HEADING = "## Terrain masking"

COMPILE_SNIPPET = """
import time, math
t = time.perf_counter()
from iadsim.geo.dem import synthetic_dem
from iadsim.sensors.terrain import lowest_visible_height
d = synthetic_dem((64, 64), 30.0, flat=True)
la, lo = d.xy_to_latlon(*d.xy(32, 32))
lowest_visible_height(d, float(la), float(lo), 10.0)
print(time.perf_counter() - t)
"""


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def gdal_run(exe: str, tif: Path, out: Path, x: float, y: float, h: float) -> None:
    subprocess.run(
        [exe, "-q", "-om", "GROUND", "-cc", "0.75", "-oz", repr(h), "-ox", repr(x), "-oy", repr(y),
         str(tif), str(out)],
        check=True, capture_output=True,
    )


def compile_seconds() -> float:
    """Numba compile from an empty cache, in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        res = subprocess.run([sys.executable, "-c", COMPILE_SNIPPET], env=env, check=True,
                             capture_output=True, text=True)
    return float(res.stdout.strip().splitlines()[-1])


def bench_grid(
    label: str, geographic: bool, exe: str, repeat: int, tmp: Path
) -> list[tuple[str, str]]:
    t = time.perf_counter()
    dem = synthetic_dem((SIZE, SIZE), SPACING_M, rng=np.random.default_rng(SEED),
                        geographic=geographic, spacing_deg=1 / 3600 if geographic else None)
    t_gen = time.perf_counter() - t
    tif = write_geotiff(dem, tmp / f"dem-{label}.tif", compress=None)
    out = tmp / f"gdal-{label}.tif"
    sites = []
    for r, c, h in SITES:
        x, y = dem.xy(r, c)
        lat, lon = dem.xy_to_latlon(x, y)
        sites.append((float(x), float(y), float(lat), float(lon), h))
    print(f"[{label}] {SIZE}x{SIZE} DEM generated in {t_gen:.1f} s -> {tif.name}", file=sys.stderr)

    # Warm-up (GDAL file cache, iadsim JIT cache load), then timed runs.
    x, y, lat, lon, h = sites[0]
    gdal_run(exe, tif, out, x, y, h)
    t = time.perf_counter()
    lowest_visible_height(dem, lat, lon, h)
    t_first = time.perf_counter() - t

    g1 = median_time(lambda: gdal_run(exe, tif, out, x, y, h), repeat)
    i1 = median_time(lambda: lowest_visible_height(dem, lat, lon, h), repeat)
    l1 = median_time(lambda: lowest_visible_height(load_dem(tif), lat, lon, h), repeat)

    def gdal4():
        for sx, sy, _, _, sh in sites:
            gdal_run(exe, tif, out, sx, sy, sh)

    def ours4():
        for _, _, sla, slo, sh in sites:
            lowest_visible_height(dem, sla, slo, sh)

    def ours4_load():
        d = load_dem(tif)
        for _, _, sla, slo, sh in sites:
            lowest_visible_height(d, sla, slo, sh)

    g4 = median_time(gdal4, repeat)
    i4 = median_time(ours4, repeat)
    l4 = median_time(ours4_load, repeat)
    crs = "EPSG:4326 1\" cells" if geographic else "UTM 36N 30 m cells"
    p = f"{SIZE}², {crs}"
    return [
        (f"gdal_viewshed -om GROUND -cc 0.75, 1 site ({p}), s", f"{g1:.3f}"),
        (f"iadsim lowest_visible_height warm, 1 site ({p}), s", f"{i1:.3f}"),
        (f"iadsim load_dem + lowest_visible_height, 1 site ({p}), s", f"{l1:.3f}"),
        (f"viewshed ratio vs gdal_viewshed -om GROUND ({p}, 1 site)", f"{i1 / g1:.2f}"),
        (f"viewshed ratio incl. load_dem vs gdal_viewshed ({p}, 1 site)", f"{l1 / g1:.2f}"),
        (f"gdal_viewshed x4, battalion of 4 sites ({p}), s", f"{g4:.3f}"),
        (f"iadsim x4 warm, battalion of 4 sites ({p}), s", f"{i4:.3f}"),
        (f"iadsim load_dem once + x4, battalion of 4 sites ({p}), s", f"{l4:.3f}"),
        (f"viewshed ratio vs gdal_viewshed ({p}, battalion of 4 sites)", f"{i4 / g4:.2f}"),
        (f"viewshed ratio incl. load_dem vs gdal_viewshed ({p}, battalion of 4 sites)",
         f"{l4 / g4:.2f}"),
        (f"iadsim first call in process (JIT cache load + run), 1 site ({p}), s", f"{t_first:.3f}"),
    ]


def write_results(lines: list[tuple[str, str]], command: str) -> None:
    today = _dt.date.today().isoformat()
    body = [
        HEADING,
        "",
        f"Command: `{command}`  ",
        f"Date: {today}; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {_gdal_version()}. Medians; ratio = iadsim time / GDAL time (below 1.0: iadsim faster).",
        "",
        "```",
        *[f"{k}: {v}" for k, v in lines],
        "```",
        "",
    ]
    section = "\n".join(body)
    if RESULTS.exists():
        text = RESULTS.read_text()
    else:
        text = (
            "# Benchmark results\n\n"
            "Figures measured by the scripts in `benchmarks/` against a real peer in the same\n"
            "run, one `name: value` per line, with the command and date. Each section belongs\n"
            "to one script.\n\n"
        )
    start = text.find(HEADING)
    if start >= 0:
        nxt = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + (text[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def _gdal_version() -> str:
    try:
        out = subprocess.run(["gdalinfo", "--version"], capture_output=True, text=True, check=True)
        return out.stdout.strip().split(",")[0]
    except (OSError, subprocess.CalledProcessError):
        return "GDAL ?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--geographic", action="store_true", help="also time the EPSG:4326 grid")
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    exe = shutil.which("gdal_viewshed")
    if exe is None:
        print("gdal_viewshed not on PATH (apt-get install gdal-bin)", file=sys.stderr)
        return 2
    lines: list[tuple[str, str]] = []
    lines.append(
        ("iadsim numba compile, empty cache (one-off per machine), s", f"{compile_seconds():.2f}")
    )
    with tempfile.TemporaryDirectory() as tmp:
        lines += bench_grid("utm", False, exe, args.repeat, Path(tmp))
        if args.geographic:
            lines += bench_grid("4326", True, exe, args.repeat, Path(tmp))
    for k, v in lines:
        print(f"{k}: {v}")
    if args.write:
        cmd = "python benchmarks/viewshed.py " + " ".join(a for a in (argv or sys.argv[1:]))
        write_results(lines, cmd.strip())
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
