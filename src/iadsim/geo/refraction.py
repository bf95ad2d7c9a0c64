"""Effective-earth-radius refraction and the exact geometry on the effective sphere.

Standard atmospheric refraction bends radar rays downward; the classical model replaces the
earth of radius R by a sphere of radius a_e = kR on which rays travel in straight lines, with
k = 4/3 for the standard atmosphere (refractivity gradient about −39 N-units/km; Schelleng,
Burrows & Ferrell 1933; Blake, *Radar Range-Performance Analysis*, 1986; Skolnik,
*Introduction to Radar Systems*, 3rd ed., 2001, ch. 8). Super-refraction raises k, sub-
refraction lowers it.

Heights are all measured above the same reference surface (the sphere of radius a_e, which
stands for MSL or the ellipsoid, whichever the caller uses consistently). Ground ranges are arc
lengths on that effective sphere, i.e. what coverage grids index by.

Geometry on the effective sphere (Blake 1986; Skolnik 2001, ch. 8), for a radar at
height h_r and a_e' = a_e + h_r, a target at slant range R and elevation angle θ (above the
radar's local horizontal):

    r_t = √(R² + a_e'² + 2 R a_e' sinθ)          distance of the target from the centre
    h_t = r_t − a_e                               target height
    φ   = atan2(R cosθ, a_e' + R sinθ)            central angle
    G   = a_e φ                                   ground range (arc at the reference surface)

and the inverse (law of cosines in the triangle centre–radar–target), with r_r = a_e + h_r,
r_t = a_e + h_t, φ = G/a_e:

    R² = (r_t − r_r)² + 4 r_r r_t sin²(φ/2)
    θ  = atan2(r_t cosφ − r_r, r_t sinφ)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.errors import InputError

__all__ = [
    "EARTH_RADIUS_M",
    "STANDARD_K_FACTOR",
    "effective_earth_radius_m",
    "radar_horizon_m",
    "curvature_drop_m",
    "target_height_m",
    "ground_range_m",
    "slant_range_elevation",
    "smooth_earth_lowest_visible_height_m",
]

#: Mean earth radius R1 = (2a + b)/3 of GRS80/WGS84, 6,371,008.8 m (IUGG; Moritz, "Geodetic
#: Reference System 1980", *Bulletin Géodésique* 54, 1980).
EARTH_RADIUS_M: float = 6_371_008.8

#: k of the standard atmosphere: the "4/3 earth".
STANDARD_K_FACTOR: float = 4.0 / 3.0


def _out(a: NDArray[np.float64]) -> NDArray[np.float64] | np.float64:
    return a[()] if a.ndim == 0 else a


def _check_k(k_factor: float) -> None:
    # k may be negative only in a duct-like sense that this model does not represent; 0 is a
    # flat earth of zero radius, which is meaningless. Infinity (flat earth) is allowed.
    if not (k_factor > 0):
        raise InputError(
            f"k-factor must be positive (4/3 for the standard atmosphere), got {k_factor!r}",
            field="k_factor",
        )


def effective_earth_radius_m(
    k_factor: float = STANDARD_K_FACTOR, earth_radius_m: float = EARTH_RADIUS_M
) -> float:
    """Effective earth radius a_e = k R (≈ 8,494,678 m for k = 4/3 and R = 6,371,008.8 m)."""
    _check_k(k_factor)
    return float(k_factor) * float(earth_radius_m)


def radar_horizon_m(
    h_radar_m: ArrayLike,
    h_target_m: ArrayLike = 0.0,
    k_factor: float = STANDARD_K_FACTOR,
    form: Literal["approx", "slant", "ground"] = "approx",
) -> NDArray[np.float64] | np.float64:
    """Radar horizon distance between a radar and a target, over a smooth effective sphere.

    ``form="approx"`` (default), the classical rule, d = √(2 a_e h_r) + √(2 a_e h_t), which for
    k = 4/3 is d ≈ 4.12 (√h_r + √h_t) km with h in metres (Skolnik 2001, ch. 8; Federal Standard
    1037C, "radio horizon range": 1.23 (√h_t + √h_r) nmi with h in feet);
    ``form="slant"``, the exact tangent-line length, d = √(2 a_e h_r + h_r²) + √(2 a_e h_t + h_t²);
    ``form="ground"``, the exact arc on the effective sphere, d = a_e [acos(a_e/(a_e + h_r)) +
    acos(a_e/(a_e + h_t))], consistent with :func:`ground_range_m`.

    The three agree to about h/a_e (relative): 1e-4 at 1 km height.
    """
    a_e = effective_earth_radius_m(k_factor)
    hr = np.asarray(h_radar_m, dtype=np.float64)
    ht = np.asarray(h_target_m, dtype=np.float64)
    if np.any(hr < 0) or np.any(ht < 0):
        raise InputError("heights above the reference surface must be ≥ 0", field="h_m")
    if form == "approx":
        d = np.sqrt(2.0 * a_e * hr) + np.sqrt(2.0 * a_e * ht)
    elif form == "slant":
        d = np.sqrt(2.0 * a_e * hr + hr * hr) + np.sqrt(2.0 * a_e * ht + ht * ht)
    elif form == "ground":
        # acos(a/(a+h)) = atan(√(2ah + h²)/a): stable for small h.
        d = a_e * (
            np.arctan(np.sqrt(2.0 * a_e * hr + hr * hr) / a_e)
            + np.arctan(np.sqrt(2.0 * a_e * ht + ht * ht) / a_e)
        )
    else:
        raise InputError(
            f"form must be 'approx', 'slant' or 'ground', got {form!r}", field="form"
        )
    return _out(np.asarray(d, dtype=np.float64))


def curvature_drop_m(
    ground_range_m: ArrayLike, k_factor: float = STANDARD_K_FACTOR
) -> NDArray[np.float64] | np.float64:
    """Drop of the effective sphere below the tangent plane: d²/(2 a_e) with a_e = kR.

    The parabolic approximation (Skolnik 2001, ch. 8); for k = 4/3, 5.9 m at 10 km and 589 m
    at 100 km.
    """
    a_e = effective_earth_radius_m(k_factor)
    d = np.asarray(ground_range_m, dtype=np.float64)
    return _out(d * d / (2.0 * a_e))


def target_height_m(
    slant_range_m: ArrayLike,
    elevation_rad: ArrayLike,
    h_radar_m: ArrayLike,
    k_factor: float = STANDARD_K_FACTOR,
) -> NDArray[np.float64] | np.float64:
    """Height above the effective sphere reached at slant range R and elevation θ.

    h = √(R² + a_e'² + 2 R a_e' sinθ) − a_e, a_e' = a_e + h_r (Blake 1986), computed as
    h_r + (R² + 2 R a_e' sinθ)/(r_t + a_e') to avoid cancellation at short range.
    """
    a_e = effective_earth_radius_m(k_factor)
    r = np.asarray(slant_range_m, dtype=np.float64)
    el = np.asarray(elevation_rad, dtype=np.float64)
    hr = np.asarray(h_radar_m, dtype=np.float64)
    a1 = a_e + hr
    num = r * r + 2.0 * r * a1 * np.sin(el)
    r_t = np.sqrt(a1 * a1 + num)
    return _out(np.asarray(hr + num / (r_t + a1), dtype=np.float64))


def ground_range_m(
    slant_range_m: ArrayLike,
    elevation_rad: ArrayLike,
    h_radar_m: ArrayLike,
    k_factor: float = STANDARD_K_FACTOR,
) -> NDArray[np.float64] | np.float64:
    """Arc length on the effective sphere (at the reference surface) under the target.

    G = a_e · atan2(R cosθ, a_e' + R sinθ), a_e' = a_e + h_r (Blake 1986).
    """
    a_e = effective_earth_radius_m(k_factor)
    r = np.asarray(slant_range_m, dtype=np.float64)
    el = np.asarray(elevation_rad, dtype=np.float64)
    hr = np.asarray(h_radar_m, dtype=np.float64)
    phi = np.arctan2(r * np.cos(el), a_e + hr + r * np.sin(el))
    return _out(np.asarray(a_e * phi, dtype=np.float64))


def slant_range_elevation(
    ground_range_m: ArrayLike,
    h_radar_m: ArrayLike,
    h_target_m: ArrayLike,
    k_factor: float = STANDARD_K_FACTOR,
) -> tuple[NDArray[np.float64] | np.float64, NDArray[np.float64] | np.float64]:
    """(slant_range_m, elevation_rad) to a target at ground range G and height h_t.

    With r_r = a_e + h_r, r_t = a_e + h_t, φ = G/a_e (Blake 1986):
    R = √((r_t − r_r)² + 4 r_r r_t sin²(φ/2)), θ = atan2(r_t cosφ − r_r, r_t sinφ).
    The inverse of (:func:`ground_range_m`, :func:`target_height_m`). A negative elevation
    means the target is below the radar's local horizontal; whether the ray clears the earth is
    a question for the caller (compare G with :func:`radar_horizon_m`).
    """
    a_e = effective_earth_radius_m(k_factor)
    g = np.asarray(ground_range_m, dtype=np.float64)
    hr = np.asarray(h_radar_m, dtype=np.float64)
    ht = np.asarray(h_target_m, dtype=np.float64)
    phi = g / a_e
    r_r = a_e + hr
    r_t = a_e + ht
    s_half = np.sin(0.5 * phi)
    slant = np.sqrt((ht - hr) ** 2 + 4.0 * r_r * r_t * s_half * s_half)
    # r_t cosφ − r_r = (h_t − h_r) − 2 r_t sin²(φ/2): no cancellation of the two radii.
    el = np.arctan2((ht - hr) - 2.0 * r_t * s_half * s_half, r_t * np.sin(phi))
    slant, el = np.broadcast_arrays(slant, el)
    return _out(np.array(slant)), _out(np.array(el))


def smooth_earth_lowest_visible_height_m(
    ground_range_m: ArrayLike,
    h_radar_m: ArrayLike,
    k_factor: float = STANDARD_K_FACTOR,
) -> NDArray[np.float64] | np.float64:
    """Lowest height visible from the radar at ground range G over a smooth effective sphere.

    Zero inside the radar's own horizon, G ≤ G_h = a_e acos(a_e/(a_e + h_r)); beyond it, the
    height of the ray tangent to the sphere at the horizon, h = a_e / cos(G/a_e − G_h/a_e) − a_e
    (the horizon geometry of Blake 1986 and Skolnik 2001, ch. 8, on the 4/3 earth by default).
    Near the horizon h ≈ (G − G_h)²/(2 a_e), the curvature drop measured from the horizon.
    Heights above the reference surface; vectorised.
    """
    a_e = effective_earth_radius_m(k_factor)
    g = np.asarray(ground_range_m, dtype=np.float64)
    hr = np.asarray(h_radar_m, dtype=np.float64)
    if np.any(hr < 0):
        raise InputError("radar height above the reference surface must be ≥ 0", field="h_m")
    phi_h = np.arctan(np.sqrt(2.0 * a_e * hr + hr * hr) / a_e)
    beyond = np.maximum(g / a_e - phi_h, 0.0)
    # a_e (1/cos φ − 1) = a_e · 2 sin²(φ/2) / cos φ: no cancellation for small φ.
    s_half = np.sin(0.5 * beyond)
    with np.errstate(divide="ignore"):
        h = a_e * 2.0 * s_half * s_half / np.cos(beyond)
    h = np.where(beyond >= 0.5 * np.pi, np.inf, h)
    return _out(np.asarray(h, dtype=np.float64))
