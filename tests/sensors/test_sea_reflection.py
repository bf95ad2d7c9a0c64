"""Tests of the spherical-earth sea reflection in iadsim.sensors.propagation.

Sources: the specular point on a sphere from Kerr's cubic (Kerr, *Propagation of Short Radio
Waves*, 1951, §2.6; Blake, *Radar Range-Performance Analysis*, 1986, ch. 6; ITU-R P.530 §6.1.1),
checked against its flat-earth limit d1 = d h1/(h1 + h2) and against the exact law of reflection
on the sphere (equal angles: the reflected path is stationary, Fermat's principle; Miller & Vegh,
"Exact result for the grazing angle of specular reflection from a sphere", NRL Memorandum
Report 6867, 1991 / *SIAM Review* 35, 1993); Ament's roughness factor (Ament, *Proc. IRE* 41,
1953); the sea-state table of WMO code 3700 (WMO-No. 306) with σ_h = H_1/3 / 4 (Longuet-Higgins
1952); the mean of F⁴ over uniformly distributed phase, 1 + 4r² + r⁴ (Blake 1986, ch. 6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.errors import IadsimError
from iadsim.geo.refraction import effective_earth_radius_m, radar_horizon_m
from iadsim.sensors.propagation import (
    SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M,
    sea_reflection_factor4,
    sea_state_rms_height_m,
    specular_point_m,
    spherical_two_ray_terms,
    two_ray_propagation_factor,
)

A_E = effective_earth_radius_m(4.0 / 3.0)


def exact_specular_m(h1: float, h2: float, d: float, a_e: float = A_E) -> float:
    """The specular point by Fermat's principle: the point S on the sphere that minimises
    |A S| + |S B| (exact geometry, no small-angle approximation), refined to < 1 mm."""
    th = d / a_e
    a = np.array([0.0, a_e + h1])
    b = (a_e + h2) * np.array([math.sin(th), math.cos(th)])
    lo, hi = 0.0, th
    for _ in range(6):
        x = np.linspace(lo, hi, 2001)
        s = a_e * np.stack([np.sin(x), np.cos(x)], -1)
        length = np.linalg.norm(s - a, axis=1) + np.linalg.norm(s - b, axis=1)
        i = int(np.argmin(length))
        lo, hi = x[max(i - 2, 0)], x[min(i + 2, x.size - 1)]
    return float(a_e * 0.5 * (lo + hi))


def test_specular_point_flat_earth_limit():
    """a_e → ∞: d1 = d h1/(h1 + h2), the flat-earth mirror image point (to 1e-6 relative)."""
    h1, h2 = np.array([10.0, 25.0, 900.0]), np.array([1000.0, 30.0, 10_000.0])
    d = np.array([30e3, 20e3, 250e3])
    expected = d * h1 / (h1 + h2)
    np.testing.assert_allclose(specular_point_m(h1, h2, d, math.inf), expected, rtol=1e-12)
    np.testing.assert_allclose(specular_point_m(h1, h2, d, 1e15), expected, rtol=1e-6)


@pytest.mark.parametrize(("h1", "h2", "d"), [
    (875.0, 10_000.0, 250e3),  # Mürted's 92N6E and a fighter at 250 km: the point is ~26 km out, not 20
    (25.0, 10_000.0, 78e3),
    (25.0, 30.0, 30e3),
    (100.0, 5_000.0, 150e3),
    (25.0, 10_000.0, 300e3),
])
def test_specular_point_obeys_the_exact_law_of_reflection(h1, h2, d):
    """Kerr's cubic (small-angle) against the exact specular point on the 4/3 sphere: within
    0.5 % of d1 (the cubic neglects terms of order h/a_e and ψ²; 0.2 % in the worst case here)."""
    got = float(specular_point_m(h1, h2, d, A_E))
    assert got == pytest.approx(exact_specular_m(h1, h2, d), rel=5e-3, abs=1.0)


@settings(max_examples=200, deadline=None)
@given(h=st.floats(0.5, 20_000.0), d=st.floats(100.0, 400e3))
def test_equal_heights_reflect_half_way(h, d):
    """Symmetry: with equal heights the specular point is at d/2 (any earth radius)."""
    assert float(specular_point_m(h, h, d, A_E)) == pytest.approx(d / 2, rel=1e-9)


def test_spherical_factor_equals_flat_two_ray_on_a_flat_earth():
    """With a_e = ∞ the spherical model is the flat two-ray F⁴ (D = 1), smooth or rough."""
    lam = 0.1
    d = np.linspace(2e3, 80e3, 500)
    for sigma in (0.0, 0.3):
        flat = two_ray_propagation_factor(25.0, 3000.0, d, lam, sigma_h_m=sigma) ** 4
        sph = sea_reflection_factor4(25.0, 3000.0, d, lam, math.inf, sigma_h_m=sigma)
        np.testing.assert_allclose(sph, flat, rtol=1e-9, atol=1e-12)


def test_divergence_factor_falls_towards_the_horizon():
    """D = [1 + 2 d1 d2/(a_e d tan ψ)]^(−1/2) is ≈ 1 at steep grazing, decreases toward the
    horizon, and the interference region ends inside the 4/3-earth horizon."""
    horizon = float(radar_horizon_m(25.0, 100.0, 4 / 3, form="ground"))
    d = np.linspace(1e3, 1.01 * horizon, 2000)
    t = spherical_two_ray_terms(25.0, 100.0, d, 0.1, A_E)
    div = t["divergence"]
    assert div[0] == pytest.approx(1.0, abs=1e-3)
    inside = t["interference"]
    assert inside[0] and not inside[-1]
    assert d[inside].max() == pytest.approx(horizon, rel=2e-3)
    assert np.all(np.diff(div[inside]) <= 1e-12)
    assert div[inside][-1] < 0.05


def test_cell_average_over_many_lobes_is_one_plus_4r2_plus_r4():
    """A cell that spans many lobes gets the mean of F⁴ over uniform phase, 1 + 4r² + r⁴ (= 6 for a
    smooth sea with D ≈ 1), never the 16 of a lobe peak; a narrow cell keeps the point value."""
    lam, d = 0.03, np.array([60e3, 78e3, 100e3])
    point = sea_reflection_factor4(25.0, 10_000.0, d, lam, A_E)
    wide = sea_reflection_factor4(25.0, 10_000.0, d, lam, A_E, cell_m=10_000.0)  # ~25-45 lobes
    r = spherical_two_ray_terms(25.0, 10_000.0, d, lam, A_E)["divergence"]
    np.testing.assert_allclose(wide, 1 + 4 * r**2 + r**4, rtol=0.03)
    one_km = sea_reflection_factor4(25.0, 10_000.0, d, lam, A_E, cell_m=1000.0)  # ~2-4 lobes
    assert np.all((one_km > 4.0) & (one_km < 8.0))
    assert point.max() > 8.0 or point.min() < 1.0  # the point sample does sit on lobes/nulls
    narrow = sea_reflection_factor4(25.0, 10_000.0, d, lam, A_E, cell_m=1e-3)
    np.testing.assert_allclose(narrow, point, rtol=1e-3, atol=1e-6)


def test_rough_sea_suppresses_the_reflection_at_microwave_grazing():
    """Ament: ρ_s = exp(−2(2π σ_h sin ψ/λ)²); at sea state 3 (σ_h ≈ 0.22 m), X band, ψ ≈ 7°,
    the reflected ray is gone: F⁴ = 1 to 1e-6."""
    f4 = sea_reflection_factor4(25.0, 10_000.0, np.array([78e3]), 0.03, A_E,
                                sigma_h_m=sea_state_rms_height_m(3), cell_m=1000.0)
    assert f4[0] == pytest.approx(1.0, abs=1e-6)


def test_sea_state_table():
    """WMO code 3700 mid-range H_1/3 / 4: sea state 3 (0.5-1.25 m) → σ_h = 0.21875 m."""
    assert len(SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M) == 10
    assert sea_state_rms_height_m(0) == 0.0
    assert sea_state_rms_height_m(3) == pytest.approx(0.875 / 4)
    assert list(SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M) == sorted(SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M)
    for bad in (-1, 10, 2.5):
        with pytest.raises(IadsimError):
            sea_state_rms_height_m(bad)
    with pytest.raises(IadsimError):
        specular_point_m(-1.0, 10.0, 1e3, A_E)
