"""Tests of iadsim.geo.frames against published values and round-trip properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.geo.frames import (
    WGS84_A_M,
    WGS84_B_M,
    WGS84_E2,
    WGS84_F,
    LocalFrame,
    aer_to_enu,
    ecef_to_geodetic,
    enu_to_aer,
    geodesic_forward,
    geodesic_inverse,
    geodetic_to_ecef,
    wrap_angle_rad,
)

TWO_PI = 2.0 * math.pi


def dms(d: float, m: float, s: float) -> float:
    sign = -1.0 if d < 0 else 1.0
    return sign * (abs(d) + m / 60.0 + s / 3600.0)


lat_st = st.floats(min_value=-math.pi / 2, max_value=math.pi / 2, allow_nan=False)
lon_st = st.floats(min_value=-math.pi, max_value=math.pi, allow_nan=False)
h_st = st.floats(min_value=-11_000.0, max_value=2_000_000.0, allow_nan=False)


def test_wgs84_constants():
    """NIMA TR8350.2 defining parameters and derived b, e² (b = 6,356,752.3142 m,
    e² = 6.69437999014e-3 as tabulated there); exact to the digits printed."""
    assert WGS84_A_M == 6_378_137.0
    assert 1.0 / WGS84_F == pytest.approx(298.257223563, rel=1e-15)
    assert WGS84_B_M == pytest.approx(6_356_752.3142, abs=1e-4)
    assert WGS84_E2 == pytest.approx(6.69437999014e-3, abs=1e-14)


def test_ecef_equator_prime_meridian_and_poles():
    """By definition of WGS84: (0, 0, 0) → (a, 0, 0); the poles lie at ±b on the Z axis;
    (0, 90°E, h) → (0, a + h, 0). Tolerance 1 µm (floating point)."""
    x, y, z = geodetic_to_ecef(0.0, 0.0, 0.0)
    assert (x, y, z) == pytest.approx((WGS84_A_M, 0.0, 0.0), abs=1e-6)
    x, y, z = geodetic_to_ecef(math.pi / 2, 0.3, 0.0)
    assert (x, y, z) == pytest.approx((0.0, 0.0, WGS84_B_M), abs=1e-6)
    x, y, z = geodetic_to_ecef(-math.pi / 2, 0.0, 100.0)
    assert (x, y, z) == pytest.approx((0.0, 0.0, -WGS84_B_M - 100.0), abs=1e-6)
    x, y, z = geodetic_to_ecef(0.0, math.pi / 2, 1000.0)
    assert (x, y, z) == pytest.approx((0.0, WGS84_A_M + 1000.0, 0.0), abs=1e-6)


def test_ecef_published_examples():
    """Published geodetic→ECEF examples.

    1. MATLAB Mapping Toolbox ``geodetic2ecef`` documentation, Paris: (48.8562°, 2.3508°,
       0.0674 km) → x = 4.2010e3 km, y = 172.4603 km, z = 4.7801e3 km (tolerance half the last
       printed digit: 50 m on x and z, 0.05 m on y).
    2. npm ``geodetic-to-ecef`` README, Oakland: (37.8043722°, −122.2708026°, 0) →
       (−2694044.4111565403, −4266368.805493665, 3888310.602276871) m (tolerance 1 mm).
    """
    x, y, z = geodetic_to_ecef(math.radians(48.8562), math.radians(2.3508), 67.4)
    assert x == pytest.approx(4.2010e6, abs=50.0)
    assert y == pytest.approx(172_460.3, abs=0.05)
    assert z == pytest.approx(4.7801e6, abs=50.0)

    x, y, z = geodetic_to_ecef(math.radians(37.8043722), math.radians(-122.2708026), 0.0)
    assert x == pytest.approx(-2694044.4111565403, abs=1e-3)
    assert y == pytest.approx(-4266368.805493665, abs=1e-3)
    assert z == pytest.approx(3888310.602276871, abs=1e-3)


def test_ecef_to_geodetic_published_paris():
    """MATLAB ``ecef2geodetic`` documentation, Paris: (4201, 172.46, 4780.1) km →
    lat 48.8562°, lon 2.3508°, h 0.0674 km (tolerance half the last printed digit)."""
    lat, lon, h = ecef_to_geodetic(4_201_000.0, 172_460.0, 4_780_100.0)
    assert math.degrees(lat) == pytest.approx(48.8562, abs=5e-5)
    assert math.degrees(lon) == pytest.approx(2.3508, abs=5e-5)
    assert h == pytest.approx(67.4, abs=0.05)


@settings(max_examples=200, deadline=None)
@given(lat_st, lon_st, h_st)
def test_geodetic_ecef_round_trip_sub_mm(lat, lon, h):
    """Property: geodetic → ECEF → geodetic returns the point within 0.1 mm anywhere on the
    globe from −11 km to 2,000 km ellipsoidal height (longitude compared as a position, since
    it is undefined at the poles)."""
    x, y, z = geodetic_to_ecef(lat, lon, h)
    lat2, lon2, h2 = ecef_to_geodetic(x, y, z)
    x2, y2, z2 = geodetic_to_ecef(lat2, lon2, h2)
    assert math.dist((x, y, z), (x2, y2, z2)) < 1e-4
    assert h2 == pytest.approx(h, abs=1e-4)
    assert abs(lat2 - lat) * WGS84_A_M < 1e-4


def test_round_trip_vectorised_and_high_altitude():
    """Arrays of any shape; includes heights up to GEO (where PROJ's closed form alone errs by
    metres) and the poles; tolerance 1 µm."""
    rng = np.random.default_rng(7)
    shape = (4, 250)
    lat = rng.uniform(-math.pi / 2, math.pi / 2, shape)
    lat[0, :2] = [math.pi / 2, -math.pi / 2]
    lon = rng.uniform(-math.pi, math.pi, shape)
    h = rng.uniform(-500.0, 4.0e7, shape)
    x, y, z = geodetic_to_ecef(lat, lon, h)
    assert x.shape == shape
    lat2, lon2, h2 = ecef_to_geodetic(x, y, z)
    x2, y2, z2 = geodetic_to_ecef(lat2, lon2, h2)
    assert np.max(np.sqrt((x - x2) ** 2 + (y - y2) ** 2 + (z - z2) ** 2)) < 1e-6
    assert np.max(np.abs(h2 - h)) < 1e-6


def test_broadcasting_scalar_with_array():
    x, y, z = geodetic_to_ecef(0.5, np.array([0.0, 0.1, 0.2]), 0.0)
    assert x.shape == y.shape == z.shape == (3,)


def test_enu_straight_up_is_zero_zero_h():
    """A point h metres above the origin along the ellipsoid normal is (0, 0, h) in ENU
    (definition of the frame); tolerance 1 µm."""
    frame = LocalFrame.from_degrees(39.93, 32.86, 938.0)
    for dh in (0.0, 1.0, 1234.5, 1.0e5):
        e, n, u = frame.geodetic_to_enu(frame.lat0_rad, frame.lon0_rad, frame.h0_m + dh)
        assert (e, n, u) == pytest.approx((0.0, 0.0, dh), abs=1e-6)


def test_enu_axes_point_east_and_north():
    """A point slightly east (north) of the origin has e > 0, n ≈ 0 (n > 0, e ≈ 0)."""
    frame = LocalFrame(math.radians(45.0), math.radians(10.0), 0.0)
    e, n, _u = frame.geodetic_to_enu(frame.lat0_rad, frame.lon0_rad + 1e-5, 0.0)
    assert e > 0 and abs(n) < 1e-3
    e, n, _u = frame.geodetic_to_enu(frame.lat0_rad + 1e-5, frame.lon0_rad, 0.0)
    assert n > 0 and abs(e) < 1e-9


def test_enu_rotation_is_orthonormal():
    frame = LocalFrame(0.7, -1.2, 300.0)
    r = frame.rotation_ecef_to_enu
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-15)
    assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(ValueError):
        r[0, 0] = 1.0  # read-only


@settings(max_examples=100, deadline=None)
@given(
    lat_st,
    lon_st,
    st.floats(-50_000.0, 50_000.0),
    st.floats(-50_000.0, 50_000.0),
    st.floats(-1_000.0, 30_000.0),
)
def test_enu_geodetic_round_trip(lat0, lon0, e, n, u):
    """Property: ENU → geodetic → ENU within 0.1 mm for points within 50 km of any origin."""
    frame = LocalFrame(lat0, lon0, 100.0)
    lat, lon, h = frame.enu_to_geodetic(e, n, u)
    e2, n2, u2 = frame.geodetic_to_enu(lat, lon, h)
    assert (e2, n2, u2) == pytest.approx((e, n, u), abs=1e-4)


def test_ecef_enu_round_trip_arrays():
    frame = LocalFrame.from_degrees(-33.9, 18.4, 10.0)
    rng = np.random.default_rng(3)
    e, n, u = (rng.normal(0, 1e5, (3, 7)) for _ in range(3))
    x, y, z = frame.enu_to_ecef(e, n, u)
    e2, n2, u2 = frame.ecef_to_enu(x, y, z)
    np.testing.assert_allclose(e2, e, atol=1e-8)
    np.testing.assert_allclose(n2, n, atol=1e-8)
    np.testing.assert_allclose(u2, u, atol=1e-8)


def test_local_frame_is_frozen_and_hashable():
    frame = LocalFrame(0.1, 0.2, 3.0)
    with pytest.raises(AttributeError):
        frame.lat0_rad = 0.3  # type: ignore[misc]
    assert frame == LocalFrame(0.1, 0.2, 3.0)
    assert hash(frame) == hash(LocalFrame(0.1, 0.2, 3.0))


def test_aer_cardinal_directions():
    """Azimuth clockwise from north in [0, 2π): N = 0, E = π/2, S = π, W = 3π/2."""
    az, el, r = enu_to_aer([0.0, 1.0, 0.0, -1.0], [1.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(az, [0.0, math.pi / 2, math.pi, 1.5 * math.pi], atol=1e-15)
    np.testing.assert_allclose(el, 0.0, atol=1e-15)
    np.testing.assert_allclose(r, 1.0)
    az, el, r = enu_to_aer(0.0, 0.0, 5.0)
    assert el == pytest.approx(math.pi / 2) and r == pytest.approx(5.0)
    az, _el, _r = enu_to_aer(-1e-300, 1.0, 0.0)  # tiny negative east: 0, not 2π
    assert 0.0 <= az < TWO_PI


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.0, TWO_PI, exclude_max=True),
    st.floats(-math.pi / 2 + 1e-6, math.pi / 2 - 1e-6),
    st.floats(1.0, 1e7),
)
def test_aer_round_trip(az, el, rng_m):
    """Property: AER → ENU → AER (azimuth compared on the circle)."""
    e, n, u = aer_to_enu(az, el, rng_m)
    az2, el2, r2 = enu_to_aer(e, n, u)
    assert 0.0 <= az2 < TWO_PI
    assert abs(wrap_angle_rad(az2 - az)) * math.cos(el) < 1e-9
    assert el2 == pytest.approx(el, abs=1e-9)
    assert r2 == pytest.approx(rng_m, rel=1e-12)


def test_wrap_angle():
    """(−π, π]: π stays π, −π becomes π, 3π becomes π, −3π/2 becomes π/2."""
    out = wrap_angle_rad(np.array([0.0, math.pi, -math.pi, 3 * math.pi, -1.5 * math.pi, 7.0]))
    np.testing.assert_allclose(out, [0.0, math.pi, math.pi, math.pi, 0.5 * math.pi, 7.0 - TWO_PI])
    assert np.all(out > -math.pi) and np.all(out <= math.pi)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e4, 1e4))
def test_wrap_angle_property(a):
    w = wrap_angle_rad(a)
    assert -math.pi < w <= math.pi
    k = (a - w) / TWO_PI
    assert k == pytest.approx(round(k), abs=1e-9)


def test_geodesic_flinders_peak_buninyong():
    """Vincenty (1975), *Survey Review* 23(176), reproduced by Geoscience Australia:
    Flinders Peak (−37°57′03.72030″, 144°25′29.52440″) to Buninyong (−37°39′10.15610″,
    143°55′35.38390″): s = 54,972.271 m, α12 = 306°52′05.37″. Published on the GRS80
    ellipsoid; WGS84 differs from GRS80 only in f (b differs by 0.1 mm), which changes this
    distance by under 0.01 mm. Tolerance 1 mm (the published rounding) and 0.01″."""
    lat1, lon1 = math.radians(dms(-37, 57, 3.72030)), math.radians(dms(144, 25, 29.52440))
    lat2, lon2 = math.radians(dms(-37, 39, 10.15610)), math.radians(dms(143, 55, 35.38390))
    dist, az12 = geodesic_inverse(lat1, lon1, lat2, lon2)
    assert dist == pytest.approx(54_972.271, abs=1e-3)
    assert math.degrees(az12) == pytest.approx(dms(306, 52, 5.37), abs=0.01 / 3600)
    # Forward problem: from Flinders Peak along α12 for s lands on Buninyong (within 1 mm).
    lat_b, lon_b = geodesic_forward(lat1, lon1, az12, dist)
    assert abs(lat_b - lat2) * WGS84_A_M < 1e-3
    assert abs(lon_b - lon2) * WGS84_A_M * math.cos(lat2) < 1e-3


def test_geodesic_equator_quarter():
    """Along the equator the geodesic is the equator (for less than (1 − f)π of longitude):
    90° of longitude is a·π/2 = 10,018,754.171 m, azimuth 90°."""
    dist, az = geodesic_inverse(0.0, 0.0, 0.0, math.pi / 2)
    assert dist == pytest.approx(WGS84_A_M * math.pi / 2, abs=1e-6)
    assert az == pytest.approx(math.pi / 2, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(-1.5, 1.5),
    lon_st,
    st.floats(0.0, TWO_PI, exclude_max=True),
    st.floats(1.0, 5.0e6),
)
def test_geodesic_forward_inverse_round_trip(lat, lon, az, dist):
    """Property: forward then inverse recovers distance (1 µm) and azimuth."""
    lat2, lon2 = geodesic_forward(lat, lon, az, dist)
    d2, az2 = geodesic_inverse(lat, lon, lat2, lon2)
    assert d2 == pytest.approx(dist, abs=1e-6)
    assert 0.0 <= az2 < TWO_PI
    assert abs(wrap_angle_rad(az2 - az)) < 1e-8


def test_geodesic_vectorised_broadcasting():
    lat2 = np.array([[0.1, 0.2], [0.3, 0.4]])
    dist, az = geodesic_inverse(0.0, 0.0, lat2, 0.0)
    assert dist.shape == az.shape == (2, 2)
    np.testing.assert_allclose(az, 0.0, atol=1e-12)
    lat_e, lon_e = geodesic_forward(0.0, 0.0, np.zeros(3), np.array([1e3, 2e3, 3e3]))
    assert lat_e.shape == (3,) and np.all(np.diff(lat_e) > 0)
