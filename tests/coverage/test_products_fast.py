"""Coverage products at the kernel's speed (issue 14): maps from block-reduced grids drawn on worker
processes, GeoTIFFs written on threads, display polygons from a reduced mask with a stated
tolerance, and the network's gaps product in tiled (out-of-core) mode equal to the untiled one."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import CRS
from shapely.geometry import shape

from iadsim.catalog import load_catalog
from iadsim.coverage.compute import compute_coverage
from iadsim.coverage.network import network_union, write_network
from iadsim.coverage.products import display_polygons_wgs84, mask_polygons_dem_wgs84, write_geotiffs
from iadsim.coverage.render import Batch, block_reduce
from iadsim.geo.dem import Dem
from iadsim.scenario import parse_scenario
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5


def _text(sites, cell_m=3000) -> str:
    blocks = "".join(f"""\
  - name: S{i}
    lat_deg: {lat}
    lon_deg: {lon}
    radars:
      - {{equipment: 92N6E, mast_m: 20}}
      - {{equipment: 91N6E, mast_m: 10}}
    launchers:
      - {{equipment: 5P85SE2, count: 2, load: {{48N6E3: 4}}}}
""" for i, (lat, lon) in enumerate(sites))
    return f"""\
name: products test
sites:
{blocks}coverage:
  threat_classes: [fighter_4gen, cruise_missile]
  altitudes_m: [10, 1000, 10000]
  max_range_km: 250
  cell_m: {cell_m}
  sector_deg: 30
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def two_sites(catalog):
    loaded = parse_scenario(_text(((LAT, LON), (LAT + 0.9, LON + 1.2))), "t.yaml", catalog=catalog)
    return compute_coverage(compile_world(loaded, catalog))


def _sha(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_block_reduce_keeps_every_covered_cell():
    """max over 3×3 blocks (edge blocks padded): a block is covered iff one of its cells is."""
    rng = np.random.default_rng(1)
    mask = rng.random((31, 47)) > 0.97
    small = block_reduce(mask, 3, "max", fill=False)
    assert small.shape == (11, 16)
    rows, cols = np.nonzero(mask)
    assert small[rows // 3, cols // 3].all() and small.sum() <= mask.sum()
    h = rng.random((31, 47))
    mean = block_reduce(h, 4, "mean")
    assert mean[0, 0] == pytest.approx(h[:4, :4].mean()) and mean[-1, -1] == pytest.approx(h[28:, 44:].mean())


def test_display_polygons_are_within_the_stated_tolerance():
    """The display polygons of a 1,500 × 1,300 mask (reduced by f = 3 to ≤ 600 cells a side) differ
    from the exact cell polygons only within 1.5·f cells of the exact boundary (the tolerance of
    :func:`display_polygons_wgs84`)."""
    yy, xx = np.mgrid[0:1500, 0:1300]
    mask = (np.hypot(yy - 700, xx - 600) < 420 + 60 * np.sin(np.arctan2(yy - 700, xx - 600) * 7)) & (
        np.hypot(yy - 650, xx - 700) > 80)
    cell = 0.001
    dem = Dem(height_m=np.zeros((2, 2), dtype=np.float32), transform=Affine(cell, 0, 30.0, 0, -cell, 41.0),
              crs=CRS.from_epsg(4326))
    exact = mask_polygons_dem_wgs84(mask, dem, simplify_cells=0.0)
    shown = display_polygons_wgs84(mask, dem)
    f = 3
    band = exact.boundary.buffer(1.5 * f * cell + 1e-9)
    assert shown.symmetric_difference(exact).within(band)
    assert len(shapely.get_coordinates(shown)) < len(shapely.get_coordinates(exact)) / 2
    assert abs(shown.area - exact.area) / exact.area < 0.02


def test_geotiffs_are_the_same_bytes_on_threads(two_sites, tmp_path):
    """One file per thread: 4 threads write byte-identical files to one thread."""
    sc = two_sites.sites[0]
    a = write_geotiffs(sc, tmp_path / "a", workers=4)
    b = write_geotiffs(sc, tmp_path / "b", workers=1)
    assert [p.name for p in a] == [p.name for p in b] and len(a) == 2 * 4
    assert [_sha(p) for p in a] == [_sha(p) for p in b]


def test_maps_drawn_on_worker_processes_equal_serial_ones(two_sites, tmp_path):
    """The forked workers draw the same PNG bytes as this process, in the order given."""
    from functools import partial

    from iadsim.coverage.products import map_png

    sc = two_sites.sites[0]
    scen = two_sites.world.scenario
    jobs = [partial(map_png, sc, 0, tmp_path / k / "m.png", scen, max_px=120, alt_indices=[a])
            for k, a in (("p0", 0), ("p1", 2))]
    forked = Batch(jobs, kind="process", workers=2)
    got = forked.collect()
    assert forked.kind == "process" and got == [tmp_path / "p0" / "m.png", tmp_path / "p1" / "m.png"]
    serial = [partial(map_png, sc, 0, tmp_path / k / "m.png", scen, max_px=120, alt_indices=[a])
              for k, a in (("s0", 0), ("s1", 2))]
    want = Batch(serial, kind="serial", workers=1).collect()
    assert [_sha(p) for p in got] == [_sha(p) for p in want]
    assert _sha(got[0]) != _sha(got[1])  # two altitudes, two pictures


def test_a_failing_figure_job_raises_in_the_caller():
    def boom():
        raise RuntimeError("no such font")

    with pytest.raises(RuntimeError, match="no such font"):
        Batch([boom, boom], kind="process", workers=2).collect()


def _features(path):
    fc = json.loads(path.read_text())
    return [(f["properties"], None if f["geometry"] is None else shape(f["geometry"])) for f in fc["features"]]


@pytest.mark.parametrize("tile_size", [16, 37])
def test_tiled_run_writes_the_untiled_gaps(two_sites, tmp_path, tile_size):
    """`run_coverage(..., tile_size=N)` writes network/gaps.geojson equal to the untiled product:
    the same features and areas, and polygons equal to 1e-9 of their area (the pieces of tiles
    16 and 37 cells wide meet in whole-cell coordinates)."""
    from iadsim.api.coverage import run_coverage

    world = two_sites.world
    write_network(network_union(two_sites), tmp_path / "untiled")
    run = run_coverage(world.loaded, tmp_path / "tiled", world=world, tile_size=tile_size, figures=False,
                       report=False)
    assert (run.out_dir / "network" / "gaps.geojson") in run.files
    want = _features(tmp_path / "untiled" / "network" / "gaps.geojson")
    got = _features(run.out_dir / "network" / "gaps.geojson")
    assert [p for p, _ in got] == [p for p, _ in want]
    n_geoms = 0
    for (_, g), (_, w) in zip(got, want):
        assert (g is None) == (w is None)
        if w is not None:
            n_geoms += 1
            assert g.symmetric_difference(w).area <= 1e-9 * w.area
    assert n_geoms >= 6


def test_one_figure_reused_for_several_maps_draws_what_fresh_figures_draw(two_sites, tmp_path):
    """map_pngs swaps only the coverage and the titles between saves: each PNG is byte-identical
    to the one map_png draws on a figure of its own."""
    from iadsim.coverage.products import map_png, map_pngs

    sc = two_sites.sites[1]
    scen = two_sites.world.scenario
    maps = [(ci, [a], tmp_path / "reused" / f"{ci}_{a}.png") for ci in (0, 1) for a in (0, 2)]
    reused = map_pngs(sc, maps, scen, 150)
    fresh = [map_png(sc, ci, tmp_path / "fresh" / f"{ci}_{a}.png", scen, max_px=150, alt_indices=[a])
             for ci, [a], _ in maps]
    assert [_sha(p) for p in reused] == [_sha(p) for p in fresh]
    assert len({_sha(p) for p in reused}) == 4


def test_batches_started_on_two_threads_keep_their_own_jobs():
    """Forked workers find their jobs through the module; two batches started at once (the web
    viewer runs jobs on threads) each get their own results."""
    from concurrent.futures import ThreadPoolExecutor

    def batch(tag: str) -> list[str]:
        return Batch([lambda i=i: f"{tag}{i}" for i in range(3)], kind="process", workers=2).collect()

    with ThreadPoolExecutor(2) as ex:
        for _ in range(3):
            a, b = ex.submit(batch, "a"), ex.submit(batch, "b")
            assert a.result() == ["a0", "a1", "a2"] and b.result() == ["b0", "b1", "b2"]
