#!/usr/bin/env python3
"""Battle kernel speed: one replication of a 100-threat raid, 600 simulated seconds at 1 s steps.

Smooth earth (no DEM), three S-400-type fire units 60 km apart (92N6E + 91N6E, 8 × 5P85SE2 with
four 48N6E3 each, linked to one another), 100 threats in five groups from five bearings (4th-gen
and low-observable fighters high, cruise missiles at 40 m AGL) against two defended assets;
perfect tracking, shoot-look-shoot, optimal assignment. One core: run with
``NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1`` (set below before numpy is imported).

Reported separately: world compile, the one-off setup (routes sampled, each radar's terrain pass
and Pd of every threat sample, perception and leak arrays), and the time loop itself (median of
``--repeat`` runs; the target is < 1 s). ``--write`` appends the figures to benchmarks/RESULTS.md
under "## Engagement".

    NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/battle.py [--repeat 5] [--write]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# benchmarks/ first on sys.path would let benchmarks/coverage.py shadow the coverage package numba probes
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _Path(__file__).resolve().parent]

import os

for _v in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import datetime as _dt  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from iadsim.catalog import load_catalog  # noqa: E402
from iadsim.scenario import parse_scenario  # noqa: E402
from iadsim.sim.battle import simulate  # noqa: E402
from iadsim.sim.battle_setup import prepare_battle  # noqa: E402
from iadsim.world import compile_world  # noqa: E402

LAT, LON = 40.0, 32.6


def scenario_text() -> str:
    sites = []
    names = ["North", "West", "South"]
    offs = [(0.25, 0.0), (-0.1, -0.45), (-0.35, 0.2)]
    for i, (name, (dla, dlo)) in enumerate(zip(names, offs)):
        links = [n for n in names if n != name]
        sites.append(f"""  - name: {name}
    lat_deg: {LAT + dla:.4f}
    lon_deg: {LON + dlo:.4f}
    links: [{', '.join(links)}]
    radars: [{{equipment: 92N6E, mast_m: 25, revisit_s: 1.0}}, {{equipment: 91N6E, mast_m: 10}}]
    launchers: [{{equipment: 5P85SE2, count: 8, load: {{48N6E3: 4}}}}]""")
    groups = []
    specs = [("fighter_4gen", 9000, "msl", 250, 0.0, 25), ("lo_fighter", 10000, "msl", 260, 70.0, 15),
             ("cruise_missile", 40, "agl", 240, 150.0, 25), ("fighter_4gen", 7000, "msl", 250, 220.0, 20),
             ("cruise_missile", 40, "agl", 240, 290.0, 15)]
    for gi, (cls, alt, ref, v, brg, count) in enumerate(specs):
        b = np.radians(brg)
        r0, r1 = 1.2, 0.5  # degrees from the city: about 135 km and 55 km
        la0, lo0 = LAT + r0 * np.cos(b), LON + r0 * np.sin(b) / np.cos(np.radians(LAT))
        la1, lo1 = LAT + r1 * np.cos(b), LON + r1 * np.sin(b) / np.cos(np.radians(LAT))
        groups.append(f"""  - name: G{gi}
    class: {cls}
    count: {count}
    spacing_s: 4
    route:
      - {{lat_deg: {la0:.4f}, lon_deg: {lo0:.4f}, alt_m: {alt}, alt_ref: {ref}, speed_mps: {v}}}
      - {{lat_deg: {la1:.4f}, lon_deg: {lo1:.4f}, alt_m: {alt}, alt_ref: {ref}, speed_mps: {v}}}
      - {{lat_deg: {LAT:.4f}, lon_deg: {LON:.4f}, alt_m: {alt}, alt_ref: {ref}, speed_mps: {v}}}""")
    return f"""name: battle benchmark
run: {{seed: 1, time_step_s: 1.0, duration_s: 599}}
sites:
{chr(10).join(sites)}
defended_assets:
  - {{name: City, lat_deg: {LAT}, lon_deg: {LON}, value: 10}}
  - {{name: Base, lat_deg: {LAT + 0.25}, lon_deg: {LON}, value: 5}}
threats:
{chr(10).join(groups)}
coverage: {{max_range_km: 300, cell_m: 1000}}
engagement: {{doctrine: shoot-look-shoot, salvo_size: 2, assignment: optimal, tracking: perfect}}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    catalog = load_catalog()
    loaded = parse_scenario(scenario_text(), "battle-benchmark.yaml", catalog=catalog)
    t0 = time.perf_counter()
    world = compile_world(loaded, catalog)
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    for r in world.radars:
        world.radar_terrain(r)
    t_terrain = time.perf_counter() - t0
    t0 = time.perf_counter()
    setup = prepare_battle(world)
    t_setup = time.perf_counter() - t0
    simulate(setup)  # warm caches (imports, first calls)
    loops, results = [], []
    for _ in range(args.repeat):
        res = simulate(setup)
        loops.append(res.seconds)
        results.append(res)
    same = all(np.array_equal(results[0].events["t_s"], r.events["t_s"]) for r in results)
    # Stress: 50 times the rounds on every launcher, so a decision cycle runs at nearly every step.
    deep = dataclasses.replace(setup, ready0=setup.ready0 * 50)
    deep_loops, deep_res = [], None
    for _ in range(args.repeat):
        deep_res = simulate(deep)
        deep_loops.append(deep_res.seconds)
    res = results[0]
    n, k = setup.n_threats, setup.n_steps
    lines = [
        f"battle world compile (smooth earth, 3 sites, 6 radars), s: {t_compile:.3f}",
        f"battle terrain pass (6 radars, lowest visible height, 1 km cells), s: {t_terrain:.3f}",
        f"battle setup ({n} threats x {k} steps: routes, Pd per radar, perception, leaks), s: {t_setup:.3f}",
        f"battle time loop, {n} threats x {k} steps at 1 s, perfect tracking, 1 core (median of {args.repeat}), s: "
        f"{statistics.median(loops):.3f}",
        f"battle time loop per step, ms: {1e3 * statistics.median(loops) / k:.2f}",
        f"battle decision cycles / shots / killed / leaked / survived: {res.cycles} / {res.shots['threat'].size} / "
        f"{res.count('killed')} / {res.count('leaked')} / {res.count('survived')}",
        f"battle time loop, same raid with 50x the rounds (a decision cycle at nearly every step), s: "
        f"{statistics.median(deep_loops):.3f}",
        f"battle (50x rounds) decision cycles / shots / killed / leaked / survived: {deep_res.cycles} / "
        f"{deep_res.shots['threat'].size} / {deep_res.count('killed')} / {deep_res.count('leaked')} / "
        f"{deep_res.count('survived')}",
    ]
    for ln in lines:
        print(ln)
    print(f"(identical events over repeats: {same})")
    if args.write:
        path = Path(__file__).resolve().parent / "RESULTS.md"
        text = path.read_text()
        head = ("\n## Engagement\n\n"
                "Command: `NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/battle.py --repeat "
                f"{args.repeat} --write`  \nDate: {_dt.date.today().isoformat()}; {platform.machine()}, "
                f"Python {platform.python_version()}, one core. One replication; the loop excludes compile, "
                "terrain and setup, reported on their own lines.\n\n```\n")
        if "## Engagement" in text:
            text = text[: text.index("\n## Engagement")].rstrip("\n") + "\n"
        path.write_text(text.rstrip("\n") + "\n" + head + "\n".join(lines) + "\n```\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
