"""Pd-aware track score (Blackman & Popoli 1999, §6.2) and the class posterior behind its Pd."""

import math

import numpy as np

from iadsim.tracking.score import (
    PD_MAX,
    class_posterior,
    expected_pd,
    gaussian_loglik,
    score_increment,
)


def test_miss_costs_ln_one_minus_pd_and_hit_gains_ln_pd_g_over_beta():
    """ΔL = ln(1 − P_D) on a miss, ln(P_D·g/β_FA) on a plot (Blackman & Popoli 1999, §6.2; exact)."""
    pd = np.array([0.0, 0.5, 0.9, 1.0, 0.9])
    hit = np.array([False, False, False, False, True])
    lg = np.array([0.0, 0.0, 0.0, 0.0, math.log(50.0)])
    d = score_increment(hit, pd, lg, 1e-6)
    assert d[0] == 0.0  # a radar that cannot see the track costs nothing
    assert math.isclose(d[1], math.log(0.5)) and math.isclose(d[2], math.log(0.1))
    assert math.isclose(d[3], math.log(1 - PD_MAX))  # capped: one miss is never fatal
    assert math.isclose(d[4], math.log(0.9 * 50.0 / 1e-6))


def test_gaussian_loglik_matches_the_density():
    """ln N(ν; 0, S) for S = diag(4, 9, 1): −½(d² + ln|S| + 3 ln 2π)."""
    S = np.diag([4.0, 9.0, 1.0])
    nu = np.array([1.0, -3.0, 0.5])
    d2 = nu @ np.linalg.solve(S, nu)
    ref = -0.5 * (d2 + math.log(np.linalg.det(S)) + 3 * math.log(2 * math.pi))
    assert math.isclose(float(gaussian_loglik(d2, math.log(36.0), 3)), ref, rel_tol=1e-12)


def test_class_posterior_learns_a_low_observable_from_misses():
    """Two hypotheses, a radar with Pd 0.99 on one and 0.001 on the other: after a few misses the
    track is believed to be the second, and the expected Pd (what a miss costs) falls to ~0."""
    w = np.array([[0.5, 0.5]])
    pdc = np.array([[0.99, 0.001]])
    assert math.isclose(float(expected_pd(w, pdc)[0]), 0.4955)
    for _ in range(3):
        w = class_posterior(w, pdc, np.array([False]))
    assert w[0, 1] > 0.999 and float(expected_pd(w, pdc)[0]) < 0.003
    # a plot moves it back (no hypothesis is ever ruled out by one scan)
    w2 = class_posterior(w, pdc, np.array([True]))
    assert w2[0, 0] > w[0, 0] and np.all(w2 > 0) and math.isclose(float(w2.sum()), 1.0)
