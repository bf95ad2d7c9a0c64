"""Coverage envelopes against closed forms on a smooth earth, and the products a user opens."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio

from iadsim.api import run_coverage
from iadsim.catalog import load_catalog
from iadsim.coverage.compute import compute_coverage, sector_reach
from iadsim.errors import IadsimError
from iadsim.geo.dem import synthetic_dem, write_geotiff
from iadsim.geo.refraction import radar_horizon_m, slant_range_elevation
from iadsim.scenario import parse_scenario
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5


def scenario_text(*, radar="92N6E", mast=20, classes=("fighter_4gen",), altitudes=(30, 10000), cell_m=2000,
                  max_range_km=450, surface="land", dem=None, sector=None, launchers=True) -> str:
    env = f"environment:\n  surface: {surface}\n" + (f"  dem: {dem}\n" if dem else "")
    sec = f", sector: {{az_min_deg: {sector[0]}, az_max_deg: {sector[1]}}}" if sector else ""
    launch = "    launchers:\n      - {equipment: 5P85SE2, count: 2, load: {48N6E3: 4}}\n" if launchers else ""
    return f"""\
name: smooth earth test
{env}sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars:
      - {{equipment: {radar}, mast_m: {mast}{sec}}}
{launch}coverage:
  threat_classes: [{", ".join(classes)}]
  altitudes_m: [{", ".join(str(a) for a in altitudes)}]
  max_range_km: {max_range_km}
  cell_m: {cell_m}
  sector_deg: 30
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def coverage_of(text: str, catalog, base_dir: Path | None = None):
    loaded = parse_scenario(text, "t.yaml", base_dir=base_dir, catalog=catalog)
    world = compile_world(loaded, catalog)
    return world, compute_coverage(world)


def median_reach_m(sc, product: np.ndarray, ci: int, ai: int) -> float:
    reach, _ = sector_reach(product[ci, ai], sc.ground_range_m, sc.az_rad, sc.valid, math.radians(30), 1e9)
    return float(np.median(reach))


def test_low_flier_reach_is_the_four_thirds_earth_horizon(catalog):
    """On a smooth 4/3 earth a 30 m target is seen out to the radar horizon
    d = √(2kRh_r) + √(2kRh_t) (Skolnik, *Introduction to Radar Systems*, §8.4), whatever the RCS,
    as long as the radar has the power: here a 2 m² fighter against the 92N6E at 20 m."""
    world, res = coverage_of(scenario_text(), catalog)
    sc = res.sites[0]
    expected = float(radar_horizon_m(20.0, 30.0, world.k_factor, form="ground"))
    got = median_reach_m(sc, sc.detection, 0, 0)
    assert got == pytest.approx(expected, abs=1.5 * 2000), (got, expected)


def test_high_flier_reach_is_the_calibrated_detection_range(catalog):
    """High up, reach is power-limited: slant range R = R_ref·(σ/σ_ref)^¼ at Pd = Pd_ref (the
    calibration of K = SNR_ref·R_ref⁴/σ_ref), converted to ground range on the effective earth."""
    world, res = coverage_of(scenario_text(classes=("lo_fighter",)), catalog)
    sc = res.sites[0]
    radar = world.radars[0]
    sigma = world.rcs_m2("lo_fighter", radar.band)
    slant = radar.reference_range_m * (sigma / radar.reference_rcs_m2) ** 0.25
    # ground range at which the 10 km target is at that slant range
    grid = np.linspace(1e3, 450e3, 200_001)
    r, _ = slant_range_elevation(grid, radar.antenna_alt_msl_m, 10_000.0, world.k_factor)
    expected = grid[np.argmin(np.abs(r - slant))]
    got = median_reach_m(sc, sc.detection, 0, 1)
    assert got == pytest.approx(expected, abs=1.5 * 2000), (got, expected)


def test_engagement_inside_detection_and_missile_range(catalog):
    world, res = coverage_of(scenario_text(classes=("fighter_4gen", "cruise_missile")), catalog)
    sc = res.sites[0]
    assert sc.engagement is not None
    assert not (sc.engagement & ~sc.detection).any()
    r_max = max(m.range_max_m for m in world.launchers[0].missiles)
    assert sc.ground_range_m[sc.engagement.any(axis=(0, 1))].max() <= r_max
    # track (2 of 3 scans with Pd ≥ 0.5 each) reaches about as far as single-scan detection
    assert abs(int(sc.track.sum()) - int(sc.detection.sum())) <= 0.02 * sc.detection.sum()


def test_sector_limits_coverage(catalog):
    _, res = coverage_of(scenario_text(sector=(0, 90)), catalog)
    sc = res.sites[0]
    covered = sc.detection.any(axis=(0, 1)) & (sc.ground_range_m > 5e3)
    az = np.degrees(sc.az_rad[covered])
    assert az.size and az.min() >= -1.0 and az.max() <= 91.0


def test_sea_multipath_lobes_low_fliers(catalog):
    """Over water the two-ray factor F = 2|sin(2π h_r h_t/(λR))| (Blake) adds lobes and nulls:
    where free-space Pd is moderate (a low-observable target at 1 km, near the power limit), Pd
    over the sea rises above the land case in some cells and falls below it in others."""
    text = scenario_text(radar="96L6E", classes=("lo_fighter",), altitudes=(1000,), max_range_km=120)
    _, land = coverage_of(text, catalog)
    _, sea = coverage_of(text.replace("surface: land", "surface: water"), catalog)
    a, b = land.sites[0].pd_max[0, 0], sea.sites[0].pd_max[0, 0]
    assert (b > a + 0.05).any() and (b < a - 0.05).any()


def test_terrain_masks_low_fliers(catalog, tmp_path):
    """A ridge north of the radar cuts low-altitude coverage there but not high-altitude coverage."""
    dem = synthetic_dem((181, 181), 1000.0, flat=True, base_height_m=100.0,
                        center_lat_rad=math.radians(LAT), center_lon_rad=math.radians(LON))
    h = dem.height_m.copy()
    h[55:60, :] = 900.0  # an east-west ridge ~ 32 km north of the centre
    ridge = type(dem)(height_m=h, transform=dem.transform, crs=dem.crs, source="ridge")
    path = write_geotiff(ridge, tmp_path / "ridge.tif")
    _, res = coverage_of(scenario_text(dem=path.name, altitudes=(100, 10000), max_range_km=85, cell_m=1000),
                         catalog, base_dir=tmp_path)
    sc = res.sites[0]
    north = (np.degrees(sc.az_rad) % 360 < 20) | (np.degrees(sc.az_rad) % 360 > 340)
    south = np.abs(np.degrees(sc.az_rad) % 360 - 180) < 20
    beyond = sc.ground_range_m > 40e3
    low, high = sc.detection[0, 0], sc.detection[0, 1]
    assert not (low & north & beyond).any()
    assert (low & south & (sc.ground_range_m > 20e3)).any()
    assert (high & north & beyond).any()


def test_run_coverage_writes_products(catalog, tmp_path):
    text = scenario_text(classes=("fighter_4gen", "cruise_missile"), altitudes=(30, 1000, 10000), cell_m=5000)
    loaded = parse_scenario(text, "t.yaml", catalog=catalog)
    run = run_coverage(loaded, tmp_path / "out", catalog=catalog)
    out = run.out_dir
    for name in ("report.html", "manifest.json", "range_ring_vs_physics.csv", "range_ring_summary.csv",
                 "coverage/detection.geojson", "coverage/engagement.geojson", "coverage/track.geojson"):
        assert (out / name).is_file(), name
    with rasterio.open(out / "coverage" / "S" / "fighter_4gen_detection.tif") as ds:
        assert ds.count == 3 and ds.crs is not None
        assert "30 m AGL" in ds.descriptions[0]
        band = ds.read(3)
        assert set(np.unique(band)) <= {0, 1, 255} and (band == 1).any()
    gj = json.loads((out / "coverage" / "detection.geojson").read_text())
    feats = [f for f in gj["features"] if f["geometry"]]
    assert feats
    lon, lat = np.array(feats[0]["geometry"]["coordinates"][0][0] if feats[0]["geometry"]["type"] == "MultiPolygon"
                        else feats[0]["geometry"]["coordinates"][0]).T
    assert np.all(np.abs(lat - LAT) < 5) and np.all(np.abs(lon - LON) < 6)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["dem"]["generated"] is True and manifest["job"] == "coverage"
    html = (out / "report.html").read_text()
    assert "Range ring vs physics" in html and "data:image/png;base64" in html and "http" in html
    assert len(list((out / "maps").glob("*.png"))) == 2 and len(list((out / "vcd").glob("*.png"))) == 1


def test_output_dir_that_is_a_file(catalog, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    loaded = parse_scenario(scenario_text(), "t.yaml", catalog=catalog)
    with pytest.raises(IadsimError, match="not a directory"):
        run_coverage(loaded, f, catalog=catalog, figures=False)


def test_geotiffs_carry_overviews_predictor_and_tags(tmp_path):
    """Issue 13: the coverage GeoTIFFs open in GIS tools with overviews, a predictor and metadata
    tags (units, class, altitude, radar)."""
    import rasterio

    from iadsim.catalog import load_catalog
    from iadsim.coverage.compute import compute_coverage
    from iadsim.coverage.products import write_geotiffs
    from iadsim.scenario import load_scenario
    from iadsim.world import compile_world

    catalog = load_catalog()
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019" / "scenario.yaml"
    world = compile_world(load_scenario(demo, catalog), catalog)
    site = compute_coverage(world).sites[0]
    paths = write_geotiffs(site, tmp_path)
    for p in paths:
        with rasterio.open(p) as ds:
            tags = ds.tags()
            assert ds.overviews(1), p
            assert ds.profile.get("predictor") in (2, 3) or ds.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") in ("2", "3")
            assert tags["units"] and tags["threat_class"] in site.classes and "92N6E" in tags["radars"]
            assert [float(ds.tags(b)["altitude_m"]) for b in range(1, ds.count + 1)] == site.altitudes_m
