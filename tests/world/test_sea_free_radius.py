"""World.sea_free_radius_m: the distance from a radar within which the sea-reflection test always
finds land, used to skip that test exactly (the factor is 1 there)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.geo.frames import geodesic_forward
from iadsim.geo.refraction import effective_earth_radius_m
from iadsim.scenario import load_scenario
from iadsim.sensors.propagation import specular_point_m
from iadsim.world import compile_world

DEMO = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019" / "scenario.yaml"


@pytest.fixture(scope="module")
def demo_world():
    catalog = load_catalog()
    return compile_world(load_scenario(DEMO, catalog=catalog), catalog)


def test_every_point_within_the_radius_is_land_inside_the_dem(demo_world):
    """20 000 random points (all azimuths, 0 to the radius) around each demo radar are on land for
    the sea test (`_sea_at_xy` False); the radius is positive (Mürted is inland) and shorter than
    the Black Sea coast, which lies within 1.5 × the radius to the north (so the bound is not vacuous)."""
    w = demo_world
    rng = np.random.default_rng(12)
    for radar in w.radars:
        radius = w.sea_free_radius_m(radar)
        assert 50e3 < radius < 250e3
        az = rng.uniform(0, 2 * math.pi, 20_000)
        d = radius * np.sqrt(rng.uniform(0, 1, az.size))
        d[:200] = radius  # the rim itself
        lat, lon = geodesic_forward(np.full(az.size, radar.lat_rad), np.full(az.size, radar.lon_rad), az, d)
        x, y = w.dem.latlon_to_xy(lat, lon)
        assert not w._sea_at_xy(np.asarray(x), np.asarray(y)).any()
        far = np.linspace(radius, 1.5 * radius, 400)
        lat, lon = geodesic_forward(np.full(far.size, radar.lat_rad), np.full(far.size, radar.lon_rad),
                                    np.zeros(far.size), far)
        x, y = w.dem.latlon_to_xy(lat, lon)
        assert w._sea_at_xy(np.asarray(x), np.asarray(y)).any()


def coastal(world):
    """The demo world with every DEM cell north of 40.9° N at sea level (a coast ~90 km north of Mürted)."""
    dem = world.dem
    rows, cols = np.indices(dem.shape)
    lat, _ = dem.xy_to_latlon(*dem.xy(rows, cols))
    height = np.where(np.degrees(lat) > 40.9, 0.0, np.maximum(dem.height_m, 1.0)).astype(dem.height_m.dtype)
    return dataclasses.replace(world, dem=dataclasses.replace(dem, height_m=height))


@pytest.mark.parametrize("variant", ["demo", "coastal"])
def test_sea_factor_with_the_radius_equals_the_full_test(demo_world, variant):
    """The sea factor of targets at 1–450 km in every direction, 10 m to 12 km high, is bit for bit
    the one computed with the full sea test everywhere (radius forced to −∞), and both paths occur.
    In the demo the specular point never lies on sea (F⁴ = 1); with a coast 90 km north some
    targets get a sea lobe (F⁴ ≠ 1)."""
    w = demo_world if variant == "demo" else coastal(demo_world)
    rng = np.random.default_rng(3)
    n = 20_000
    gr = rng.uniform(1e3, 450e3, n)
    az = rng.uniform(0, 2 * math.pi, n)
    alt = np.exp(rng.uniform(np.log(10.0), np.log(12_000.0), n))
    a_e = effective_earth_radius_m(w.k_factor)
    for radar in w.radars:
        fast = w.sea_factor4(radar, ground_range_m=gr, az_rad=az, alt_msl_m=alt)
        radius = w.sea_free_radius_m(radar)
        w.__dict__["_sea_free_radius"][radar.index] = -math.inf
        try:
            full = w.sea_factor4(radar, ground_range_m=gr, az_rad=az, alt_msl_m=alt)
        finally:
            w.__dict__["_sea_free_radius"][radar.index] = radius
        np.testing.assert_array_equal(fast, full)
        d1 = specular_point_m(radar.antenna_alt_msl_m, alt, gr, a_e)
        assert (d1 <= radius).any() and (d1 > radius).any()
        assert (full != 1.0).any() == (variant == "coastal")
        if variant == "coastal":
            assert 40e3 < radius < 90e3
