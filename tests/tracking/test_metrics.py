"""OSPA / GOSPA against hand-computed cases and Stone Soup 1.9.1; continuity; PCRLB."""

import datetime
import itertools

import numpy as np
import pytest

from iadsim.tracking import gospa, nees, ospa, pcrlb_linear, rmse, track_continuity


def test_ospa_hand_computed():
    """Schuhmacher, Vo & Vo (2008), eq. (3): X = {0, 10}, Y = {1}, c = 5, p = 2 on the line:
    ((1² + 5²·1)/2)^(1/2) = √13."""
    X = np.array([[0.0], [10.0]])
    Y = np.array([[1.0]])
    assert np.isclose(ospa(X, Y, c=5, p=2), np.sqrt(13))
    assert ospa(np.zeros((0, 2)), np.zeros((0, 2)), 5) == 0.0
    assert ospa(X, np.zeros((0, 1)), 5) == 5.0


def test_ospa_assigns_on_d_to_the_p():
    """OSPA's optimal pairing minimises Σ min(d, c)^p (not Σ d); brute force over permutations."""
    X = np.array([[0.0], [2.0]])
    Y = np.array([[1.0], [3.0]])
    assert np.isclose(ospa(X, Y, c=10, p=2), 1.0)
    rng = np.random.default_rng(0)
    for _ in range(20):
        X = rng.uniform(0, 10, (3, 2))
        Y = rng.uniform(0, 10, (3, 2))
        best = min(
            sum(min(np.linalg.norm(X[i] - Y[j]), 4.0) ** 3 for i, j in enumerate(pm))
            for pm in itertools.permutations(range(3))
        )
        assert np.isclose(ospa(X, Y, c=4.0, p=3), (best / 3) ** (1 / 3))


def test_gospa_hand_computed():
    """Rahmathullah et al. (2017), α = 2: X = {(0,0), (100,0)}, Y = {(3,4)}, c = 10, p = 1:
    one pair at 5, one false estimate at c/2 → 10."""
    g = gospa(np.array([[0.0, 0.0], [100.0, 0.0]]), np.array([[3.0, 4.0]]), c=10, p=1)
    assert np.isclose(g["distance"], 10.0)
    assert (g["n_assigned"], g["n_missed"], g["n_false"]) == (1, 0, 1)
    assert np.isclose(g["localisation"], 5.0) and np.isclose(g["false"], 5.0) and g["missed"] == 0
    # a pair farther than c counts as one missed and one false
    g = gospa(np.array([[0.0, 0.0]]), np.array([[30.0, 0.0]]), c=10, p=2)
    assert (g["n_assigned"], g["n_missed"], g["n_false"]) == (0, 1, 1)
    assert np.isclose(g["distance"], np.sqrt(100.0))


def _ss_states(P, t):
    from stonesoup.types.state import State

    return [State(p.reshape(-1, 1), timestamp=t) for p in P]


@pytest.mark.parametrize("seed", range(15))
def test_gospa_and_ospa_p1_match_stonesoup(seed):
    pytest.importorskip("stonesoup")
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric, OSPAMetric

    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 50, (rng.integers(0, 7), 2))
    Y = rng.uniform(0, 50, (rng.integers(1, 7), 2))
    c, p = 15.0, [1, 2, 3][seed % 3]
    t = datetime.datetime(2020, 1, 1)
    ss = GOSPAMetric(c=c, p=p, measure=Euclidean())
    ref = ss.compute_gospa_metric(_ss_states(X, t), _ss_states(Y, t))[0].value
    ours = gospa(X, Y, c, p)
    for k in ("distance", "localisation", "missed", "false"):
        assert np.isclose(ours[k], ref[k]), k
    if len(X):
        o = OSPAMetric(c=c, p=1, measure=Euclidean())
        ref_o = o.compute_OSPA_distance(_ss_states(X, t), _ss_states(Y, t)).value
        assert np.isclose(ospa(X, Y, c, 1), ref_o)


def test_rmse_and_nees():
    assert np.isclose(rmse(np.array([[3.0, 4.0], [0.0, 0.0]]), np.zeros((2, 2))), np.sqrt(12.5))
    assert np.isclose(nees(np.array([2.0, 0.0]), np.diag([4.0, 1.0])), 1.0)


def test_track_continuity_counts_switches_and_fragments():
    # truth 0: tracks 5,5,-,5,7,7 → 1 switch, 1 fragmentation; truth 1: 8,8,8 → none
    scan = np.r_[0:6, 0:3]
    truth = np.r_[[0] * 6, [1] * 3]
    track = np.r_[5, 5, -1, 5, 7, 7, 8, 8, 8]
    r = track_continuity(scan, truth, track)
    assert r["id_switches"] == 1 and r["fragmentations"] == 1
    assert r["per_truth"] == {0: (1, 1), 1: (0, 0)}


def test_pcrlb_scalar_random_walk_closed_form():
    """Scalar random walk F = 1: J_{k+1} = 1/(q + 1/J_k) + 1/r; the fixed point solves
    J = 1/(q + 1/J) + 1/r, i.e. the steady-state Kalman variance (Tichavský et al. 1998)."""
    q, r = 2.0, 3.0
    b = pcrlb_linear(np.eye(1), np.eye(1) * q, np.eye(1), np.eye(1) * r, np.eye(1) * 1e6, 200)
    p_pred = (q + np.sqrt(q * q + 4 * q * r)) / 2  # Riccati fixed point of the prediction
    assert np.isclose(b[-1, 0, 0], p_pred * r / (p_pred + r))
    assert np.all(np.diff(b[:, 0, 0]) <= 1e-12)
