"""Boost–coast fly-out profile and the intercept it implies (an analysis approximation).

Public sources give a surface-to-air missile's maximum speed, sometimes its average speed, and its
maximum range, not its thrust and drag curves. This module builds the simplest monotone
range-versus-time profile consistent with those three figures plus a boost time:

* **boost**, 0 ≤ τ ≤ t_b: constant acceleration from rest to ``v_max``:
  ``v = v_max τ / t_b``, ``r = v_max τ² / (2 t_b)``; ``r_b = v_max t_b / 2`` at burnout;
* **coast**, s = τ − t_b ≥ 0: speed decays as under a drag force proportional to v² with no
  gravity or thrust (dv/dt = −(k / v_max) v²):
  ``v = v_max / (1 + k s)``, ``r = r_b + (v_max / k) ln(1 + k s)`` (→ ``r_b + v_max s`` as k → 0).
  Inverse: ``s = expm1(k (r − r_b) / v_max) / k``.

The decay rate ``k`` is calibrated so that the **mean speed to maximum range equals the published
average speed**: the missile reaches ``range_max`` at ``T_max = range_max / speed_avg``. With
``s_max = T_max − t_b``, ``ρ = (range_max − r_b) / (v_max s_max)`` and ``x = k s_max`` this is
``ln(1 + x) = ρ x``, whose positive root is ``x = −W₋₁(−ρ e^{−ρ}) / ρ − 1`` with the lower
branch of the Lambert W function (Corless et al., "On the Lambert W function", *Adv. Comput.
Math.* 5, 1996: the equation ``u e^{−ρu} = e^{−ρ}`` with ``u = 1 + x``); it is computed by
bisection, which stays accurate near the branch point ρ → 1. The coast law is the
flat-earth, no-gravity quadratic-drag solution (e.g. Zarchan, *Tactical and Strategic Missile
Guidance*, 6th ed., ch. on missile drag; any ballistics text).

What this is not: a trajectory. It ignores gravity, altitude-dependent air density, loft and
guidance losses; it assumes a straight flight path to the intercept point. Its only purpose is a
time-of-flight that rises monotonically with range and respects the published max/average speeds.
Intercepts are searched only up to ``T_max``: the missile is taken to be unable to fly further.

The intercept (earliest τ with ``range(τ) ≥ |p_T + v_T (t_launch + τ) − p_L|``) is found by
sampling τ on a uniform grid over [τ_lo, T_max] and bisecting the first bracket, in one compiled
(numba) loop over all (threat, launcher) pairs; τ_lo is the closed-form intercept at constant ``v_max`` (a lower
bound, since range(τ) ≤ v_max τ). A grazing solution narrower than the grid step can be missed;
such solutions are marginal and would be rejected by any envelope with a margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from iadsim.engagement._checks import EngagementInputError, finite_array, nonnegative, positive
from iadsim.engagement.intercept import (
    Intercept,
    InterceptStatus,
    _pair_arrays,
    broadcast_pairs,
    intercept_constant_speed,
)


@dataclass(frozen=True)
class BoostCoastProfile:
    """Fly-out parameters per missile type (arrays of one shape, usually (M,))."""

    speed_max_mps: np.ndarray
    boost_s: np.ndarray
    coast_decay_per_s: np.ndarray  # k in v = v_max / (1 + k s)
    range_max_m: np.ndarray

    @property
    def boost_range_m(self) -> np.ndarray:
        return 0.5 * self.speed_max_mps * self.boost_s

    @property
    def time_max_s(self) -> np.ndarray:
        """Time of flight to maximum range (= range_max / speed_avg by construction)."""
        return flyout_time_s(self, self.range_max_m)

    def take(self, missile) -> "BoostCoastProfile":
        """The profile of each element of the integer array ``missile`` (e.g. per launcher)."""
        idx = np.asarray(missile, dtype=np.int64)
        return BoostCoastProfile(
            self.speed_max_mps[idx], self.boost_s[idx], self.coast_decay_per_s[idx], self.range_max_m[idx]
        )


def _solve_log_ratio(rho: np.ndarray) -> np.ndarray:
    """x ≥ 0 with ln(1 + x) = ρ x for 0 < ρ ≤ 1 (x = 0 at ρ = 1).

    ln(1 + x)/x falls monotonically from 1 (x → 0) to 0, so bisection on log x is robust; it is
    used instead of the closed form x = −W₋₁(−ρ e^{−ρ})/ρ − 1, which loses precision near the
    branch point (ρ → 1). The tests check the two agree where W is well conditioned.
    """
    rho = np.asarray(rho, dtype=np.float64)
    lo = np.full(rho.shape, -40.0)  # log x
    hi = np.full(rho.shape, 80.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        x = np.exp(mid)
        above = np.log1p(x) / x > rho  # x too small
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    x = np.exp(0.5 * (lo + hi))
    return np.where(rho >= 1.0, 0.0, x)


def boost_coast_profile(speed_max_mps, speed_avg_mps, boost_s, range_max_m) -> BoostCoastProfile:
    """Calibrate a boost–coast profile (module docstring) from published figures.

    Raises :class:`EngagementInputError` when the figures are inconsistent: the average speed must
    not exceed what a drag-free coast would give, ``v_max (1 − t_b / (2 T_max))``, and the
    boost alone must not already exceed the maximum range.
    """
    v_max = positive(speed_max_mps, "speed_max_mps")
    v_avg = positive(speed_avg_mps, "speed_avg_mps")
    t_b = nonnegative(boost_s, "boost_s")
    r_max = positive(range_max_m, "range_max_m")
    try:
        v_max, v_avg, t_b, r_max = np.broadcast_arrays(v_max, v_avg, t_b, r_max)
    except ValueError:
        raise EngagementInputError("the four profile arrays must have one shape", field="speed_max_mps") from None
    v_max, v_avg, t_b, r_max = (np.array(a, dtype=np.float64) for a in (v_max, v_avg, t_b, r_max))
    t_max = r_max / v_avg
    s_max = t_max - t_b
    r_b = 0.5 * v_max * t_b
    if np.any((s_max <= 0) | (r_b >= r_max)):
        raise EngagementInputError(
            "boost_s too long for range_max_m and speed_avg_mps: the missile would reach maximum "
            "range during boost; expected range_max_m > speed_max_mps × boost_s / 2 and "
            "range_max_m / speed_avg_mps > boost_s",
            field="boost_s",
        )
    rho = (r_max - r_b) / (v_max * s_max)
    if np.any(rho > 1.0 + 1e-12):
        raise EngagementInputError(
            "speed_avg_mps is higher than a drag-free boost–coast allows; expected "
            "speed_avg_mps ≤ speed_max_mps × (1 − boost_s / (2 × range_max_m / speed_avg_mps))",
            field="speed_avg_mps",
        )
    x = _solve_log_ratio(np.minimum(rho, 1.0))
    k = x / s_max
    return BoostCoastProfile(v_max, t_b, np.asarray(k, dtype=np.float64), r_max)


def _coast_range(v_max, k, s):
    ks = k * s
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(k > 0, v_max * np.log1p(ks) / np.where(k > 0, k, 1.0), v_max * s)
    return r


def flyout_range_m(profile: BoostCoastProfile, time_of_flight_s) -> np.ndarray:
    """Range flown after ``time_of_flight_s`` (broadcast against the profile's arrays)."""
    tau = nonnegative(time_of_flight_s, "time_of_flight_s")
    v, tb, k = profile.speed_max_mps, profile.boost_s, profile.coast_decay_per_s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        boost = np.where(tb > 0, 0.5 * v * tau * tau / np.where(tb > 0, tb, 1.0), 0.0)
    coast = 0.5 * v * tb + _coast_range(v, k, np.maximum(tau - tb, 0.0))
    return np.where(tau <= tb, boost, coast)


def flyout_speed_mps(profile: BoostCoastProfile, time_of_flight_s) -> np.ndarray:
    """Missile speed after ``time_of_flight_s``."""
    tau = nonnegative(time_of_flight_s, "time_of_flight_s")
    v, tb, k = profile.speed_max_mps, profile.boost_s, profile.coast_decay_per_s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        boost = np.where(tb > 0, v * tau / np.where(tb > 0, tb, 1.0), v)
    coast = v / (1.0 + k * np.maximum(tau - tb, 0.0))
    return np.where(tau < tb, boost, coast)


def flyout_time_s(profile: BoostCoastProfile, range_m) -> np.ndarray:
    """Time of flight to ``range_m`` (the exact inverse of :func:`flyout_range_m`).

    Ranges beyond ``range_max_m`` are extrapolated along the same law; the envelope excludes them.
    """
    r = nonnegative(range_m, "range_m")
    v, tb, k = profile.speed_max_mps, profile.boost_s, profile.coast_decay_per_s
    r_b = 0.5 * v * tb
    boost = np.sqrt(2.0 * r * tb / v)
    dr = np.maximum(r - r_b, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coast = tb + np.where(k > 0, np.expm1(k * dr / v) / np.where(k > 0, k, 1.0), dr / v)
    return np.where(r <= r_b, boost, coast)


@numba.njit(cache=True)
def _gap(d, vk, v_max, t_b, k, i, tau):  # pragma: no cover - compiled
    """Range flown by pair ``i``'s missile after ``tau`` minus the distance to its target then
    (≥ 0: reached); the scalar form of :func:`flyout_range_m` (same operations, same order)."""
    x = d[i, 0] + vk[i, 0] * tau
    y = d[i, 1] + vk[i, 1] * tau
    z = d[i, 2] + vk[i, 2] * tau
    dist = np.sqrt(x * x + y * y + z * z)
    v, tb, kk = v_max[i], t_b[i], k[i]
    if tau <= tb:
        r = 0.5 * v * tau * tau / tb if tb > 0 else 0.0
    else:
        s = tau - tb
        r = 0.5 * v * tb + (v * np.log1p(kk * s) / kk if kk > 0 else v * s)
    return r - dist


@numba.njit(cache=True)
def _first_reach(d, vk, v_max, t_b, k, tau_lo, tau_hi, unit_grid, n_bisect):  # pragma: no cover - compiled
    """Per pair: the first grid point of ``tau_lo + (tau_hi − tau_lo) × unit_grid`` where the
    missile has reached its target, then ``n_bisect`` bisections of the bracket before it;
    (τ (K,), found (K,) bool). Pairs without a reached grid point are not bisected."""
    n = tau_lo.size
    tau = np.full(n, np.nan)
    found = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        span = tau_hi[i] - tau_lo[i]
        prev = tau_lo[i] + span * unit_grid[0]
        for j in range(unit_grid.size):
            g = tau_lo[i] + span * unit_grid[j]
            if _gap(d, vk, v_max, t_b, k, i, g) >= 0.0:
                lo, hi = (prev, g) if j > 0 else (g, g)
                for _ in range(n_bisect):
                    mid = 0.5 * (lo + hi)
                    if _gap(d, vk, v_max, t_b, k, i, mid) >= 0.0:
                        hi = mid
                    else:
                        lo = mid
                tau[i] = hi
                found[i] = True
                break
            prev = g
    return tau, found


def intercept_flyout(
    target_pos_enu_m,
    target_vel_enu_mps,
    launcher_pos_enu_m,
    profile: BoostCoastProfile,
    t_launch_s=0.0,
    *,
    n_grid: int = 128,
    n_bisect: int = 60,
) -> Intercept:
    """Earliest intercept with a boost–coast interceptor, for every (threat, launcher) pair.

    ``profile`` holds one missile per launcher (arrays of shape (L,), e.g. ``profile.take(type)``),
    or a scalar profile for all. Solves ``range(τ) = |p_T + v_T (t_launch + τ) − p_L|`` for the
    earliest τ in [0, T_max] (module docstring); pairs with no root there get
    ``InterceptStatus.OUT_OF_RANGE``. Times are relative to the target's reference time.

    Since range(τ) ≤ v_max τ, the constant-speed intercept at ``v_max`` is a lower bound τ_lo
    on the answer: only pairs with τ_lo ≤ T_max are searched, on a grid over [τ_lo, T_max].
    """
    p_t, v_t, p_l = _pair_arrays(target_pos_enu_m, target_vel_enu_mps, launcher_pos_enu_m)
    n_t, n_l = p_t.shape[0], p_l.shape[0]
    if int(n_grid) < 2 or int(n_bisect) < 1:
        raise EngagementInputError("expected n_grid ≥ 2 and n_bisect ≥ 1", field="n_grid")
    t0 = broadcast_pairs(finite_array(t_launch_s, "t_launch_s"), "t_launch_s", n_t, n_l)
    v_max, t_b, k, r_max = (
        broadcast_pairs(a, "profile", n_t, n_l)
        for a in (profile.speed_max_mps, profile.boost_s, profile.coast_decay_per_s, profile.range_max_m)
    )
    t_max = flyout_time_s(BoostCoastProfile(v_max, t_b, k, r_max), r_max)  # (T, L)

    bound = intercept_constant_speed(p_t, v_t, p_l, v_max, t0)
    cand = bound.feasible & (bound.time_of_flight_s <= t_max)
    ti, li = np.nonzero(cand)
    d = p_t[ti] + v_t[ti] * t0[ti, li, None] - p_l[li]  # (K, 3) target relative to launcher at launch
    vk = np.ascontiguousarray(v_t[ti])
    tau_lo = bound.time_of_flight_s[ti, li]

    hi, found_k = _first_reach(d, vk, v_max[ti, li], t_b[ti, li], k[ti, li], tau_lo, t_max[ti, li],
                               np.linspace(0.0, 1.0, int(n_grid)), int(n_bisect))

    tau = np.full((n_t, n_l), np.nan)
    tau[ti[found_k], li[found_k]] = hi[found_k]
    found = np.isfinite(tau)
    status = np.where(found, InterceptStatus.OK, InterceptStatus.OUT_OF_RANGE).astype(np.int8)
    t_int = t0 + tau
    pos = p_t[:, None, :] + v_t[:, None, :] * t_int[..., None]
    return Intercept(t_int, tau, pos, status, found)
