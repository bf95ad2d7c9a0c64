"""The fused coverage kernel against the world's physics core, and the network union products.

The fused pass (``World.radar_visible_snr_layers`` + ``PdTable.pd_layers``) must give what the core
(``World.radar_pd``, used by point sensing and the battle's fire control) gives layer by layer,
to the tabulation tolerance 1e-4 (issue 14); the network union must equal the per-site maxima and
counts placed on the network grid."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import rasterio

from iadsim.catalog import load_catalog
from iadsim.coverage.compute import _heights, compute_coverage, radar_pd_scaled
from iadsim.coverage.network import network_union, ring_table, write_network
from iadsim.scenario import parse_scenario
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _text(*, surface="land", sector=None, altitude_ref="agl", sites=((LAT, LON),), cell_m=2000) -> str:
    sec = f", sector: {{az_min_deg: {sector[0]}, az_max_deg: {sector[1]}}}" if sector else ""
    blocks = "".join(f"""\
  - name: S{i}
    lat_deg: {lat}
    lon_deg: {lon}
    radars:
      - {{equipment: 92N6E, mast_m: 20{sec}}}
      - {{equipment: 91N6E, mast_m: 10}}
    launchers:
      - {{equipment: 5P85SE2, count: 2, load: {{48N6E3: 4}}}}
""" for i, (lat, lon) in enumerate(sites))
    return f"""\
name: fused kernel test
environment:
  surface: {surface}
sites:
{blocks}coverage:
  threat_classes: [fighter_4gen, lo_fighter, cruise_missile]
  altitudes_m: [10, 100, 1000, 10000]
  altitude_ref: {altitude_ref}
  max_range_km: 250
  cell_m: {cell_m}
  sector_deg: 30
"""


def _world(text, catalog):
    return compile_world(parse_scenario(text, "t.yaml", catalog=catalog), catalog)


@pytest.mark.parametrize("surface,sector,ref", [("land", None, "agl"), ("water", (300, 60), "agl"),
                                                ("land", (10, 200), "msl")])
def test_fused_layers_equal_the_core_layer_by_layer(catalog, surface, sector, ref):
    """Every radar × class × altitude Pd of the fused pass equals ``World.radar_pd`` (the core the
    battle and point sensing use) within 1e-4, sea reflection and sector included."""
    world = _world(_text(surface=surface, sector=sector, altitude_ref=ref), catalog)
    sc = compute_coverage(world).sites[0]
    ground = np.asarray(sc.dem.height_m, dtype=np.float64)
    cell_x, cell_y = sc.dem.xy(*np.indices(ground.shape))
    cell_m = float(np.mean(sc.dem.cell_size_m()))
    n_checked = 0
    for rl in sc.radars:
        for a, alt in enumerate(sc.altitudes_m):
            _, h_msl = _heights(ground, alt, sc.altitude_ref)
            for c, cls in enumerate(sc.classes):
                ref_pd = world.radar_pd(rl.radar, sc.ground_range_m, sc.az_rad, ground, h_msl,
                                        rl.lowest_visible_height_m, world.rcs_m2(cls, rl.radar.band),
                                        cell_x, cell_y, cell_m)
                assert np.max(np.abs(ref_pd - rl.pd[c, a])) <= 1e-4
                n_checked += int((ref_pd > 0.5).sum())
    assert n_checked > 1000  # the comparison covered detected cells


def test_spread_cases_equal_the_scaled_snr_path(catalog):
    """The catalog's low/high cases computed in the fused pass equal the Pd of the stored SNR
    times the case's multiplier (``radar_pd_scaled``) within 1e-4."""
    world = _world(_text(), catalog)
    for rl in compute_coverage(world).sites[0].radars:
        assert rl.pd_low is not None and rl.pd_high is not None
        assert np.max(np.abs(rl.pd_low - radar_pd_scaled(world, rl, rl.snr_scale_low))) <= 1e-4
        assert np.max(np.abs(rl.pd_high - radar_pd_scaled(world, rl, rl.snr_scale_high))) <= 1e-4


@pytest.fixture(scope="module")
def two_sites(catalog):
    world = _world(_text(sites=((LAT, LON), (LAT + 0.9, LON + 1.2)), cell_m=3000), catalog)
    return compute_coverage(world)


def test_network_union_equals_per_site_maxima_and_counts(two_sites):
    """best Pd = max over sites (inside each site's radius) and n_sites = Σ site masks, cell for
    cell on the network grid, each site placed by its offset in the world DEM."""
    net = network_union(two_sites)
    t = net.dem.transform
    best = np.zeros_like(net.best_pd)
    count = np.zeros(net.best_pd.shape, dtype=int)
    for sc in two_sites.sites:
        col, row = ~t @ (sc.dem.transform.c, sc.dem.transform.f)
        r, c = int(round(row)), int(round(col))
        h, w = sc.valid.shape
        assert sc.dem.transform.a == t.a and sc.dem.transform.e == t.e
        best[..., r:r + h, c:c + w] = np.maximum(best[..., r:r + h, c:c + w], np.where(sc.valid, sc.pd_max, 0))
        count[..., r:r + h, c:c + w] += sc.detection
    np.testing.assert_array_equal(net.best_pd, best)
    np.testing.assert_array_equal(net.n_sites["detection"], count)
    assert count.max() == 2  # the two sites overlap
    a, b = two_sites.sites
    assert net.dem.shape[0] >= max(a.valid.shape[0], b.valid.shape[0])


def test_network_gaps_and_products_written(two_sites, tmp_path):
    """Gaps are the cells inside a nominal ring that no site covers; the files hold them."""
    net = network_union(two_sites)
    gaps = net.gaps("detection")
    assert not np.any(gaps & (net.n_sites["detection"] > 0))
    assert gaps[:, 0].sum() > gaps[:, -1].sum()  # low fliers leave more gaps than high ones
    paths = write_network(net, tmp_path)
    names = {p.name for p in paths}
    assert {"gaps.geojson", "rings.csv", "fighter_4gen_pd.tif", "fighter_4gen_detection_sites.tif"} <= names
    fc = json.loads((tmp_path / "network" / "gaps.geojson").read_text())
    low = [f for f in fc["features"] if f["properties"]["product"] == "detection" and f["properties"]["altitude_m"] == 10]
    assert low and all(f["geometry"] is not None for f in low)
    with rasterio.open(tmp_path / "network" / "fighter_4gen_detection_sites.tif") as ds:
        np.testing.assert_array_equal(ds.read(1)[net.analysed], net.n_sites["detection"][0, 0][net.analysed])
        assert ds.profile["tiled"] or min(ds.shape) < 256
    rows = ring_table(net)
    det = [r for r in rows if r["product"] == "detection"]
    assert all(math.isclose(r["covered_km2"] + r["gap_km2"], r["inside_rings_km2"], abs_tol=0.2) for r in det)


@pytest.mark.parametrize("tile_size", [16, 37, 4096])
def test_tiled_network_equals_untiled_cell_for_cell(catalog, two_sites, tile_size):
    """Tiles of 16 and 37 cells (tiles straddle the site windows' edges) and one tile for the
    whole grid give exactly the untiled union products."""
    from iadsim.coverage.tiles import network_tiled

    ref = network_union(two_sites)
    got = network_tiled(two_sites.world, tile_size)
    assert got.dem.shape == ref.dem.shape and got.dem.transform == ref.dem.transform
    np.testing.assert_array_equal(got.best_pd, ref.best_pd)
    for p in ("detection", "track", "engagement"):
        np.testing.assert_array_equal(got.n_sites[p], ref.n_sites[p])
        np.testing.assert_array_equal(got.inside_ring[p], ref.inside_ring[p])
    np.testing.assert_array_equal(got.analysed, ref.analysed)


def test_tiled_geotiffs_hold_the_union(two_sites, tmp_path):
    """The out-of-core sink writes tiled, compressed GeoTIFFs with overviews equal to the union."""
    from iadsim.coverage.tiles import GeoTiffSink, network_tiled

    ref = network_union(two_sites)
    sinks = []

    def sink(plan):
        sinks.append(GeoTiffSink(plan, tmp_path))
        return sinks[-1]

    paths = network_tiled(two_sites.world, 64, sink)
    assert len(paths) == 3 * 4  # per class: best Pd and three site counts
    # the ring table accumulated tile by tile equals the in-memory one
    want = {(r["product"], r["threat_class"], r["altitude_m"]): r for r in ring_table(ref)}
    for r in sinks[0].ring_rows():
        w = want[(r["product"], r["threat_class"], r["altitude_m"])]
        assert r["covered_km2"] == pytest.approx(w["covered_km2"], abs=0.2)
        assert r["inside_rings_km2"] == pytest.approx(w["inside_rings_km2"], abs=0.2)
    with rasterio.open(tmp_path / "network" / "cruise_missile_track_sites.tif") as ds:
        assert ds.profile["tiled"] and ds.profile["compress"] == "deflate" and ds.overviews(1)
        data = ds.read()
    np.testing.assert_array_equal(data[:, ref.analysed], ref.n_sites["track"][2][:, ref.analysed])
    assert np.all(data[:, ~ref.analysed] == 65535)


def test_tile_size_errors_are_one_line(two_sites):
    from iadsim.coverage.tiles import TileSizeError, check_tile_size, network_tiled

    with pytest.raises(TileSizeError) as e:
        network_tiled(two_sites.world, 0)
    assert "\n" not in str(e.value) and "tile size" in str(e.value)
    with pytest.raises(TileSizeError) as e:
        check_tile_size(100_000, 20, 4, memory_bytes=8 * 2**30)
    assert "\n" not in str(e.value) and "smaller --tile-size" in str(e.value)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_products(two_sites):
    """Per-site and per-tile work on a local Dask cluster of 2 workers equals the local result."""
    from iadsim.coverage.distributed import close, compute_coverage_dask, connect, map_tiles_dask
    from iadsim.coverage.tiles import network_tiled

    client = connect(n_local=2)
    try:
        res = compute_coverage_dask(two_sites.world, client)
        for a, b in zip(res.sites, two_sites.sites):
            np.testing.assert_array_equal(a.pd_max, b.pd_max)
            np.testing.assert_array_equal(a.engagement, b.engagement)
        got = network_tiled(two_sites.world, 40, map_tiles=map_tiles_dask(client))
    finally:
        close(client)
    ref = network_union(two_sites)
    np.testing.assert_array_equal(got.best_pd, ref.best_pd)
    np.testing.assert_array_equal(got.n_sites["track"], ref.n_sites["track"])


def test_unreachable_scheduler_is_one_line():
    from iadsim.coverage.distributed import SchedulerError, connect

    with pytest.raises(SchedulerError) as e:
        connect(scheduler="tcp://127.0.0.1:9")
    assert "\n" not in str(e.value) and "tcp://127.0.0.1:9" in str(e.value)


def test_cli_tiled_and_bad_options_are_one_line(tmp_path, capsys):
    """`iadsim coverage --tile-size` writes the network's tiled GeoTIFFs; a bad tile size and an
    unreachable scheduler are one-line input errors (exit status 3, `iadsim --help`)."""
    from iadsim.cli.main import PROGRESS_LINE, main

    scen = tmp_path / "s.yaml"
    scen.write_text(_text(sites=((LAT, LON), (LAT + 0.9, LON + 1.2)), cell_m=4000))
    assert main(["coverage", str(scen), "-o", str(tmp_path / "t"), "--tile-size", "64"]) == 0
    assert (tmp_path / "t" / "network" / "lo_fighter_pd.tif").is_file()
    assert (tmp_path / "t" / "network" / "rings.csv").is_file()
    capsys.readouterr()
    for args, what in ((["--tile-size", "3"], "tile size"), (["--scheduler", "tcp://127.0.0.1:9"], "scheduler")):
        assert main(["coverage", str(scen), "-o", str(tmp_path / "b"), "--no-figures", *args]) == 3
        err = capsys.readouterr().err
        lines = [ln for ln in err.strip().splitlines() if not re.match(PROGRESS_LINE, ln)]
        assert what in err and "Traceback" not in err and len(lines) == 1


def test_dem_short_of_the_range_warns_with_site_and_bearings(catalog, tmp_path):
    """A 201 km square DEM around the site with a 120 km coverage radius: the range is cut at the
    DEM's four sides (bearings around 90°, 180°, 270° and 0°), not at its corners."""
    from iadsim.coverage.compute import missing_bearings
    from iadsim.geo.dem import synthetic_dem, write_geotiff

    dem = synthetic_dem((201, 201), 1000.0, flat=True, center_lat_rad=math.radians(LAT),
                        center_lon_rad=math.radians(LON))
    write_geotiff(dem, tmp_path / "dem.tif")
    text = _text(cell_m=3000).replace("  surface: land\n", "  surface: land\n  dem: dem.tif\n")
    text = text.replace("max_range_km: 250", "max_range_km: 120")
    loaded = parse_scenario(text, str(tmp_path / "s.yaml"), base_dir=tmp_path, catalog=catalog)
    world = compile_world(loaded, catalog)
    sc = compute_coverage(world).sites[0]
    assert len(sc.warnings) == 2 and all("\n" not in w and "'S0'" in w and "120 km" in w for w in sc.warnings)
    sectors = missing_bearings(world.dem, sc.site.lat_rad, sc.site.lon_rad, 120e3)
    assert len(sectors) == 4
    centres = sorted(((lo + ((hi - lo) % 360) / 2) % 360) for lo, hi in sectors)
    np.testing.assert_allclose(centres, [0, 90, 180, 270], atol=3)
    assert any(w in sc.notes for w in sc.warnings)
