"""Tests of iadsim.sensors.propagation: flat-earth two-ray interference.

Source for the expected values: the plane-earth two-ray model, F = |1 + ρ e^(−jΔ)|,
Δ = 4π h_r h_t/(λR), with ρ = −1 giving F = 2|sin(2π h_r h_t/(λR))| (Kerr 1951; Blake,
*Radar Range-Performance Analysis*, 1986; Skolnik, *Introduction to Radar Systems*, 3rd ed.,
ch. 8): lobe maxima F = 2, nulls at R_n = 2 h_r h_t/(nλ), first lobe at sinψ = λ/(4h_r),
and F ≈ 4π h_r h_t/(λR) far out, where power falls as R⁻⁸.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.errors import IadsimError
from iadsim.sensors.propagation import (
    ament_roughness_factor,
    lobe_peak_elevation_rad,
    null_elevation_rad,
    null_ground_range_m,
    two_ray_propagation_factor,
)

LAM = 0.03  # X band, m
H_R = 20.0
H_T = 500.0


def test_maximum_is_two_plus_12_db_on_snr():
    """F peaks at 2 (+6 dB one way, +12 dB on SNR ∝ F⁴) where 2π h_r h_t/(λR) = π/2, i.e. at
    R = 4 h_r h_t/λ; and never exceeds 2 anywhere."""
    r_peak = 4 * H_R * H_T / LAM
    f = two_ray_propagation_factor(H_R, H_T, r_peak, LAM)
    assert f == pytest.approx(2.0, abs=1e-12)
    assert 40 * math.log10(f) == pytest.approx(12.04, abs=0.01)
    r = np.linspace(1e3, 3e6, 200_001)
    assert two_ray_propagation_factor(H_R, H_T, r, LAM).max() <= 2.0 + 1e-12


@pytest.mark.parametrize("n", [1, 2, 3, 10])
def test_nulls_at_published_positions(n):
    """F = 0 at R_n = 2 h_r h_t/(nλ)."""
    r_n = null_ground_range_m(H_R, H_T, LAM, n)
    assert r_n == pytest.approx(2 * H_R * H_T / (n * LAM))
    assert two_ray_propagation_factor(H_R, H_T, r_n, LAM) == pytest.approx(0.0, abs=1e-9)


def test_elevation_lobes_and_nulls():
    """In elevation (far field, sinψ = h_t/R): the first lobe peaks at sinψ = λ/(4h_r)
    and the first null above the surface is at sinψ = λ/(2h_r)."""
    psi_peak = lobe_peak_elevation_rad(H_R, LAM)
    psi_null = null_elevation_rad(H_R, LAM, 1)
    assert math.sin(psi_peak) == pytest.approx(LAM / (4 * H_R))
    assert math.sin(psi_null) == pytest.approx(LAM / (2 * H_R))
    r = 200e3
    f_peak = two_ray_propagation_factor(H_R, r * math.sin(psi_peak), r, LAM)
    f_null = two_ray_propagation_factor(H_R, r * math.sin(psi_null), r, LAM)
    assert f_peak == pytest.approx(2.0, abs=1e-9)
    assert f_null == pytest.approx(0.0, abs=1e-9)


def test_low_angle_r8_regime():
    """Beyond the last lobe F ≈ 4π h_r h_t/(λR) (relative error Δ²/24 ≤ 5e-4 here: a 1 GHz
    radar at 5 m, a target at 10 m, 20–80 km, last lobe at 667 m), and the two-way power factor
    F⁴/R⁴ falls as R⁻⁸: doubling R costs 24.08 dB (0.02 dB, the same Δ² term)."""
    h_r, h_t, lam = 5.0, 10.0, 0.3
    r = np.array([20e3, 40e3, 80e3])
    f = two_ray_propagation_factor(h_r, h_t, r, lam)
    np.testing.assert_allclose(f, 4 * math.pi * h_r * h_t / (lam * r), rtol=5e-4)
    power_db = 10 * np.log10(f**4 / r**4)
    np.testing.assert_allclose(np.diff(power_db), -80 * math.log10(2), atol=0.02)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(1.0, 100.0),
    st.floats(1.0, 20_000.0),
    st.floats(1_000.0, 400_000.0),
    st.floats(0.003, 1.0),
)
def test_general_form_matches_sine_form(h_r, h_t, r, lam):
    """Property: |1 + ρe^(−jΔ)| with ρ = −1 (passed as complex) equals 2|sin(Δ/2)|."""
    f_sin = two_ray_propagation_factor(h_r, h_t, r, lam)
    f_gen = two_ray_propagation_factor(h_r, h_t, r, lam, reflection_coefficient=-1.0 + 0j)
    assert f_gen == pytest.approx(f_sin, abs=1e-9)
    assert 0.0 <= f_sin <= 2.0 + 1e-12


def test_no_reflection_and_partial_reflection():
    """ρ = 0 gives free space (F = 1); |ρ| < 1 bounds F between 1 − |ρ| and 1 + |ρ|."""
    r = np.linspace(5e3, 5e5, 1001)
    np.testing.assert_allclose(two_ray_propagation_factor(H_R, H_T, r, LAM, 0.0), 1.0)
    f = two_ray_propagation_factor(H_R, H_T, r, LAM, -0.6)
    assert f.min() >= 0.4 - 1e-12 and f.max() <= 1.6 + 1e-12


def test_ament_roughness():
    """Ament (1953): ρ_s = exp(−2(2πσ_h sinψ/λ)²). σ_h = 0 changes nothing; a very rough sea
    removes the reflected ray (F → 1); Rayleigh-criterion point 2πσ sinψ/λ = 1 gives e^−2."""
    assert ament_roughness_factor(0.0, 0.1, LAM) == 1.0
    psi = 0.01
    sigma = LAM / (2 * math.pi * math.sin(psi))
    assert ament_roughness_factor(sigma, psi, LAM) == pytest.approx(math.exp(-2.0))
    r = 50e3
    smooth = two_ray_propagation_factor(H_R, H_T, r, LAM)
    assert two_ray_propagation_factor(H_R, H_T, r, LAM, sigma_h_m=0.0) == smooth
    rough = two_ray_propagation_factor(H_R, H_T, r, LAM, sigma_h_m=10.0)
    assert rough == pytest.approx(1.0, abs=1e-6)


def test_broadcasting_and_errors():
    r = np.linspace(1e3, 1e5, 5)[None, :]
    h_t = np.array([10.0, 100.0, 1000.0])[:, None]
    assert two_ray_propagation_factor(H_R, h_t, r, LAM).shape == (3, 5)
    with pytest.raises(IadsimError):
        two_ray_propagation_factor(-1.0, 10.0, 1e3, LAM)
    with pytest.raises(IadsimError):
        two_ray_propagation_factor(1.0, 10.0, 0.0, LAM)
