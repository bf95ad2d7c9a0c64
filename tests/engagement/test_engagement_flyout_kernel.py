"""The compiled fly-out search (:func:`iadsim.engagement.flyout._first_reach`) against the numpy
implementation it replaced, kept here as the private reference ``_reference_search``."""

from __future__ import annotations

import numpy as np

from iadsim.engagement import BoostCoastProfile, boost_coast_profile, flyout_range_m, intercept_flyout
from iadsim.engagement.intercept import _pair_arrays, broadcast_pairs, intercept_constant_speed
from iadsim.engagement.flyout import flyout_time_s


def _reference_search(p_t, v_t, p_l, profile, t_launch_s, n_grid=128, n_bisect=60):
    """The numpy grid-and-bisection search of iadsim ≤ 0.x (before the numba kernel): (τ (T, L))."""
    p_t, v_t, p_l = _pair_arrays(p_t, v_t, p_l)
    n_t, n_l = p_t.shape[0], p_l.shape[0]
    t0 = broadcast_pairs(np.asarray(t_launch_s, dtype=float), "t_launch_s", n_t, n_l)
    v_max, t_b, k, r_max = (broadcast_pairs(a, "profile", n_t, n_l) for a in (
        profile.speed_max_mps, profile.boost_s, profile.coast_decay_per_s, profile.range_max_m))
    t_max = flyout_time_s(BoostCoastProfile(v_max, t_b, k, r_max), r_max)
    bound = intercept_constant_speed(p_t, v_t, p_l, v_max, t0)
    ti, li = np.nonzero(bound.feasible & (bound.time_of_flight_s <= t_max))
    d = p_t[ti] + v_t[ti] * t0[ti, li, None] - p_l[li]
    vk = v_t[ti]
    prof_k = BoostCoastProfile(v_max[ti, li], t_b[ti, li], k[ti, li], r_max[ti, li])
    tau_lo, tau_hi = bound.time_of_flight_s[ti, li], t_max[ti, li]

    def gap(tau):
        extra = (1,) * (tau.ndim - 1)
        dist = np.linalg.norm(d.reshape(d.shape[:1] + extra + (3,)) + vk.reshape(vk.shape[:1] + extra + (3,))
                              * tau[..., None], axis=-1)
        p = BoostCoastProfile(*(a.reshape(a.shape + extra) for a in (
            prof_k.speed_max_mps, prof_k.boost_s, prof_k.coast_decay_per_s, prof_k.range_max_m)))
        return flyout_range_m(p, tau) - dist

    grid = tau_lo[:, None] + (tau_hi - tau_lo)[:, None] * np.linspace(0.0, 1.0, n_grid)
    reached = gap(grid) >= 0.0
    found_k = reached.any(axis=1)
    first = np.argmax(reached, axis=1)
    hi = np.take_along_axis(grid, first[:, None], axis=1)[:, 0]
    lo = np.take_along_axis(grid, np.maximum(first - 1, 0)[:, None], axis=1)[:, 0]
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        ok = gap(mid) >= 0.0
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    tau = np.full((n_t, n_l), np.nan)
    tau[ti[found_k], li[found_k]] = hi[found_k]
    return tau


def _random_case(rng, n_t, n_l):
    pt = np.column_stack([rng.uniform(-1.5e5, 1.5e5, (n_t, 2)), rng.uniform(0, 2e4, n_t)])
    vt = np.column_stack([rng.uniform(-1500, 1500, (n_t, 2)), rng.uniform(-50, 50, n_t)])
    pl = np.column_stack([rng.uniform(-2e4, 2e4, (n_l, 2)), rng.uniform(0, 500, n_l)])
    t0 = rng.uniform(0, 20, (n_t, 1))
    return pt, vt, pl, t0


def test_compiled_search_equals_numpy_reference_on_random_pairs():
    """5 000 random (threat, launcher) pairs over three profiles (with boost, without boost, without
    drag): same feasibility, same τ within 1e-9 s (the brief's tolerance; the kernel does the same
    IEEE operations in the same order, so differences are last-bit at most)."""
    rng = np.random.default_rng(20261201)
    prof = boost_coast_profile([2000.0, 1500.0, 1200.0], [1000.0, 1000.0, 1200.0], [10.0, 0.0, 0.0],
                               [250e3, 100e3, 4e4])
    n_found = 0
    for rep in range(10):
        pt, vt, pl, t0 = _random_case(rng, 250, 2)
        types = rng.integers(0, 3, 2)
        p = prof.take(types)
        ref = _reference_search(pt, vt, pl, p, t0)
        sol = intercept_flyout(pt, vt, pl, p, t0)
        np.testing.assert_array_equal(sol.feasible, np.isfinite(ref))
        np.testing.assert_allclose(sol.time_of_flight_s, ref, rtol=0, atol=1e-9, equal_nan=True)
        n_found += int(np.isfinite(ref).sum())
    assert n_found > 500


def test_compiled_search_coarse_grid_and_few_bisections():
    """n_grid and n_bisect reach the kernel: a coarse grid and 5 bisections still equal the reference."""
    rng = np.random.default_rng(3)
    prof = boost_coast_profile(2000.0, 1000.0, 10.0, 250e3)
    pt, vt, pl, t0 = _random_case(rng, 400, 1)
    ref = _reference_search(pt, vt, pl, prof, t0, n_grid=3, n_bisect=5)
    sol = intercept_flyout(pt, vt, pl, prof, t0, n_grid=3, n_bisect=5)
    np.testing.assert_allclose(sol.time_of_flight_s, ref, rtol=0, atol=1e-9, equal_nan=True)
