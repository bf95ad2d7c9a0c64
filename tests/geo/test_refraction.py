"""Tests of iadsim.geo.refraction against published rules and geometric identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.errors import IadsimError
from iadsim.geo.refraction import (
    EARTH_RADIUS_M,
    curvature_drop_m,
    effective_earth_radius_m,
    ground_range_m,
    radar_horizon_m,
    slant_range_elevation,
    smooth_earth_lowest_visible_height_m,
    target_height_m,
)

FT_M = 0.3048
NMI_M = 1852.0


def test_effective_radius():
    """4/3 of the IUGG mean radius 6,371,008.8 m."""
    assert effective_earth_radius_m() == pytest.approx(4.0 / 3.0 * 6_371_008.8, rel=1e-15)
    assert effective_earth_radius_m(1.0) == EARTH_RADIUS_M


@pytest.mark.parametrize("h_r, h_t", [(1.0, 0.0), (10.0, 30.0), (25.0, 500.0), (100.0, 10_000.0)])
def test_four_thirds_rule_4_12_km(h_r, h_t):
    """The 4/3-earth rule d ≈ 4.12 (√h_r + √h_t) km, h in metres (Skolnik, *Introduction to
    Radar Systems*, 3rd ed., ch. 8), within 0.5 % (the rule's constant is rounded to 3 digits:
    √(2 · 4/3 · 6,371.0088 km) = 4.1218)."""
    d_km = radar_horizon_m(h_r, h_t) / 1000.0
    assert d_km == pytest.approx(4.12 * (math.sqrt(h_r) + math.sqrt(h_t)), rel=5e-3)


def test_fs1037c_radio_horizon_nmi_feet():
    """Federal Standard 1037C, "radio horizon range": R = 1.23 (√h_t + √h_r) nmi with the
    heights in feet, for the 4/3 effective earth (ATIS Telecom Glossary reproduces it);
    within 0.5 % (3-digit constant)."""
    h_t_ft, h_r_ft = 100.0, 10_000.0
    d_nmi = radar_horizon_m(h_r_ft * FT_M, h_t_ft * FT_M) / NMI_M
    assert d_nmi == pytest.approx(1.23 * (math.sqrt(h_t_ft) + math.sqrt(h_r_ft)), rel=5e-3)


def test_skolnik_example_figures():
    """A radar 10 m above a smooth sea sees a surface target to ≈ 13 km, and a target at 30 m
    to ≈ 35.6 km (the 4.12 km·m^-½ rule: 13.03 and 35.59 km; Skolnik ch. 8). Tolerance 0.5 %."""
    assert radar_horizon_m(10.0) == pytest.approx(13_000.0, rel=5e-3)
    assert radar_horizon_m(10.0, 30.0) == pytest.approx(35_600.0, rel=5e-3)


def test_horizon_forms_agree_and_order():
    """The tangent-line ('slant') length exceeds the √(2ah) approximation by a factor
    √(1 + h/2a); the arc ('ground') is shorter than the tangent. All within h/a_e."""
    h = np.array([10.0, 1000.0, 20_000.0])
    approx = radar_horizon_m(h)
    slant = radar_horizon_m(h, form="slant")
    ground = radar_horizon_m(h, form="ground")
    a_e = effective_earth_radius_m()
    np.testing.assert_allclose(slant, approx * np.sqrt(1 + h / (2 * a_e)), rtol=1e-12)
    assert np.all(ground < slant)
    np.testing.assert_allclose(ground, approx, rtol=float(np.max(h)) / a_e)


def test_horizon_ground_form_matches_geometry():
    """At the horizon the ray is tangent to the effective sphere: a target on the surface at
    ground range d_ground is seen at slant range d_slant, and the slant→ground mapping of the
    geometry functions reproduces the arc length (1 µm)."""
    h_r = 500.0
    d_ground = radar_horizon_m(h_r, form="ground")
    d_slant = radar_horizon_m(h_r, form="slant")
    slant, el = slant_range_elevation(d_ground, h_r, 0.0)
    assert slant == pytest.approx(d_slant, abs=1e-6)
    assert ground_range_m(slant, el, h_r) == pytest.approx(d_ground, abs=1e-6)
    # the tangent ray's depression angle: cos(θ) = a_e/(a_e + h_r)
    a_e = effective_earth_radius_m()
    assert -el == pytest.approx(math.acos(a_e / (a_e + h_r)), rel=1e-9)


def test_curvature_drop():
    """d²/(2 k R): 5.886 m at 10 km for k = 4/3; scales as d²; inverse in k."""
    assert curvature_drop_m(10_000.0) == pytest.approx(1e8 / (2 * 4 / 3 * EARTH_RADIUS_M))
    assert curvature_drop_m(20_000.0) == pytest.approx(4 * curvature_drop_m(10_000.0))
    assert curvature_drop_m(10_000.0, k_factor=1.0) == pytest.approx(
        4 / 3 * curvature_drop_m(10_000.0)
    )


@pytest.mark.parametrize("rng_m", [1_000.0, 20_000.0, 100_000.0])
def test_zero_elevation_height_rises_as_curvature_drop(rng_m):
    """A ray leaving horizontally reaches h_r + R²/(2 a_e) at slant range R (parabolic earth),
    to relative accuracy ~R²/a_e² (1e-3 tolerance on the rise)."""
    h_r = 15.0
    rise = target_height_m(rng_m, 0.0, h_r) - h_r
    ground = ground_range_m(rng_m, 0.0, h_r)
    assert rise == pytest.approx(curvature_drop_m(rng_m), rel=1e-3)
    assert rise == pytest.approx(curvature_drop_m(ground), rel=1e-3)


def test_straight_up_and_short_range():
    """At 90° elevation the height is h_r + R and the ground range 0; at 1 m range the height
    changes by R sinθ + R² cos²θ/(2 a_e') (series of the exact form; no cancellation at short
    range, so it holds to 1e-13 m)."""
    assert target_height_m(5_000.0, math.pi / 2, 20.0) == pytest.approx(5_020.0, abs=1e-9)
    assert ground_range_m(5_000.0, math.pi / 2, 20.0) == pytest.approx(0.0, abs=1e-9)
    a1 = effective_earth_radius_m() + 7.0
    expected = math.sin(0.3) + math.cos(0.3) ** 2 / (2 * a1)
    assert target_height_m(1.0, 0.3, 7.0) - 7.0 == pytest.approx(expected, abs=1e-13)


def test_flat_earth_limit():
    """k → ∞ is a flat earth: h = h_r + R sinθ, G = R cosθ."""
    r, el, h_r = 30_000.0, 0.05, 10.0
    assert target_height_m(r, el, h_r, k_factor=1e9) == pytest.approx(
        h_r + r * math.sin(el), abs=1e-3
    )
    assert ground_range_m(r, el, h_r, k_factor=1e9) == pytest.approx(r * math.cos(el), rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1.0, 600_000.0),
    st.floats(-0.05, 1.5),
    st.floats(0.0, 3_000.0),
    st.sampled_from([1.0, 4.0 / 3.0, 2.0]),
)
def test_geometry_round_trip(slant, el, h_r, k):
    """Property: (R, θ) → (G, h_t) → (R, θ) on the effective sphere, 1 mm / 1e-9 rad."""
    h_t = target_height_m(slant, el, h_r, k)
    g = ground_range_m(slant, el, h_r, k)
    slant2, el2 = slant_range_elevation(g, h_r, h_t, k)
    assert slant2 == pytest.approx(slant, abs=1e-3)
    assert el2 == pytest.approx(el, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0.0, 500_000.0),
    st.floats(0.0, 3_000.0),
    st.floats(0.0, 30_000.0),
)
def test_geometry_inverse_round_trip(g, h_r, h_t):
    """Property: (G, h_t) → (R, θ) → (G, h_t), 1 mm."""
    slant, el = slant_range_elevation(g, h_r, h_t)
    assert ground_range_m(slant, el, h_r) == pytest.approx(g, abs=1e-3)
    assert target_height_m(slant, el, h_r) == pytest.approx(h_t, abs=1e-3)


def test_lowest_visible_height_smooth_earth():
    """Zero up to the radar's horizon; beyond it the tangent ray, so that the horizon rule
    holds in reverse: a target at height h_t is just visible at the 'ground' horizon distance
    of (h_r, h_t) (1 mm); near the horizon it grows as the curvature drop (1e-3 rel)."""
    h_r = 30.0
    d_h = radar_horizon_m(h_r, form="ground")
    g = np.array([0.0, 0.5 * d_h, d_h])
    np.testing.assert_allclose(smooth_earth_lowest_visible_height_m(g, h_r), 0.0, atol=1e-9)
    for h_t in (10.0, 1000.0, 12_000.0):
        d = radar_horizon_m(h_r, h_t, form="ground")
        assert smooth_earth_lowest_visible_height_m(d, h_r) == pytest.approx(h_t, abs=1e-3)
    extra = 5_000.0
    assert smooth_earth_lowest_visible_height_m(d_h + extra, h_r) == pytest.approx(
        curvature_drop_m(extra), rel=1e-3
    )


def test_vectorised_broadcasting():
    g = np.linspace(1e3, 2e5, 50)[:, None]
    h_t = np.array([100.0, 1_000.0, 10_000.0])[None, :]
    slant, el = slant_range_elevation(g, 30.0, h_t)
    assert slant.shape == el.shape == (50, 3)
    # higher targets at the same ground range are seen higher
    assert np.all(np.diff(el, axis=1) > 0)


def test_bad_inputs_raise_iadsim_errors():
    with pytest.raises(IadsimError):
        effective_earth_radius_m(0.0)
    with pytest.raises(IadsimError):
        radar_horizon_m(-1.0)
    with pytest.raises(IadsimError):
        radar_horizon_m(10.0, form="exact")  # type: ignore[arg-type]
