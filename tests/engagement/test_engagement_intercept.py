"""Intercept geometry (constant speed) and the boost–coast fly-out."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import lambertw

from iadsim.engagement import (
    InterceptStatus,
    boost_coast_profile,
    flyout_range_m,
    flyout_speed_mps,
    flyout_time_s,
    intercept_constant_speed,
    intercept_flyout,
)
from iadsim.engagement.flyout import _solve_log_ratio

ORIGIN = np.zeros((1, 3))


def test_head_on_by_hand():
    """Head-on: target 30 km out closing at 300 m/s, interceptor 1200 m/s.

    Source: hand calculation, closing speed 1500 m/s → t = 30 000 / 1500 = 20 s, point 24 km;
    launched 5 s late the target is at 28.5 km → τ = 19 s, t = 24 s, point 22.8 km.
    """
    sol = intercept_constant_speed([[30e3, 0, 0]], [[-300, 0, 0]], np.zeros((2, 3)), 1200.0, [0.0, 5.0])
    np.testing.assert_allclose(sol.t_intercept_s, [[20.0, 24.0]], rtol=1e-12)
    np.testing.assert_allclose(sol.time_of_flight_s, [[20.0, 19.0]], rtol=1e-12)
    np.testing.assert_allclose(sol.pos_enu_m[0, :, 0], [24e3, 22.8e3], rtol=1e-12)
    assert sol.status.tolist() == [[InterceptStatus.OK, InterceptStatus.OK]]


def test_tail_chase():
    """Tail chase: closing speed v_m − v_T. Source: hand calculation (1D relative motion).

    Interceptor 1000 m/s behind a target 10 km ahead at 500 m/s: τ = 10 000 / 500 = 20 s, point
    20 km. At 400 m/s the target outruns it: no solution (status RECEDING, NaN point).
    """
    ok = intercept_constant_speed([[10e3, 0, 0]], [[500, 0, 0]], ORIGIN, 1000.0)
    assert ok.feasible[0, 0]
    np.testing.assert_allclose(ok.t_intercept_s[0, 0], 20.0, rtol=1e-12)
    np.testing.assert_allclose(ok.pos_enu_m[0, 0], [20e3, 0, 0], rtol=1e-12)

    no = intercept_constant_speed([[10e3, 0, 0]], [[500, 0, 0]], ORIGIN, 400.0)
    assert not no.feasible[0, 0]
    assert no.status[0, 0] == InterceptStatus.RECEDING
    assert np.isnan(no.t_intercept_s[0, 0]) and np.all(np.isnan(no.pos_enu_m[0, 0]))


def test_equal_speed_linear_case():
    """|v_T| = v_m makes the quadratic linear: τ = −c / b. Source: hand calculation.

    Target at (0, 10 km) moving (+300, 0); interceptor 300 m/s from (10 km, 0):
    d = (−10 000, 10 000), b = 2 d·v = −6e6, c = 2e8 → τ = 33.33 s.
    """
    sol = intercept_constant_speed([[0, 10e3, 0]], [[300, 0, 0]], [[10e3, 0, 0]], 300.0)
    np.testing.assert_allclose(sol.time_of_flight_s[0, 0], 2e8 / 6e6, rtol=1e-12)
    receding = intercept_constant_speed([[0, 10e3, 0]], [[-300, 0, 0]], [[10e3, 0, 0]], 300.0)
    assert receding.status[0, 0] == InterceptStatus.RECEDING


def test_tangent_and_outrun():
    """A faster target passing at the exact grazing geometry gives a double root.

    Source: hand calculation. v_T = (−200, 0, 0), v_m = 100: a = 3e4; with d = (√3 Y, Y, 0) the
    discriminant b² − 4ac vanishes, τ = −b / 2a = √3 Y / 150 and the intercept distance equals
    100 τ = 2Y/√3. Moving the target further off track (d = (√3 Y, 1.1 Y)) leaves no solution.
    """
    y = 1000.0
    x = np.sqrt(3.0) * y
    sol = intercept_constant_speed([[x, y, 0]], [[-200, 0, 0]], ORIGIN, 100.0)
    assert sol.status[0, 0] == InterceptStatus.TANGENT and sol.feasible[0, 0]
    np.testing.assert_allclose(sol.time_of_flight_s[0, 0], x / 150.0, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(sol.pos_enu_m[0, 0]), 2 * y / np.sqrt(3), rtol=1e-9)

    miss = intercept_constant_speed([[x, 1.1 * y, 0]], [[-200, 0, 0]], ORIGIN, 100.0)
    assert miss.status[0, 0] == InterceptStatus.NO_SOLUTION and not miss.feasible[0, 0]
    passed = intercept_constant_speed([[-x, y, 0]], [[-200, 0, 0]], ORIGIN, 100.0)
    assert passed.status[0, 0] == InterceptStatus.RECEDING


def test_target_at_launcher():
    """Zero distance at launch: τ = 0 (c = 0)."""
    sol = intercept_constant_speed([[5.0, 0, 0]], [[-1.0, 0, 0]], ORIGIN, 100.0, 5.0)
    np.testing.assert_allclose(sol.t_intercept_s[0, 0], 5.0)
    np.testing.assert_allclose(sol.time_of_flight_s[0, 0], 0.0)


def test_batched_shapes():
    """Threats × launchers broadcast; each pair equals the single-pair solution."""
    rng = np.random.default_rng(1)
    pt = rng.uniform(-5e4, 5e4, (7, 3))
    vt = rng.uniform(-400, 400, (7, 3))
    pl = rng.uniform(-5e4, 5e4, (4, 3))
    vm = rng.uniform(300, 1500, 4)
    t0 = rng.uniform(0, 10, (7, 4))
    sol = intercept_constant_speed(pt, vt, pl, vm, t0)
    assert sol.t_intercept_s.shape == (7, 4) and sol.pos_enu_m.shape == (7, 4, 3)
    for i in range(7):
        for j in range(4):
            one = intercept_constant_speed(pt[i : i + 1], vt[i : i + 1], pl[j : j + 1], vm[j], t0[i, j])
            np.testing.assert_array_equal(one.status[0, 0], sol.status[i, j])
            np.testing.assert_allclose(one.t_intercept_s[0, 0], sol.t_intercept_s[i, j], equal_nan=True)


coord = st.floats(-2e5, 2e5, allow_nan=False)
speed = st.floats(-1500, 1500, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    p=st.tuples(coord, coord, st.floats(0, 3e4)),
    v=st.tuples(speed, speed, st.floats(-300, 300)),
    lp=st.tuples(coord, coord, st.floats(0, 1e3)),
    vm=st.floats(50, 3000),
    t0=st.floats(0, 60),
)
def test_intercept_point_reached_by_both_at_the_same_time(p, v, lp, vm, t0):
    """Property: the point is on the target track at t and at distance v_m (t − t0) from the
    launcher (the defining equation), it is the earliest such time, and a faster interceptor
    always has a solution (c/a < 0: roots of opposite sign)."""
    sol = intercept_constant_speed([p], [v], [lp], vm, t0)
    tau = sol.time_of_flight_s[0, 0]
    d = np.asarray(p) + np.asarray(v) * t0 - np.asarray(lp)
    if np.linalg.norm(v) < vm * (1 - 1e-9):
        assert sol.feasible[0, 0]
    if not sol.feasible[0, 0]:
        # No τ ≥ 0 on a fine grid closes the gap.
        taus = np.linspace(0, 4 * np.linalg.norm(d) / vm + 100, 2001)
        gap = np.linalg.norm(d[None, :] + np.outer(taus, v), axis=1) - vm * taus
        assert np.all(gap > -1e-6 * np.maximum(1.0, np.linalg.norm(d)))
        return
    point = sol.pos_enu_m[0, 0]
    t = sol.t_intercept_s[0, 0]
    scale = max(1.0, np.linalg.norm(d))
    np.testing.assert_allclose(point, np.asarray(p) + np.asarray(v) * t, atol=1e-9 * scale + 1e-6)
    assert abs(np.linalg.norm(point - np.asarray(lp)) - vm * tau) <= 1e-7 * scale + 1e-6
    # Earliest: the interceptor cannot be there before τ.
    earlier = np.linspace(0, tau, 200, endpoint=False)[1:]
    gap = np.linalg.norm(d[None, :] + np.outer(earlier, v), axis=1) - vm * earlier
    assert np.all(gap >= -1e-7 * scale - 1e-6)


# --- boost–coast fly-out ---------------------------------------------------------------------


def test_profile_mean_speed_matches_published_average():
    """Calibration: time to maximum range = range_max / speed_avg (the defining condition).

    Figures: illustrative long-range SAM (v_max 2000 m/s, v_avg 1000 m/s, boost 10 s, 250 km);
    near the drag-free limit (ρ → 1) and a short-range missile.
    """
    prof = boost_coast_profile([2000.0, 1500.0, 1000.0], [1000.0, 1499.99, 500.0], [10.0, 0.0, 3.0],
                               [250e3, 40e3, 40e3])
    np.testing.assert_allclose(prof.time_max_s, [250.0, 40e3 / 1499.99, 80.0], rtol=1e-10)
    np.testing.assert_allclose(flyout_range_m(prof, prof.time_max_s), prof.range_max_m, rtol=1e-10)


def test_profile_closed_form_and_phases():
    """ln(1+x) = ρx solved by bisection agrees with x = −W₋₁(−ρe^{−ρ})/ρ − 1 (Corless et al. 1996);
    range and speed are continuous at burnout (r_b = v_max t_b / 2, v = v_max)."""
    rho = np.array([0.2, 0.5, 0.8, 0.95])
    x_w = -np.real(lambertw(-rho * np.exp(-rho), k=-1)) / rho - 1
    np.testing.assert_allclose(_solve_log_ratio(rho), x_w, rtol=1e-9)
    prof = boost_coast_profile(2000.0, 1000.0, 10.0, 250e3)
    np.testing.assert_allclose(flyout_range_m(prof, [10.0 - 1e-9, 10.0 + 1e-9]), 10e3, rtol=1e-9)
    np.testing.assert_allclose(flyout_speed_mps(prof, [5.0, 10.0]), [1000.0, 2000.0])
    s = 50.0
    k = prof.coast_decay_per_s
    np.testing.assert_allclose(flyout_speed_mps(prof, 10.0 + s), 2000.0 / (1 + k * s))


@settings(max_examples=100, deadline=None)
@given(
    vmax=st.floats(300, 4000),
    avg_frac=st.floats(0.2, 0.95),
    boost=st.floats(0, 20),
    rmax=st.floats(5e3, 4e5),
)
def test_profile_monotone_and_invertible(vmax, avg_frac, boost, rmax):
    """Property: range(t) increases, time(range(t)) = t, and mean speed to range_max = v_avg."""
    v_avg = avg_frac * vmax * (1 - boost / (2 * rmax / (avg_frac * vmax))) if boost else avg_frac * vmax
    if rmax / v_avg <= boost or 0.5 * vmax * boost >= rmax or v_avg <= 0:
        return
    prof = boost_coast_profile(vmax, v_avg, boost, rmax)
    t = np.linspace(0, 2 * prof.time_max_s, 400)
    r = flyout_range_m(prof, t)
    assert np.all(np.diff(r) > 0)
    np.testing.assert_allclose(flyout_time_s(prof, r), t, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(rmax / prof.time_max_s, v_avg, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    p=st.tuples(coord, coord, st.floats(0, 2e4)),
    v=st.tuples(st.floats(-800, 800), st.floats(-800, 800), st.floats(-50, 50)),
    t0=st.floats(0, 20),
)
def test_flyout_without_boost_or_drag_equals_constant_speed(p, v, t0):
    """Limit check: boost 0 s and v_avg = v_max make the profile r = v_max τ, so the fly-out
    intercept must equal the closed-form constant-speed solution (within the bisection tolerance)."""
    prof = boost_coast_profile(1200.0, 1200.0, 0.0, 1e6)
    a = intercept_constant_speed([p], [v], ORIGIN, 1200.0, t0)
    b = intercept_flyout([p], [v], ORIGIN, prof, t0, n_grid=512)
    if a.feasible[0, 0] and a.time_of_flight_s[0, 0] < 0.99 * prof.time_max_s:
        grazing = a.status[0, 0] == InterceptStatus.TANGENT
        if not grazing:
            assert b.feasible[0, 0]
            np.testing.assert_allclose(b.t_intercept_s, a.t_intercept_s, rtol=1e-9, atol=1e-6)
    elif not a.feasible[0, 0]:
        assert not b.feasible[0, 0]


def test_flyout_intercept_point_consistent():
    """The fly-out intercept point lies on the target track and at the profile range for τ."""
    prof = boost_coast_profile([2000.0, 1000.0], [1000.0, 500.0], [10.0, 3.0], [250e3, 40e3])
    rng = np.random.default_rng(7)
    pt = np.column_stack([rng.uniform(-2e5, 2e5, (20, 2)), rng.uniform(100, 2e4, 20)])
    vt = np.column_stack([rng.uniform(-600, 600, (20, 2)), np.zeros(20)])
    pl = np.array([[0.0, 0, 0], [1e4, -5e3, 0]])
    sol = intercept_flyout(pt, vt, pl, prof, 2.0)
    assert sol.feasible.any() and (~sol.feasible).any()
    assert np.all(sol.status[~sol.feasible] == InterceptStatus.OUT_OF_RANGE)
    t, l = np.nonzero(sol.feasible)
    reach = flyout_range_m(prof.take(l), sol.time_of_flight_s[t, l])
    dist = np.linalg.norm(sol.pos_enu_m[t, l] - pl[l], axis=1)
    np.testing.assert_allclose(reach, dist, rtol=1e-9, atol=1e-3)
    assert np.all(dist <= prof.range_max_m[l] * (1 + 1e-9))
    np.testing.assert_allclose(sol.pos_enu_m[t, l], pt[t] + vt[t] * sol.t_intercept_s[t, l, None])


def test_head_on_flyout_by_hand():
    """Head-on against a boost–coast missile: at the intercept range(τ) = D − v_T (t0 + τ).

    Source: hand calculation with the closed-form inverse τ(r) of the profile: with boost 0 and
    coast k, range r = (v/k) ln(1 + kτ). Solve for the root by scipy's brentq and compare.
    """
    from scipy.optimize import brentq

    prof = boost_coast_profile(1500.0, 1000.0, 0.0, 100e3)
    k, v = float(prof.coast_decay_per_s), 1500.0
    root = brentq(lambda tau: v / k * np.log1p(k * tau) - (60e3 - 300.0 * tau), 0.0, 100.0, xtol=1e-12)
    sol = intercept_flyout([[60e3, 0, 0]], [[-300.0, 0, 0]], ORIGIN, prof)
    np.testing.assert_allclose(sol.time_of_flight_s[0, 0], root, rtol=1e-9)


BOOST_COAST = boost_coast_profile(2000.0, 1000.0, 10.0, 250e3)


@settings(max_examples=60, deadline=None)
@given(
    p=st.tuples(st.floats(-3e5, 3e5), st.floats(-3e5, 3e5), st.floats(0, 2e4)),
    v=st.tuples(st.floats(-1500, 1500), st.floats(-1500, 1500), st.floats(-50, 50)),
    t0=st.floats(0, 20),
)
def test_flyout_intercept_matches_dense_reference(p, v, t0):
    """Property: the vectorised search agrees with an independent reference, the first sign change
    of range(τ) − |d + v τ| on a 20 001-point grid over [0, T_max] refined by scipy's brentq.
    Grazing cases (the gap never exceeds 1 m) may legitimately differ and are skipped."""
    from scipy.optimize import brentq

    d = np.asarray(p) + np.asarray(v) * t0
    vv = np.asarray(v)

    def h(tau):
        tau = np.asarray(tau, dtype=float)
        return flyout_range_m(BOOST_COAST, tau) - np.linalg.norm(d + np.multiply.outer(tau, vv), axis=-1)

    taus = np.linspace(0, float(BOOST_COAST.time_max_s), 20_001)
    hs = h(taus)
    sol = intercept_flyout([p], [v], ORIGIN, BOOST_COAST, t0)
    if hs.max() < 1.0 and hs.max() > -1.0:
        return  # grazing
    if not (hs >= 0).any():
        assert not sol.feasible[0, 0]
        return
    i = int(np.argmax(hs >= 0))
    ref = 0.0 if i == 0 else brentq(lambda x: float(h(x)), taus[i - 1], taus[i], xtol=1e-12)
    assert sol.feasible[0, 0]
    np.testing.assert_allclose(sol.time_of_flight_s[0, 0], ref, rtol=1e-8, atol=1e-8)
