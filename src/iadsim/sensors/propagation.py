"""Flat-earth two-ray (multipath) pattern-propagation factor over a smooth or rough sea.

The direct ray and the ray reflected at the surface interfere (Kerr, *Propagation of Short
Radio Waves*, 1951; Blake, *Radar Range-Performance Analysis*, 1986; Skolnik, *Introduction
to Radar Systems*, 3rd ed., 2001, ch. 8). Over a flat surface, with radar height h_r, target
height h_t and ground range R ≫ h_r, h_t, the path difference is ΔR ≈ 2 h_r h_t / R, the phase
difference Δ = 2π ΔR/λ = 4π h_r h_t/(λ R), and the one-way amplitude factor (isotropic antenna)

    F = |1 + ρ e^(−jΔ)|

with ρ the (complex) reflection coefficient. For a smooth sea at grazing incidence ρ ≈ −1,
so F = 2 |sin(2π h_r h_t/(λ R))|: lobes with F = 2 (+6 dB one way, +12 dB on SNR, which
scales as F⁴) where 2π h_r h_t/(λ R) = (2n + 1)π/2, nulls where it is nπ, and far from the
radar, where the argument is small, F ≈ 4π h_r h_t/(λ R), so the received power falls as R⁻⁸.

In elevation (far field, sin ψ ≈ h_t/R): lobe peaks at sin ψ = (2n + 1) λ/(4 h_r), nulls at
sin ψ = n λ/(2 h_r), n = 0, 1, 2, … (Skolnik 2001, ch. 8).

Surface roughness (optional): Ament's specular scattering factor (Ament, "Toward a theory of
reflection by a rough surface", *Proc. IRE* 41, 1953; Beard, *IRE Trans. AP* 9, 1961)

    ρ_s = exp(−2 (2π σ_h sin ψ_g / λ)²)

multiplies ρ, with σ_h the rms surface height and ψ_g the grazing angle, tan ψ_g = (h_r + h_t)/R
on a flat earth. σ_h = 0 (default) is a smooth surface. (Miller–Brown's refinement is not
modelled.)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.errors import InputError

__all__ = [
    "two_ray_propagation_factor",
    "ament_roughness_factor",
    "lobe_peak_elevation_rad",
    "null_elevation_rad",
    "null_ground_range_m",
]


def _out(a: NDArray[np.float64]) -> NDArray[np.float64] | np.float64:
    return a[()] if a.ndim == 0 else a


def ament_roughness_factor(
    sigma_h_m: ArrayLike, grazing_rad: ArrayLike, wavelength_m: ArrayLike
) -> NDArray[np.float64] | np.float64:
    """Ament's specular scattering factor ρ_s = exp(−2 (2π σ_h sin ψ_g/λ)²) (Ament 1953)."""
    g = 2.0 * math.pi * np.asarray(sigma_h_m, dtype=np.float64) * np.sin(
        np.asarray(grazing_rad, dtype=np.float64)
    ) / np.asarray(wavelength_m, dtype=np.float64)
    return _out(np.asarray(np.exp(-2.0 * g * g), dtype=np.float64))


def two_ray_propagation_factor(
    h_radar_m: ArrayLike,
    h_target_m: ArrayLike,
    ground_range_m: ArrayLike,
    wavelength_m: ArrayLike,
    reflection_coefficient: complex | ArrayLike = -1.0,
    sigma_h_m: ArrayLike = 0.0,
) -> NDArray[np.float64] | np.float64:
    """One-way amplitude pattern-propagation factor F of the flat-earth two-ray model.

    F = |1 + ρ ρ_s e^(−jΔ)|, Δ = 4π h_r h_t/(λ R) (Blake 1986; Skolnik 2001, ch. 8);
    for ρ = −1 and a smooth surface F = 2 |sin(2π h_r h_t/(λ R))|. SNR scales as F⁴.
    ``reflection_coefficient`` may be complex; ``sigma_h_m`` > 0 applies Ament's roughness
    factor ρ_s with the flat-earth grazing angle tan ψ_g = (h_r + h_t)/R. Heights are above the
    reflecting surface and must be ≥ 0; R > 0. The approximation Δ ≈ 4π h_r h_t/(λR) needs
    R ≫ h_r, h_t; the earth's curvature is not modelled (use it inside the radar horizon, well
    short of it for low targets).
    """
    hr = np.asarray(h_radar_m, dtype=np.float64)
    ht = np.asarray(h_target_m, dtype=np.float64)
    r = np.asarray(ground_range_m, dtype=np.float64)
    lam = np.asarray(wavelength_m, dtype=np.float64)
    if np.any(hr < 0) or np.any(ht < 0):
        raise InputError("heights above the reflecting surface must be ≥ 0", field="h_m")
    if np.any(r <= 0):
        raise InputError("ground range must be > 0", field="ground_range_m")
    rho = np.asarray(reflection_coefficient)
    sigma = np.asarray(sigma_h_m, dtype=np.float64)
    delta = 4.0 * math.pi * hr * ht / (lam * r)
    if np.all(sigma == 0):
        rho_eff = rho
    else:
        grazing = np.arctan2(hr + ht, r)
        rho_eff = rho * ament_roughness_factor(sigma, grazing, lam)
    if np.isrealobj(rho_eff) and np.all(np.asarray(rho_eff) == -1.0):
        f = 2.0 * np.abs(np.sin(0.5 * delta))
    else:
        f = np.abs(1.0 + rho_eff * np.exp(-1j * delta))
    return _out(np.asarray(f, dtype=np.float64))


def lobe_peak_elevation_rad(
    h_radar_m: ArrayLike, wavelength_m: ArrayLike, n: ArrayLike = 0
) -> NDArray[np.float64] | np.float64:
    """Elevation of the (n+1)-th lobe peak for ρ = −1: sin ψ = (2n + 1) λ/(4 h_r).

    The first (lowest) lobe, n = 0, peaks at ψ ≈ λ/(4 h_r) (Skolnik 2001, ch. 8).
    """
    k = 2.0 * np.asarray(n, dtype=np.float64) + 1.0
    lam = np.asarray(wavelength_m, dtype=np.float64)
    s = k * lam / (4.0 * np.asarray(h_radar_m, dtype=np.float64))
    return _out(np.asarray(np.arcsin(s), dtype=np.float64))


def null_elevation_rad(
    h_radar_m: ArrayLike, wavelength_m: ArrayLike, n: ArrayLike = 1
) -> NDArray[np.float64] | np.float64:
    """Elevation of the n-th null above the surface for ρ = −1: sin ψ = n λ/(2 h_r), n ≥ 1."""
    s = np.asarray(n, dtype=np.float64) * np.asarray(wavelength_m, dtype=np.float64) / (
        2.0 * np.asarray(h_radar_m, dtype=np.float64)
    )
    return _out(np.asarray(np.arcsin(s), dtype=np.float64))


def null_ground_range_m(
    h_radar_m: ArrayLike, h_target_m: ArrayLike, wavelength_m: ArrayLike, n: ArrayLike = 1
) -> NDArray[np.float64] | np.float64:
    """Ground range of the n-th null (counted inward from far range) for ρ = −1.

    F = 0 where 2π h_r h_t/(λ R) = nπ, i.e. R_n = 2 h_r h_t/(n λ); R_1 is the outermost null,
    beyond which the target sits in the first lobe and then the R⁻⁸ region.
    """
    return _out(
        np.asarray(
            2.0
            * np.asarray(h_radar_m, dtype=np.float64)
            * np.asarray(h_target_m, dtype=np.float64)
            / (np.asarray(n, dtype=np.float64) * np.asarray(wavelength_m, dtype=np.float64)),
            dtype=np.float64,
        )
    )
