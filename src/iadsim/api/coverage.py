"""`run_coverage`: compile a scenario, compute its coverage, write products and a report."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import iadsim
from iadsim.api._common import Progress, compiled, prepare_output_dir
from iadsim.api._staging import staged
from iadsim.catalog import Catalog
from iadsim.coverage.compute import CoverageResult, compute_coverage
from iadsim.coverage.distributed import close, compute_coverage_dask, connect, map_tiles_dask
from iadsim.coverage.network import network_union, write_network, write_ring_rows
from iadsim.coverage.render import Batch
from iadsim.coverage.tiles import GeoTiffSink, check_tile_size, network_tiled
from iadsim.coverage.products import (
    RingRow,
    range_ring_rows,
    ring_polar_png,
    slug,
    vertical_coverage_png,
    write_geojson,
    write_geotiffs,
    write_range_ring_tables,
)
from iadsim.report.coverage_report import write_coverage_report
from iadsim.scenario import LoadedScenario
from iadsim.world import World



@dataclass
class CoverageRun:
    """What :func:`run_coverage` wrote; ``figures`` groups the PNGs (``maps``, ``polar``, ``vcd``) as
    ``(caption, path)`` pairs (empty without figures); ``report`` is None when none was written."""

    out_dir: Path
    result: CoverageResult
    rows: list[RingRow]
    files: list[Path]
    manifest: dict[str, Any]
    report: Path | None
    figures: dict[str, list[tuple[str, Path]]] = field(
        default_factory=lambda: {"maps": [], "polar": [], "vcd": []})


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@staged("coverage")
def run_coverage(scenario: str | Path | LoadedScenario, out_dir: str | Path, *,
                 precomputed: CoverageResult | None = None,  # written instead of computing (iadsim.run)
                 catalog: Catalog | None = None, progress: Progress | None = None,
                 figures: bool = True, world: World | None = None, report: bool = True,
                 force: bool = False, tile_size: int | None = None, scheduler: str | None = None,
                 dask_local: int | None = None) -> CoverageRun:
    """Compile ``scenario``, compute its coverage products and write them with a report to ``out_dir``.
    ``world`` reuses an already compiled world; ``report=False`` skips ``report.html``.

    ``tile_size`` (cells): compute only the network's union products, tile by tile, into tiled
    GeoTIFFs, ``network/rings.csv`` and ``network/gaps.geojson`` (out of core; no per-site
    products, maps or report).
    ``scheduler`` (``tcp://HOST:PORT``) or ``dask_local`` (N local worker processes): run the
    per-site (or per-tile) work on a Dask cluster (:mod:`iadsim.coverage.distributed`)."""
    world = precomputed.world if precomputed is not None else world
    t0 = time.perf_counter()
    if tile_size is not None:
        check_tile_size(tile_size, 1, 1)  # a bad number fails before any work
    loaded, catalog, world = compiled(scenario, catalog, world, progress, force=force, jobs=("coverage",),
                                      tile_size=tile_size)
    out = prepare_output_dir(out_dir)
    client = connect(scheduler, dask_local) if (scheduler is not None or dask_local is not None) else None
    try:
        if tile_size is not None:
            return _run_tiled(loaded, world, out, tile_size, client, progress, t0)
        if precomputed is not None:
            result = precomputed
        elif client is not None:
            result = compute_coverage_dask(world, client)
        else:
            result = compute_coverage(world, progress)
    finally:
        if client is not None:
            close(client)
    sector = world.scenario.coverage.sector_deg
    files: list[Path] = []
    figs: dict[str, list[tuple[str, Path]]] = {"maps": [], "polar": [], "vcd": [], "layers": []}
    batch = None
    keys: list[list[tuple[str, str]]] = []
    done: list[list[Path | None]] = []
    n_tiff_jobs = 0
    if figures:  # maps and GeoTIFFs on worker processes while this one makes the tables and GeoJSON
        if progress:
            progress("drawing maps and diagrams; writing GeoTIFF, GeoJSON and tables", 0.0)
        keys, jobs = _figure_jobs(world, result, None, out)
        tiff_jobs = [partial(write_geotiffs, sc, out) for sc in result.sites]
        n_tiff_jobs = len(tiff_jobs)
        batch = Batch(jobs[:1] + tiff_jobs + jobs[1:])  # the largest first: a site's layer maps, its GeoTIFFs
    elif progress:
        progress("writing GeoTIFF, GeoJSON and tables", 0.0)
    try:
        rows = range_ring_rows(result, sector)
        if batch is None:
            for sc in result.sites:
                files += write_geotiffs(sc, out)
        files += write_geojson(result, out)
        files += write_range_ring_tables(rows, out, sector)
        if len(result.sites) > 1:  # a network: union products (best Pd, sites covering, gaps)
            files += write_network(network_union(result), out)
        if figures:  # the reach-per-sector diagrams need the ring rows: drawn here
            polar_keys, polar_jobs = _polar_jobs(result, rows, out, sector)
            keys, done = keys + polar_keys, [job() for job in polar_jobs]
    except BaseException:
        if batch is not None:
            batch.cancel()
        raise
    if batch is not None:
        results = batch.collect()
        for paths in results[1:1 + n_tiff_jobs]:
            files += paths
        figs = _gather(keys, results[:1] + results[1 + n_tiff_jobs:] + done)
    files += [p for group in figs.values() for _, p in group]
    manifest = _manifest(loaded, world, result, out, files, time.perf_counter() - t0)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    path = write_coverage_report(result, rows, figs, manifest, out / "report.html") if report else None
    return CoverageRun(out_dir=out, result=result, rows=rows, files=files, manifest=manifest, report=path,
                       figures=figs)


def _run_tiled(loaded: LoadedScenario, world: World, out: Path, tile_size: int, client: Any,
               progress: Progress | None, t0: float) -> CoverageRun:
    """The out-of-core path of :func:`run_coverage`: network GeoTIFFs and ring table only."""
    if progress:
        progress(f"network coverage in tiles of {tile_size} cells", 0.0)
    sinks: list[GeoTiffSink] = []

    def sink(plan: Any) -> GeoTiffSink:
        sinks.append(GeoTiffSink(plan, out))
        return sinks[-1]

    t1 = time.perf_counter()
    files = list(network_tiled(world, tile_size, sink, map_tiles=map_tiles_dask(client) if client else None))
    seconds = time.perf_counter() - t1
    files.append(write_ring_rows(sinks[0].ring_rows(), out / "network" / "rings.csv"))
    files.append(sinks[0].write_gaps(out))
    result = CoverageResult(world=world, sites=[], seconds=seconds)
    manifest = _manifest(loaded, world, result, out, files, time.perf_counter() - t0)
    manifest["tiled"] = {"tile_size": tile_size, "dask": bool(client)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return CoverageRun(out_dir=out, result=result, rows=[], files=files, manifest=manifest, report=None)


def _figure_jobs(world: World, result: CoverageResult, rows: list[RingRow] | None,
                 out: Path) -> tuple[list[list[tuple[str, str]]], list[Callable[[], list[Path | None]]]]:
    """Every figure of a coverage run as independent jobs, the largest first: ``[[(group, caption),
    ...] per job], [job]``; a job returns one PNG per caption (None when there is nothing to draw).
    A site's maps are two jobs (the multi-panel maps of every class, the single-layer maps of every
    class × altitude), each drawing on one figure and only swapping the coverage between saves.
    Without ``rows`` the reach-per-sector diagrams are left out (:func:`_polar_jobs`)."""
    from iadsim.coverage.products import map_pngs, warm_figures

    warm_figures()  # imports, fonts and basemap once, before worker processes fork
    keys: list[list[tuple[str, str]]] = []
    jobs: list[Callable[[], list[Path | None]]] = []
    sector = world.scenario.coverage.sector_deg
    scen = world.scenario

    def add(captions: list[tuple[str, str]], job: Callable[[], list[Path | None]]) -> None:
        keys.append(captions)
        jobs.append(job)

    def one(fn: Callable[..., Path | None], *args: Any) -> Callable[[], list[Path | None]]:
        return lambda: [fn(*args)]

    for sc in result.sites:
        labels = [f"{alt:g} m {sc.altitude_ref.value.upper()}" for alt in sc.altitudes_m]
        layers = [(ci, [i], out / "maps" / "layers" / f"{slug(sc.site.name)}_{slug(cls)}_{slug(label)}.png")
                  for ci, cls in enumerate(sc.classes) for i, label in enumerate(labels)]
        add([("layers", f"{sc.site.name}|{cls}|{label}") for cls in sc.classes for label in labels],
            partial(map_pngs, sc, layers, scen, 300))
        multi = [(ci, list(range(len(sc.altitudes_m))), out / "maps" / f"{slug(sc.site.name)}_{slug(cls)}.png")
                 for ci, cls in enumerate(sc.classes)]
        add([("maps", f"{sc.site.name}: {cls}") for cls in sc.classes], partial(map_pngs, sc, multi, scen, 420))
    for sc in result.sites:
        for rl in sc.radars:
            add([("vcd", f"{rl.radar.equipment} at {sc.site.name}")],
                one(vertical_coverage_png, world, rl.radar, sc.classes, sc.pd_threshold,
                    out / "vcd" / f"{slug(sc.site.name)}_{slug(rl.radar.equipment)}.png"))
    if rows is not None:
        polar_keys, polar_jobs = _polar_jobs(result, rows, out, sector)
        keys += polar_keys
        jobs += polar_jobs
    return keys, jobs


def _polar_jobs(result: CoverageResult, rows: list[RingRow], out: Path,
                sector: float) -> tuple[list[list[tuple[str, str]]], list[Callable[[], list[Path | None]]]]:
    """The reach-per-sector diagrams (engagement, else track, per site and class), as :func:`_figure_jobs`."""
    keys: list[list[tuple[str, str]]] = []
    jobs: list[Callable[[], list[Path | None]]] = []
    for sc in result.sites:
        for cls in sc.classes:
            for product, radar in (("engagement", "site"), ("track", "site")):
                if any(r.site == sc.site.name and r.product == product and r.radar == radar and r.threat_class == cls
                       for r in rows):
                    path = out / "polar" / f"{slug(sc.site.name)}_{product}_{slug(cls)}.png"
                    keys.append([("polar", f"{sc.site.name} {product} vs {cls}")])
                    jobs.append(partial(lambda *a: [ring_polar_png(*a)], rows, sc.site.name, product, radar, cls,
                                        path, sector))
                    break
    return keys, jobs


def _gather(keys: list[list[tuple[str, str]]], done: list[list[Path | None]]) -> dict[str, list[tuple[str, Path]]]:
    """The figures of :func:`_figure_jobs`' results by group, in the report's order (site, class, altitude)."""
    figs: dict[str, list[tuple[str, Path]]] = {"maps": [], "polar": [], "vcd": [], "layers": []}
    for captions, paths in zip(keys, done):
        for (group, caption), path in zip(captions, paths):
            if path is not None:
                figs[group].append((caption, path))
    return figs


def _figures(world: World, result: CoverageResult, rows: list[RingRow], out: Path) -> dict[str, list[tuple[str, Path]]]:
    """Every figure of a coverage run, drawn in parallel (:class:`iadsim.coverage.render.Batch`)."""
    keys, jobs = _figure_jobs(world, result, rows, out)
    return _gather(keys, Batch(jobs).collect())


def _manifest(loaded: LoadedScenario, world: World, result: CoverageResult, out: Path, files: list[Path],
              seconds: float) -> dict[str, Any]:
    dem = world.dem
    return {
        "iadsim_version": iadsim.__version__,
        "job": "coverage",
        "scenario": str(loaded.source),
        "scenario_sha256": loaded.located.sha256,
        "seed": world.scenario.run.seed,
        "dem": {
            "source": str(dem.source), "generated": world.dem_is_generated, "crs": dem.crs.to_string(),
            "shape": list(dem.shape), "n_filled_cells": int(dem.n_filled_cells),
            "n_surface_cells": int(dem.n_surface_cells),
            "sha256": _sha256(Path(dem.source)) if not world.dem_is_generated and Path(dem.source).is_file() else None,
        },
        "k_factor": world.k_factor,
        "threat_classes": result.sites[0].classes if result.sites else [],
        "altitudes_m": world.scenario.coverage.altitudes_m,
        "altitude_ref": world.scenario.coverage.altitude_ref.value,
        "radars": [{"site": r.site, "equipment": r.equipment, "band": r.band, "mast_m": r.mast_m,
                    "radar_constant_m2": r.radar_constant_m2, "reference_range_km": r.reference_range_m / 1e3,
                    "reference_rcs_m2": r.reference_rcs_m2} for r in world.radars],
        "timings_s": {"coverage": round(result.seconds, 3), "total": round(seconds, 3),
                      "per_site": {s.site.name: round(s.seconds, 3) for s in result.sites}},
        "notes": list(world.notes) + [n for s in result.sites for n in s.notes],
        "files": sorted(str(p.relative_to(out)) for p in files),
        "platform": {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine()},
    }
