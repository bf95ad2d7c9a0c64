"""World.sea_factor4: the sea reflection where the specular point is (one source of truth for
coverage and point sensing), and the scenario's sea state."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import IadsimError
from iadsim.geo.frames import geodesic_forward
from iadsim.geo.refraction import effective_earth_radius_m
from iadsim.scenario import load_scenario, parse_scenario
from iadsim.sensors.propagation import sea_reflection_factor4, sea_state_rms_height_m
from iadsim.world import compile_world

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"

OPEN_SEA = """\
name: open sea
environment:
  surface: water
{extra}sites:
  - name: S
    lat_deg: 56.0
    lon_deg: 18.0
    ground_alt_m: 0
    radars:
      - {{equipment: 91N6E, mast_m: 25}}
coverage:
  max_range_km: 200
  cell_m: 2000
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def demo_world(catalog):
    return compile_world(load_scenario(DEMO, catalog=catalog), catalog)


def test_no_sea_lobe_from_a_specular_point_on_land(demo_world):
    """Demo, Mürted's radars and a 10 km target over the Black Sea 250 km north: the specular
    point is ~26 km from the radar, on the Anatolian plateau, so there is no reflected ray (F⁴ = 1),
    whereas the target's own cell is at sea level (the old rule applied F⁴ there)."""
    w = demo_world
    for radar in w.radars:
        lat, lon = geodesic_forward(np.array([radar.lat_rad]), np.array([radar.lon_rad]), np.array([0.0]),
                                    np.array([250e3]))
        assert w.dem.sample_height_m(lat, lon)[0] <= 0.5  # the target is over the sea
        f4 = w.sea_factor4(radar, ground_range_m=np.array([250e3]), az_rad=np.array([0.0]),
                           alt_msl_m=np.array([10_000.0]))
        np.testing.assert_array_equal(f4, 1.0)
        x, y = w.dem.latlon_to_xy(lat, lon)
        np.testing.assert_array_equal(w.sea_factor4_xy(radar, x=x, y=y, ground_range_m=np.array([250e3]),
                                                       alt_msl_m=np.array([10_000.0])), 1.0)


def test_open_sea_reflection_is_the_spherical_two_ray_with_the_sea_state(catalog):
    """Over open sea (no DEM, water) the world's factor is the spherical-earth F⁴ with the scenario's
    sea state (default 3) and lobes are still there for a low target at S band on a calm sea."""
    w = compile_world(parse_scenario(OPEN_SEA.format(extra=""), "s.yaml", catalog=catalog), catalog)
    radar = w.radars[0]
    assert w.sea_rms_height_m == pytest.approx(sea_state_rms_height_m(3))
    d = np.linspace(5e3, 30e3, 50)
    lat, lon = geodesic_forward(np.full(d.shape, radar.lat_rad), np.full(d.shape, radar.lon_rad),
                                np.zeros(d.shape), d)
    got = w.sea_factor4(radar, ground_range_m=d, az_rad=np.zeros(d.shape), alt_msl_m=np.full(d.shape, 100.0))
    expected = sea_reflection_factor4(radar.antenna_alt_msl_m, 100.0, d, radar.wavelength_m,
                                      effective_earth_radius_m(w.k_factor), w.sea_rms_height_m)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    calm = compile_world(parse_scenario(OPEN_SEA.format(extra="  sea_state: 0\n"), "s.yaml", catalog=catalog),
                         catalog)
    f4 = calm.sea_factor4(radar, ground_range_m=d, az_rad=np.zeros(d.shape), alt_msl_m=np.full(d.shape, 100.0))
    assert f4.max() > 8.0 and f4.min() < 0.1
    waves = compile_world(parse_scenario(OPEN_SEA.format(extra="  wave_height_m: 2.0\n"), "s.yaml",
                                         catalog=catalog), catalog)
    assert waves.sea_rms_height_m == pytest.approx(0.5)


def test_land_surface_has_no_sea_reflection(catalog):
    text = OPEN_SEA.format(extra="").replace("surface: water", "surface: land")
    w = compile_world(parse_scenario(text, "s.yaml", catalog=catalog), catalog)
    r = w.radars[0]
    assert w.sea_factor4(r, ground_range_m=np.array([11e3]), az_rad=np.array([0.0]),
                         alt_msl_m=np.array([100.0])) == 1.0
    with pytest.raises(TypeError):  # the old positional form (ground, range, altitude) must not bind silently
        w.sea_factor4(r, np.array([0.0]), np.array([11e3]), np.array([100.0]))


def test_the_demo_radars_never_see_a_reflection_off_the_black_sea(demo_world):
    """From Mürted (antenna ~900 m above sea level) a specular point needs h1' = h1 − d1²/(2 a_e) > 0,
    i.e. d1 < √(2 a_e h1) ≈ 125 km, but the Black Sea coast is ~200 km north: no target anywhere
    gets a sea reflection (the old rule gave every target over the sea one)."""
    w = demo_world
    rng = np.random.default_rng(3)
    n = 4000
    for radar in w.radars:
        az = rng.uniform(-0.6, 0.6, n)
        gr = rng.uniform(150e3, 400e3, n)
        alt = rng.choice([30.0, 300.0, 3000.0, 10_000.0], n)
        np.testing.assert_array_equal(w.sea_factor4(radar, ground_range_m=gr, az_rad=az, alt_msl_m=alt), 1.0)


def test_range_azimuth_and_grid_paths_agree_on_a_coast(catalog, tmp_path):
    """One model, two ways to name the target: by ground range and azimuth (point sensing, fire
    control) and by DEM grid position (coverage). A radar on a straight coast (land south, sea
    north): both paths classify the specular point alike except within about a cell of the shore
    (≥ 97 % of samples) and give the same F⁴ where they agree; reflections happen only to the north."""
    from iadsim.geo.dem import synthetic_dem, write_geotiff

    lat0, lon0 = math.radians(44.0), math.radians(34.0)
    dem = synthetic_dem((301, 301), 1000.0, flat=True, base_height_m=0.0, center_lat_rad=lat0,
                        center_lon_rad=lon0)
    h = dem.height_m.copy()
    h[151:, :] = 50.0  # the southern half is land; row 150 (the site's) and north is sea level
    path = write_geotiff(type(dem)(height_m=h, transform=dem.transform, crs=dem.crs, source="coast"),
                         tmp_path / "coast.tif")
    text = OPEN_SEA.format(extra=f"  dem: {path.name}\n  sea_state: 1\n").replace("lat_deg: 56.0", "lat_deg: 44.0")
    text = text.replace("lon_deg: 18.0", "lon_deg: 34.0")
    w = compile_world(parse_scenario(text, "s.yaml", base_dir=tmp_path, catalog=catalog), catalog)
    radar = w.radars[0]
    rng = np.random.default_rng(3)
    n = 4000
    az = rng.uniform(0.0, 2 * math.pi, n)
    gr = rng.uniform(5e3, 120e3, n)
    alt = rng.choice([30.0, 300.0, 3000.0], n)
    lat, lon = geodesic_forward(np.full(n, radar.lat_rad), np.full(n, radar.lon_rad), az, gr)
    x, y = w.dem.latlon_to_xy(lat, lon)
    a = w.sea_factor4(radar, ground_range_m=gr, az_rad=az, alt_msl_m=alt)
    b = w.sea_factor4_xy(radar, x=x, y=y, ground_range_m=gr, alt_msl_m=alt)
    same = np.isclose(a, b, rtol=1e-9)
    assert same.mean() >= 0.97, same.mean()
    north = np.cos(az) > 0.2
    south_low = (np.cos(az) < -0.2) & (alt == 30.0)  # specular point ~ half-way, well onto the land
    assert (a[north] != 1.0).mean() > 0.5
    assert south_low.sum() > 100 and np.all(a[south_low] == 1.0)


@pytest.mark.parametrize(("extra", "field", "expect"), [
    ("  sea_state: 12\n", "environment.sea_state", "less than or equal to 9"),
    ("  sea_state: -1\n", "environment.sea_state", "greater than or equal to 0"),
    ("  sea_state: 2.5\n", "environment.sea_state", "integer"),
    ("  wave_height_m: -1\n", "environment.wave_height_m", "greater than or equal to 0"),
    ("  wave_height_m: 45\n", "environment.wave_height_m", "less than or equal to 30"),
])
def test_sea_state_out_of_range_is_a_located_error(catalog, extra, field, expect):
    with pytest.raises(IadsimError) as err:
        parse_scenario(OPEN_SEA.format(extra=extra), "s.yaml", catalog=catalog)
    msg = str(err.value)
    assert "\n" not in msg
    assert re.match(rf"s\.yaml:4:\d+: {re.escape(field)}: ", msg), msg
    assert expect in msg
