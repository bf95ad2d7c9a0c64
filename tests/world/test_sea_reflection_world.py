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
        f4 = w.sea_factor4(radar, lat, lon, np.array([250e3]), np.array([10_000.0]))
        np.testing.assert_array_equal(f4, 1.0)


def test_open_sea_reflection_is_the_spherical_two_ray_with_the_sea_state(catalog):
    """Over open sea (no DEM, water) the world's factor is the spherical-earth F⁴ with the scenario's
    sea state (default 3) and lobes are still there for a low target at S band on a calm sea."""
    w = compile_world(parse_scenario(OPEN_SEA.format(extra=""), "s.yaml", catalog=catalog), catalog)
    radar = w.radars[0]
    assert w.sea_rms_height_m == pytest.approx(sea_state_rms_height_m(3))
    d = np.linspace(5e3, 30e3, 50)
    lat, lon = geodesic_forward(np.full(d.shape, radar.lat_rad), np.full(d.shape, radar.lon_rad),
                                np.zeros(d.shape), d)
    got = w.sea_factor4(radar, lat, lon, d, np.full(d.shape, 100.0))
    expected = sea_reflection_factor4(radar.antenna_alt_msl_m, 100.0, d, radar.wavelength_m,
                                      effective_earth_radius_m(w.k_factor), w.sea_rms_height_m)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    calm = compile_world(parse_scenario(OPEN_SEA.format(extra="  sea_state: 0\n"), "s.yaml", catalog=catalog),
                         catalog)
    f4 = calm.sea_factor4(radar, lat, lon, d, np.full(d.shape, 100.0))
    assert f4.max() > 8.0 and f4.min() < 0.1
    waves = compile_world(parse_scenario(OPEN_SEA.format(extra="  wave_height_m: 2.0\n"), "s.yaml",
                                         catalog=catalog), catalog)
    assert waves.sea_rms_height_m == pytest.approx(0.5)


def test_land_surface_has_no_sea_reflection(catalog):
    text = OPEN_SEA.format(extra="").replace("surface: water", "surface: land")
    w = compile_world(parse_scenario(text, "s.yaml", catalog=catalog), catalog)
    r = w.radars[0]
    assert w.sea_factor4(r, np.array([r.lat_rad + 0.1]), np.array([r.lon_rad]), np.array([11e3]),
                         np.array([100.0])) == 1.0


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
