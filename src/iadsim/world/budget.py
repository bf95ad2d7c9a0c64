"""What a run will cost, estimated from the scenario before anything is computed.

Every numeric field that sizes work has a bound; each bound alone is generous, their products are
bounded here:

============================================  ===========================================
field                                         bound
============================================  ===========================================
``threats[].count``                           1 … 1,000 (model); total threat-steps below
``threats[]`` entries, ``route`` waypoints     YAML limits (``iadsim.io.YamlLimits``)
``threats[].start_s``, ``spacing_s``          ≥ 0 / ≤ 3,600 s; with ``run.duration_s`` the
                                              start must be before the end (model), without
                                              it the run's length is bounded below
``route[].speed_mps``                         > 0 … 10,000 (model); run length bounded below
``run.time_step_s`` / ``run.duration_s``      (0, 60] s / (0, 86,400] s (model)
``coverage.altitudes_m``                      1 … 64 layers (model); cells × layers below
``coverage.cell_m`` / ``max_range_km``        10 … 20,000 m / ≤ 3,000 km (model); cells below
``environment.dem``                           ≤ ``IADSIM_MAX_DEM_CELLS`` (400 M) cells
``environment.clutter.false_alarms_per_scan`` ≤ 1e5 (model); plots per scan below
============================================  ===========================================

:func:`estimate` turns a validated scenario into the sizes that matter:

* **coverage**: grid cells per site (the coverage radius over the cell size, or the DEM's cells
  in that window) × altitude layers × threat classes × radars;
* **battle/tracking**: threats × time steps, the steps running to ``run.duration_s`` or, without
  it, to the last threat's arrival (start + group spacing + route length / speed);
* **tracking**: plots per radar scan (threats + false alarms, over all radars).

Each size becomes memory (bytes) and time (seconds) with the per-item costs below, measured on
the demo (``benchmarks/coverage_demo.py``, ``benchmarks/battle.py``, ``iadsim track``) and
rounded up. :func:`check_budget` compares them with the available memory and a time budget:
above a *hard* limit it raises :class:`~iadsim.errors.ResourceError` (located at the field that
drives the size) unless ``force``; above a *soft* limit it returns a warning.

Limits (environment variables override): hard memory = 80 % of available memory, soft = 40 %;
hard time ``IADSIM_TIME_BUDGET_S`` (default 3,600 s), soft = a twelfth of it (300 s); plots per
scan hard 100,000, soft 10,000; threat-steps hard 5e8, soft 2e7.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from iadsim.catalog import Catalog
from iadsim.errors import ResourceError, TerrainError
from iadsim.geo.dem import dem_grid_info
from iadsim.io import format_path
from iadsim.scenario import LoadedScenario
from iadsim.scenario.models import route_length_m

#: Coverage bytes per cell per (altitude × class) per radar: float32 Pd kept per radar, plus
#: the site's bool/float32 products.
COVERAGE_BYTES_PER_CELL_LAYER_RADAR = 16
COVERAGE_BYTES_PER_CELL_LAYER = 40
#: Per-cell working arrays of one layer (float64 geometry, SNR, Pd) and one radar's terrain pass.
COVERAGE_BYTES_PER_CELL_WORK = 96
#: Tiled coverage (``run_coverage(..., tile_size=N)``, :mod:`iadsim.coverage.tiles`): bytes per tile
#: cell and (class × altitude) layer and radar of the largest site (float64 SNR per layer, float32
#: Pd, bool masks), and per tile cell and layer of the tile's union products (float32 best Pd,
#: uint16 sites covering × 3 products); bytes per site-window cell kept for the whole run (ground
#: range and azimuth, float64) and per radar (its lowest visible height, float64).
TILE_BYTES_PER_CELL_LAYER_RADAR = 24
TILE_BYTES_PER_CELL_LAYER = 10
TILE_SITE_BYTES_PER_CELL = 16
TILE_SITE_BYTES_PER_CELL_RADAR = 8
#: Seconds per cell × altitude × class × radar (demo: 6.2 s for its data products, rounded up).
COVERAGE_S_PER_CELL_LAYER_RADAR = 4e-7
#: Battle and tracking: seconds and bytes per threat per time step (positions, velocities, per-radar
#: sensing; demo ``iadsim track`` 3.6 s for 46 threats × 1,800 steps, rounded up).
S_PER_THREAT_STEP = 5e-5
BYTES_PER_THREAT_STEP_RADAR = 48
BYTES_PER_THREAT_STEP = 64
#: Tracker memory per plot in one scan (issue 10 measured 8.75 GiB for 1e5 plots).
BYTES_PER_PLOT = 96 * 1024

HARD_PLOTS_PER_SCAN = 100_000
SOFT_PLOTS_PER_SCAN = 10_000
HARD_THREAT_STEPS = 5e8
SOFT_THREAT_STEPS = 2e7
DEFAULT_TIME_BUDGET_S = 3600.0

JOBS = ("coverage", "tracking", "battle")


@dataclass
class Item:
    """One sized piece of work: what it is, its size, memory and time, and the scenario field
    that drives it (for the error's location)."""

    job: str
    what: str
    size: float
    memory_bytes: float
    seconds: float
    path: tuple[Any, ...]


@dataclass
class Estimate:
    """The sized work of a scenario and the limits it was compared with."""

    items: list[Item] = field(default_factory=list)
    plots_per_scan: float = 0.0
    threat_steps: float = 0.0
    available_bytes: float = 0.0
    time_budget_s: float = DEFAULT_TIME_BUDGET_S

    def memory_bytes(self, jobs: tuple[str, ...] = JOBS) -> float:
        return max((i.memory_bytes for i in self.items if i.job in jobs), default=0.0)

    def seconds(self, jobs: tuple[str, ...] = JOBS) -> float:
        return sum(i.seconds for i in self.items if i.job in jobs)

    def summary(self, jobs: tuple[str, ...] = JOBS) -> str:
        parts = [f"{i.what} (≈ {_gib(i.memory_bytes)}, ≈ {_dur(i.seconds)})" for i in self.items if i.job in jobs]
        return "; ".join(dict.fromkeys(parts))


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def _dur(s: float) -> str:
    if not math.isfinite(s):
        return "forever"
    if s >= 86_400:
        return f"{s / 86_400:.3g} days"
    if s >= 3600:
        return f"{s / 3600:.2g} h"
    return f"{s:.2g} s" if s < 60 else f"{s / 60:.2g} min"


def available_memory_bytes() -> float:
    """Memory the OS can give this process now (psutil's ``available``)."""
    try:
        import psutil

        return float(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 (psutil missing or no /proc: assume a small machine)
        return 4.0 * 2**30


def time_budget_s() -> float:
    raw = os.environ.get("IADSIM_TIME_BUDGET_S", "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_TIME_BUDGET_S
    except ValueError:
        raise ResourceError(f"IADSIM_TIME_BUDGET_S={raw[:40]!r} is not a number of seconds") from None
    return value if value > 0 and math.isfinite(value) else DEFAULT_TIME_BUDGET_S


# ------------------------------------------------------------------------------ estimates
def _reach_m(loaded: LoadedScenario, catalog: Catalog) -> float:
    sc = loaded.scenario
    reach = 0.0
    for s in sc.sites:
        for rp in s.radars:
            reach = max(reach, float(catalog.radar(rp.equipment).instrumented_range_km.nominal) * 1e3)
        for lp in s.launchers:
            load = lp.load or catalog.launcher(lp.equipment).default_load()
            for m in load:
                reach = max(reach, float(catalog.missile(m).range_max_km.nominal) * 1e3)
    limit = sc.coverage.max_range_km
    return min(reach, limit * 1e3) if limit else reach


def _coverage_item(loaded: LoadedScenario, catalog: Catalog, tile_size: int | None = None) -> Item:
    sc = loaded.scenario
    reach = _reach_m(loaded, catalog)
    n_alt = len(sc.coverage.altitudes_m)
    n_cls = max(len(sc.threat_classes_for_coverage()), 1)
    if loaded.dem_path is not None:
        try:
            rows, cols, cell = dem_grid_info(loaded.dem_path)
        except TerrainError as exc:  # locate it at the scenario's line, as load_scenario_dem does
            line, col = loaded.located.where(("environment", "dem"))
            raise TerrainError(f"DEM {loaded.dem_path}: {exc.message}", file=loaded.source, line=line,
                               column=col, field="environment.dem") from None
        side = 2.0 * reach * 1.01 / max(cell, 1e-3) + 3
        cells_per_site = min(float(rows) * cols, side * side)
        path: tuple[Any, ...] = ("environment", "dem")
        what = f"coverage on ≈ {cells_per_site:,.0f} DEM cells per site"
        grid_bytes = 4.0 * rows * cols
    else:
        cell = float(sc.coverage.cell_m)
        side = 2.0 * reach * 1.01 / cell + 3
        cells_per_site = side * side
        path = ("coverage", "cell_m")
        what = f"coverage on ≈ {cells_per_site:,.0f} cells of {cell:g} m per site"
        grid_bytes = 4.0 * (2.0 * reach * 1.02 / cell + 1) ** 2
    radars = [len(s.radars) for s in sc.sites]
    layers = n_alt * n_cls
    seconds = sum(cells_per_site * layers * max(n_r, 1) * COVERAGE_S_PER_CELL_LAYER_RADAR for n_r in radars)
    if n_alt >= 16:  # the layers, not the grid, dominate: point at them
        path = ("coverage", "altitudes_m")
    what += f" × {n_alt} altitudes × {n_cls} classes"
    if tile_size is not None:
        grid_cells = grid_bytes / 4.0
        memory = _tiled_memory_bytes(tile_size, grid_cells, cells_per_site, radars, layers) + grid_bytes
        return Item("coverage", what + f", in tiles of {tile_size:,}² cells", cells_per_site * layers, memory,
                    seconds, path)
    memory = grid_bytes
    for n_r in radars:
        memory += cells_per_site * (layers * (COVERAGE_BYTES_PER_CELL_LAYER_RADAR * n_r + COVERAGE_BYTES_PER_CELL_LAYER)
                                    + COVERAGE_BYTES_PER_CELL_WORK * max(n_r, 1))
    return Item("coverage", what, cells_per_site * layers, memory, seconds, path)


def _tiled_memory_bytes(tile_size: int, grid_cells: float, cells_per_site: float, radars: list[int],
                        layers: int) -> float:
    """Working memory of a tiled run: every site's window rasters (kept throughout) and the working
    set of one tile (clipped to the grid), not the classes × altitudes cube of every cell."""
    tile_cells = min(float(tile_size) ** 2, grid_cells)
    sites = sum(cells_per_site * (TILE_SITE_BYTES_PER_CELL + TILE_SITE_BYTES_PER_CELL_RADAR * n_r) for n_r in radars)
    n_r_max = max(radars, default=1)
    tile = tile_cells * layers * (TILE_BYTES_PER_CELL_LAYER_RADAR * max(n_r_max, 1) + TILE_BYTES_PER_CELL_LAYER)
    return grid_cells * 4.0 + sites + tile


def _end_time_s(loaded: LoadedScenario) -> tuple[float, tuple[Any, ...]]:
    """When the battle ends and the field that decides it."""
    sc = loaded.scenario
    if sc.run.duration_s is not None:
        return float(sc.run.duration_s), ("run", "duration_s")
    end, path = 0.0, ("run",)
    for i, t in enumerate(sc.threats):
        fly = 0.0
        for a, b in zip(t.route, t.route[1:]):
            fly += route_length_m([a, b]) / b.speed_mps
        t_end = t.start_s + (t.count - 1) * t.spacing_s + fly
        if t_end > end:
            end = t_end
            slow = min(range(1, len(t.route)), key=lambda j: t.route[j].speed_mps)
            path = ("threats", i, "start_s") if t.start_s >= fly else ("threats", i, "route", slow, "speed_mps")
    return end, path


def _battle_items(loaded: LoadedScenario, catalog: Catalog, est: Estimate) -> list[Item]:
    sc = loaded.scenario
    n_threats = sum(t.count for t in sc.threats)
    n_radars = sum(len(s.radars) for s in sc.sites)
    end_s, end_path = _end_time_s(loaded)
    steps = math.ceil(end_s / sc.run.time_step_s) + 1 if n_threats else 0
    est.threat_steps = float(n_threats) * steps
    mem = est.threat_steps * (BYTES_PER_THREAT_STEP + BYTES_PER_THREAT_STEP_RADAR * n_radars)
    secs = est.threat_steps * S_PER_THREAT_STEP
    path = end_path if steps > 10 * max(n_threats, 1) else ("threats",)
    clutter = sc.environment.clutter.false_alarms_per_scan
    est.plots_per_scan = float(n_threats * n_radars + (clutter or 0.0) * n_radars)
    what = f"{n_threats:,} threats × {steps:,} time steps" + (
        "" if sc.run.duration_s is not None else " (no run.duration_s: the run lasts until the last threat arrives)")
    items = [Item("battle", what, est.threat_steps, mem, secs, path),
             Item("tracking", what, est.threat_steps, mem, secs, path)]
    plot_path = ("environment", "clutter", "false_alarms_per_scan") if clutter and clutter * n_radars > n_threats \
        else ("threats",)
    items.append(Item("tracking", f"≈ {est.plots_per_scan:,.0f} plots per scan", est.plots_per_scan,
                      est.plots_per_scan * BYTES_PER_PLOT, 0.0, plot_path))
    return items


def estimate(loaded: LoadedScenario, catalog: Catalog, tile_size: int | None = None) -> Estimate:
    """The sized work of every job of ``loaded`` (no DEM is read beyond its header). With
    ``tile_size`` the coverage is the tiled (out-of-core) network run: its memory is the sites'
    window rasters and one tile's working set (:func:`_tiled_memory_bytes`), not the whole cube."""
    est = Estimate(available_bytes=available_memory_bytes(), time_budget_s=time_budget_s())
    est.items.append(_coverage_item(loaded, catalog, tile_size))
    est.items.extend(_battle_items(loaded, catalog, est))
    return est


# ------------------------------------------------------------------------------ limits
def check_budget(loaded: LoadedScenario, catalog: Catalog, jobs: tuple[str, ...] = JOBS, *,
                 force: bool = False, est: Estimate | None = None, tile_size: int | None = None) -> list[str]:
    """Refuse (``ResourceError``) work above a hard limit unless ``force``; return located
    warnings for work above a soft limit (and, with ``force``, for what was over a hard one).
    ``tile_size``: the coverage runs in tiles of that many cells (:func:`estimate`)."""
    est = est or estimate(loaded, catalog, tile_size)
    problems: list[tuple[bool, Item, str]] = []  # (hard?, item, text)
    mem_hard, mem_soft = 0.8 * est.available_bytes, 0.4 * est.available_bytes
    t_hard, t_soft = est.time_budget_s, est.time_budget_s / 12.0
    for item in est.items:
        if item.job not in jobs:
            continue
        if item.memory_bytes > mem_soft:
            problems.append((item.memory_bytes > mem_hard, item,
                             f"{item.what} needs ≈ {_gib(item.memory_bytes)} of memory; "
                             f"{_gib(est.available_bytes)} is available"))
        if item.seconds > t_soft:
            problems.append((item.seconds > t_hard, item,
                             f"{item.what} would take ≈ {_dur(item.seconds)} (time budget "
                             f"{_dur(est.time_budget_s)}, IADSIM_TIME_BUDGET_S)"))
        if item.job == "tracking" and "plots per scan" in item.what and item.size > SOFT_PLOTS_PER_SCAN:
            problems.append((item.size > HARD_PLOTS_PER_SCAN, item,
                             f"{item.what} (limit {HARD_PLOTS_PER_SCAN:,}, warning above {SOFT_PLOTS_PER_SCAN:,})"))
        elif item.job in ("battle", "tracking") and "time steps" in item.what and item.size > SOFT_THREAT_STEPS:
            problems.append((item.size > HARD_THREAT_STEPS, item,
                             f"{item.what} = {item.size:.3g} threat-steps (limit {HARD_THREAT_STEPS:.0e}, "
                             f"warning above {SOFT_THREAT_STEPS:.0e})"))
    warnings: list[str] = []
    seen: set[str] = set()
    for hard, item, text in sorted(problems, key=lambda p: not p[0]):
        line, col = loaded.located.where(item.path)
        where = loaded.source + (f":{line}:{col}" if line is not None else "")
        if hard and not force:
            raise ResourceError(f"{text}; reduce it, or pass --force to run anyway",
                                file=loaded.source, line=line, column=col, field=format_path(item.path))
        msg = f"{where}: {format_path(item.path)}: {text}" + ("; running anyway (--force)" if hard else "")
        if msg not in seen:
            seen.add(msg)
            warnings.append(msg)
    return warnings


# ------------------------------------------------------------------------------ validate
@dataclass
class Preflight:
    """Everything ``iadsim validate`` checks without running: DEM coverage of each radar's
    range, warnings (scenario and resources) and the resource estimate."""

    dem_coverage: list[tuple[str, str, float, float]]  # (site, radar, range_km, fraction covered)
    warnings: list[str]
    estimate: Estimate


def preflight(loaded: LoadedScenario, catalog: Catalog, jobs: tuple[str, ...] = JOBS, *,
              force: bool = False, tile_size: int | None = None) -> Preflight:
    """Open the DEM (errors located at ``environment.dem``; every site must be on it), measure how
    much of each radar's range it covers, and check the resource budget of ``jobs`` (the coverage
    in tiles of ``tile_size`` cells when given)."""
    import numpy as np

    from iadsim.geo.dem import dem_range_coverage, load_scenario_dem

    rows: list[tuple[str, str, float, float]] = []
    dem = load_scenario_dem(loaded)
    sc = loaded.scenario
    limit_m = sc.coverage.max_range_km * 1e3 if sc.coverage.max_range_km else math.inf
    if dem is not None:
        for s in sc.sites:
            for rp in s.radars:
                range_m = min(float(catalog.radar(rp.equipment).instrumented_range_km.nominal) * 1e3, limit_m)
                frac = dem_range_coverage(dem, float(np.radians(s.lat_deg)), float(np.radians(s.lon_deg)), range_m)
                rows.append((s.name, rp.equipment, range_m / 1e3, frac))
    est = estimate(loaded, catalog, tile_size)
    warnings = list(loaded.warnings) + check_budget(loaded, catalog, jobs, force=force, est=est, tile_size=tile_size)
    return Preflight(dem_coverage=rows, warnings=warnings, estimate=est)
