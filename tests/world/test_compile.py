"""Compiling a scenario: catalog figures resolved, radars calibrated, terrain and overrides applied."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import ScenarioError, TerrainError
from iadsim.geo.dem import synthetic_dem, write_geotiff
from iadsim.scenario import load_scenario, parse_scenario
from iadsim.sensors.detection import pd_exact
from iadsim.sensors.radar_equation import snr_from_constant
from iadsim.world import compile_world

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"

BASE = """\
name: w
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars:
      - {equipment: 91N6E, mast_m: 12}
      - {equipment: 92N6E, mast_m: 20, revisit_s: 0.5, sector: {az_min_deg: 300, az_max_deg: 60}}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_radar_constant_reproduces_the_published_claim(catalog):
    """K = SNR_ref·R_ref⁴/σ_ref: at the published range against the reference RCS, the exact
    detection statistics give back the reference Pd (the calibration documented in each radar entry)."""
    world = compile_world(parse_scenario(BASE, "w.yaml", catalog=catalog), catalog)
    for radar in world.radars:
        ref = catalog.radar(radar.equipment).detection_reference
        snr = snr_from_constant(radar.radar_constant_m2, radar.reference_range_m, radar.reference_rcs_m2)
        pd = pd_exact(snr, ref.pfa, radar.n_pulses, ref.swerling)
        assert pd == pytest.approx(ref.pd, abs=1e-6)


def test_overrides_and_sectors(catalog):
    world = compile_world(parse_scenario(BASE, "w.yaml", catalog=catalog), catalog)
    r91, r92 = world.radars
    assert r91.mast_m == 12 and r92.mast_m == 20
    assert r92.revisit_s == 0.5
    assert r91.revisit_s == catalog.radar("91N6E").revisit_s.nominal
    assert r92.sector_width_rad == pytest.approx(math.radians(120))
    az = np.radians([0.0, 59.0, 61.0, 180.0, 299.0, 301.0])
    assert r92.in_sector(az).tolist() == [True, True, False, False, False, True]
    assert r91.in_sector(az).all()
    assert any("no public elevation limits" in n for n in world.notes)


def test_demo_site_stands_on_the_dem(catalog):
    world = compile_world(load_scenario(DEMO, catalog), catalog)
    # Mürted/Akıncı: 831 m in the GLOBE clip (sources.md, "Terrain you can install")
    assert world.sites[0].ground_alt_m == pytest.approx(831.0, abs=15.0)
    assert not world.dem_is_generated and world.dem.crs.to_epsg() == 4326


def test_dem_not_covering_the_site_is_an_error(catalog, tmp_path):
    dem = synthetic_dem((50, 50), 100.0, flat=True, center_lat_rad=math.radians(10), center_lon_rad=math.radians(10))
    write_geotiff(dem, tmp_path / "far.tif")
    text = BASE + "environment:\n  dem: far.tif\n"
    loaded = parse_scenario(text, "w.yaml", base_dir=tmp_path, catalog=catalog)
    with pytest.raises(TerrainError) as info:
        compile_world(loaded, catalog)
    assert "far.tif" in str(info.value) and "site 'S'" in str(info.value)


def test_unreadable_dem_is_named(catalog, tmp_path):
    (tmp_path / "bad.tif").write_text("not a raster")
    loaded = parse_scenario(BASE + "environment:\n  dem: bad.tif\n", "w.yaml", base_dir=tmp_path, catalog=catalog)
    with pytest.raises(TerrainError, match="bad.tif"):
        compile_world(loaded, catalog)


def test_missing_mast_height_is_asked_for(catalog):
    loaded = parse_scenario(BASE.replace(", mast_m: 12", ""), "w.yaml", catalog=catalog)
    with pytest.raises(ScenarioError, match=r"w.yaml:7:9: sites\[0\].radars\[0\].mast_m: .*give mast_m"):
        compile_world(loaded, catalog)
