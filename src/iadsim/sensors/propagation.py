"""Two-ray (multipath) pattern-propagation factor over a smooth or rough sea: flat earth, and
the spherical (effective-earth) form with the specular point, divergence and roughness that
the world applies (:func:`sea_reflection_factor4`, at the end of this module).

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
    "SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M",
    "rms_wave_height_m",
    "sea_state_rms_height_m",
    "specular_point_m",
    "spherical_two_ray_terms",
    "sea_reflection_factor4",
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


# --------------------------------------------------------------------------- spherical earth
#: Significant wave height H_1/3 (m) for each Douglas / WMO sea state 0-9: the middle of each
#: code's range in WMO code table 3700 "State of the sea" (WMO-No. 306, *Manual on Codes*,
#: vol. I.1): 0 calm-glassy 0 m; 1 rippled 0-0.1; 2 wavelets 0.1-0.5; 3 slight 0.5-1.25;
#: 4 moderate 1.25-2.5; 5 rough 2.5-4; 6 very rough 4-6; 7 high 6-9; 8 very high 9-14;
#: 9 phenomenal > 14 m (its lower bound).
SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M: tuple[float, ...] = (
    0.0, 0.05, 0.3, 0.875, 1.875, 3.25, 5.0, 7.5, 11.5, 14.0,
)


def rms_wave_height_m(significant_wave_height_m: ArrayLike) -> NDArray[np.float64] | np.float64:
    """RMS surface height σ_h = H_1/3 / 4 of a narrow-band (Rayleigh) sea (Longuet-Higgins,
    "On the statistical distribution of the heights of sea waves", *J. Marine Res.* 11, 1952:
    H_1/3 = 4.00 √m0, σ_h = √m0)."""
    return _out(np.asarray(significant_wave_height_m, dtype=np.float64) / 4.0)


def sea_state_rms_height_m(sea_state: int) -> float:
    """σ_h of a Douglas / WMO sea state 0-9 (:data:`SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M` / 4)."""
    if int(sea_state) != sea_state or not 0 <= int(sea_state) <= 9:
        raise InputError(f"sea state must be an integer 0-9 (Douglas scale), got {sea_state!r}",
                         field="sea_state")
    return float(rms_wave_height_m(SEA_STATE_SIGNIFICANT_WAVE_HEIGHT_M[int(sea_state)]))


def specular_point_m(
    h_radar_m: ArrayLike, h_target_m: ArrayLike, ground_range_m: ArrayLike, effective_radius_m: float
) -> NDArray[np.float64] | np.float64:
    """Ground range d1 from the radar to the specular reflection point on a sphere of radius a_e.

    The root in (0, d) of Kerr's cubic 2 d1³ − 3 d d1² + (d² − 2 a_e (h1 + h2)) d1 + 2 a_e h1 d = 0
    in its trigonometric form (Kerr, *Propagation of Short Radio Waves*, 1951, §2.6; Blake,
    *Radar Range-Performance Analysis*, 1986, ch. 6; ITU-R P.530, §6.1.1):

        p = (2/√3) √(a_e (h1 + h2) + d²/4),   Φ = acos(2 a_e (h1 − h2) d / p³),
        d1 = d/2 + p cos((Φ + π)/3).

    For a_e → ∞ this tends to the flat-earth d1 = d h1/(h1 + h2) (also used when a_e is inf).
    Heights above the reflecting surface, ≥ 0; d > 0.
    """
    h1 = np.asarray(h_radar_m, dtype=np.float64)
    h2 = np.asarray(h_target_m, dtype=np.float64)
    d = np.asarray(ground_range_m, dtype=np.float64)
    if np.any(h1 < 0) or np.any(h2 < 0):
        raise InputError("heights above the reflecting surface must be ≥ 0", field="h_m")
    if np.any(d <= 0):
        raise InputError("ground range must be > 0", field="ground_range_m")
    hsum = np.maximum(h1 + h2, 1e-9)
    if math.isinf(effective_radius_m):
        return _out(np.asarray(d * h1 / hsum, dtype=np.float64))
    a = float(effective_radius_m)
    p = (2.0 / math.sqrt(3.0)) * np.sqrt(a * hsum + 0.25 * d * d)
    phi = np.arccos(np.clip(2.0 * a * (h1 - h2) * d / p**3, -1.0, 1.0))
    d1 = 0.5 * d + p * np.cos((phi + math.pi) / 3.0)
    return _out(np.asarray(np.clip(d1, 0.0, d), dtype=np.float64))


def spherical_two_ray_terms(
    h_radar_m: ArrayLike, h_target_m: ArrayLike, ground_range_m: ArrayLike, wavelength_m: float,
    effective_radius_m: float,
) -> dict[str, NDArray[np.float64]]:
    """Geometry of the reflected ray over a smooth sphere (Blake 1986, ch. 6; Kerr 1951).

    With d1 from :func:`specular_point_m` and d2 = d − d1, the heights above the plane tangent
    at the specular point are h1' = h1 − d1²/(2 a_e), h2' = h2 − d2²/(2 a_e); then

        tan ψ = (h1' + h2')/d   (grazing angle; = h1'/d1 = h2'/d2 at the specular point),
        Δ = 4π h1' h2'/(λ d)    (phase of the path difference),
        D = [1 + 2 d1 d2/(a_e d tan ψ)]^(−1/2)   (divergence factor).

    ``interference`` is False where h1' ≤ 0 or h2' ≤ 0 (the specular point is not seen from both
    ends: no reflected ray; D and Δ are then 0).
    """
    h1 = np.asarray(h_radar_m, dtype=np.float64)
    h2 = np.asarray(h_target_m, dtype=np.float64)
    d = np.asarray(ground_range_m, dtype=np.float64)
    d1 = np.asarray(specular_point_m(h1, h2, d, effective_radius_m), dtype=np.float64)
    d2 = d - d1
    inv2a = 0.0 if math.isinf(effective_radius_m) else 0.5 / float(effective_radius_m)
    h1p = h1 - d1 * d1 * inv2a
    h2p = h2 - d2 * d2 * inv2a
    inter = (h1p > 0.0) & (h2p > 0.0)
    tan_psi = np.where(inter, (h1p + h2p) / d, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        div = np.where(inter, 1.0 + 4.0 * inv2a * d1 * d2 / (d * np.where(inter, tan_psi, 1.0)), np.inf)
    return {
        "d1_m": d1, "grazing_rad": np.arctan(tan_psi), "interference": inter,
        "phase_rad": np.where(inter, 4.0 * math.pi * h1p * h2p / (wavelength_m * d), 0.0),
        "divergence": np.where(inter, 1.0 / np.sqrt(div), 0.0),
    }


def _mean_cos(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean of cos x over x in [a, b] (cos a where the interval is a point)."""
    w = b - a
    wide = np.abs(w) > 1e-6
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(wide, (np.sin(b) - np.sin(a)) / np.where(wide, w, 1.0), np.cos(0.5 * (a + b)))


def sea_reflection_factor4(
    h_radar_m: ArrayLike, h_target_m: ArrayLike, ground_range_m: ArrayLike, wavelength_m: float,
    effective_radius_m: float, sigma_h_m: float = 0.0, cell_m: float = 0.0,
) -> NDArray[np.float64] | np.float64:
    """F⁴ of the direct and sea-reflected rays on a spherical earth, optionally cell-averaged.

    F² = 1 + r² − 2 r cos Δ with r = D ρ_s |ρ0| and ρ0 = −1 (smooth sea at grazing incidence,
    horizontal polarisation), D the divergence factor and ρ_s Ament's roughness factor at the
    grazing angle ψ (:func:`spherical_two_ray_terms`, :func:`ament_roughness_factor`). Hence

        F⁴ = (1 + r²)² + 2 r² − 4 r (1 + r²) cos Δ + 2 r² cos 2Δ.

    With ``cell_m`` > 0 (a map cell's size along the range), F⁴ is averaged over the phases Δ
    spanned between d − cell/2 and d + cell/2 (exactly, in closed form, with r at the centre):
    one lobe is sampled as it is, many lobes average to 1 + 4 r² + r⁴ (uncorrelated phase;
    Blake 1986, ch. 6). Outside the interference region F⁴ = 1 (no reflected ray; diffraction
    beyond the horizon is left to the line-of-sight mask).
    """
    h1 = np.maximum(np.asarray(h_radar_m, dtype=np.float64), 0.0)
    h2 = np.maximum(np.asarray(h_target_m, dtype=np.float64), 0.0)
    d = np.asarray(ground_range_m, dtype=np.float64)
    t = spherical_two_ray_terms(h1, h2, d, wavelength_m, effective_radius_m)
    rho_s = ament_roughness_factor(sigma_h_m, t["grazing_rad"], wavelength_m)
    r = t["divergence"] * np.asarray(rho_s, dtype=np.float64)
    if cell_m > 0:
        half = 0.5 * float(cell_m)
        lo = spherical_two_ray_terms(h1, h2, np.maximum(d - half, 0.5 * d), wavelength_m, effective_radius_m)
        hi = spherical_two_ray_terms(h1, h2, d + half, wavelength_m, effective_radius_m)
        a, b = lo["phase_rad"], hi["phase_rad"]
        c1, c2 = _mean_cos(a, b), _mean_cos(2.0 * a, 2.0 * b)
    else:
        c1, c2 = np.cos(t["phase_rad"]), np.cos(2.0 * t["phase_rad"])
    r2 = r * r
    f4 = (1.0 + r2) ** 2 + 2.0 * r2 - 4.0 * r * (1.0 + r2) * c1 + 2.0 * r2 * c2
    return _out(np.asarray(np.where(t["interference"], np.maximum(f4, 0.0), 1.0), dtype=np.float64))
