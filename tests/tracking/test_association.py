"""Gating, GNN and JPDA against brute force on small cases."""

import itertools

import numpy as np
import pytest
from scipy.stats import chi2

from iadsim.tracking import (
    chi2_gate,
    gated_pairs,
    gaussian_likelihood,
    gnn_assign,
    gnn_assign_sparse,
    jpda_weights,
    mahalanobis_d2,
)


def brute_gnn(cost, gate):
    """Minimum of Σ cost over assigned pairs + gate per unassigned track, by enumeration."""
    n, m = cost.shape
    best = np.inf
    for ev in itertools.product(*[[-1] + list(range(m)) for _ in range(n)]):
        used = [j for j in ev if j >= 0]
        if len(used) != len(set(used)):
            continue
        if any(j >= 0 and cost[i, j] >= gate for i, j in enumerate(ev)):
            continue
        best = min(best, sum(gate if j < 0 else cost[i, j] for i, j in enumerate(ev)))
    return best


@pytest.mark.parametrize("seed", range(40))
def test_gnn_is_optimal_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 5), rng.integers(0, 6)
    cost = rng.uniform(0, 12, (n, m))
    gate = 6.0
    r, c = gnn_assign(cost, gate)
    assert len(set(r)) == len(r) and len(set(c)) == len(c)
    assert np.all(cost[r, c] < gate)
    total = cost[r, c].sum() + gate * (n - len(r))
    assert np.isclose(total, brute_gnn(cost, gate))


def test_chi2_gate():
    assert np.isclose(chi2_gate(0.99, 2), chi2.ppf(0.99, 2))


def test_mahalanobis_matches_numpy_with_angle_wrapping():
    rng = np.random.default_rng(0)
    n, m = 5, 7
    zhat = np.column_stack([rng.uniform(1e3, 1e4, n), rng.uniform(-np.pi, np.pi, n)])
    zhat[0, 1] = np.pi - 1e-3
    z = np.column_stack([rng.uniform(1e3, 1e4, m), rng.uniform(-np.pi, np.pi, m)])
    z[0, 1] = -np.pi + 1e-3  # 2 mrad from zhat[0] across ±π
    z[0, 0] = zhat[0, 0] + 5.0
    A = rng.normal(size=(n, 2, 2))
    S0 = A @ A.transpose(0, 2, 1) * [[100, 0.1], [0.1, 1e-4]]
    R = np.stack([np.diag([r**2, 1e-6]) for r in rng.uniform(1, 30, m)])
    d2, ld = mahalanobis_d2(zhat, S0, z, R, np.array([False, True]), return_logdet=True)
    for i in range(n):
        for j in range(m):
            v = z[j] - zhat[i]
            v[1] = np.pi - np.mod(np.pi - v[1], 2 * np.pi)
            S = S0[i] + R[j]
            assert np.isclose(d2[i, j], v @ np.linalg.solve(S, v), rtol=1e-9)
            assert np.isclose(ld[i, j], np.linalg.slogdet(S)[1])
    v = z[0] - zhat[0]  # not wrapped: a 2π bearing error
    assert d2[0, 0] < 1e-3 * (v @ np.linalg.solve(S0[0] + R[0], v))


@pytest.mark.parametrize("seed", range(10))
def test_gated_pairs_equal_the_dense_matrix_inside_the_gate(seed):
    rng = np.random.default_rng(seed)
    n, m = 30, 40
    zhat = np.column_stack([rng.uniform(0, 2e3, n), rng.uniform(-np.pi, np.pi, n)])
    z = np.vstack([zhat[:20] + rng.normal(0, 1, (20, 2)) * [15, 0.01],
                   np.column_stack([rng.uniform(0, 2e3, m - 20), rng.uniform(-np.pi, np.pi, m - 20)])])
    z[:, 1] = np.pi - np.mod(np.pi - z[:, 1], 2 * np.pi)
    S0 = np.tile(np.diag([100.0, 1e-4]), (n, 1, 1)) * rng.uniform(0.5, 3, (n, 1, 1))
    R = np.stack([np.diag([r, 1e-5]) for r in rng.uniform(10, 400, m)])
    gate = 11.8
    dense, ld = mahalanobis_d2(zhat, S0, z, R, np.array([False, True]), return_logdet=True)
    i, j, d2, lds = gated_pairs(zhat, S0, z, R, np.array([False, True]), gate)
    assert set(zip(i, j)) == set(zip(*np.nonzero(dense < gate)))
    assert np.allclose(d2, dense[i, j]) and np.allclose(lds, ld[i, j])
    # sparse GNN gives the dense optimum
    rs, cs = gnn_assign_sparse(i, j, d2, gate)
    rd, cd = gnn_assign(dense, gate)
    assert np.isclose(dense[rs, cs].sum() + gate * (n - rs.size),
                      dense[rd, cd].sum() + gate * (n - rd.size))


def brute_jpda(ratio, miss):
    n, m = ratio.shape
    beta = np.zeros((n, m + 1))
    tot = 0.0
    for ev in itertools.product(*[[-1] + list(range(m)) for _ in range(n)]):
        used = [j for j in ev if j >= 0]
        if len(used) != len(set(used)):
            continue
        if any(j >= 0 and ratio[i, j] == 0 for i, j in enumerate(ev)):
            continue
        w = np.prod([miss if j < 0 else ratio[i, j] for i, j in enumerate(ev)])
        tot += w
        for i, j in enumerate(ev):
            beta[i, j + 1] += w
    return beta / tot


@pytest.mark.parametrize("seed", range(20))
def test_jpda_weights_sum_to_one_and_match_enumeration(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 5), rng.integers(1, 6)
    d2 = rng.uniform(0, 15, (n, m))
    gate = 9.21
    inside = d2 < gate
    lik = gaussian_likelihood(d2, np.full((n, m), np.log(100.0)), 2) * inside
    pd, lam = 0.9, 1e-3
    beta, napx = jpda_weights(lik, inside, pd, lam, pg=0.99)
    assert napx == 0
    assert np.allclose(beta.sum(axis=1), 1.0)
    assert np.all(beta >= 0) and np.all(beta[:, 1:][~inside] == 0)
    ratio = np.where(inside, pd * lik / lam, 0.0)
    assert np.allclose(beta, brute_jpda(ratio, 1 - pd * 0.99))


def test_jpda_large_cluster_uses_cheap_approximation_and_stays_normalised():
    rng = np.random.default_rng(1)
    n, m = 10, 12
    lik = rng.uniform(0.1, 1.0, (n, m))
    beta, napx = jpda_weights(lik, np.ones((n, m), bool), 0.9, 0.05, max_exact_tracks=4)
    assert napx == 1
    assert np.allclose(beta.sum(axis=1), 1.0) and np.all(beta >= 0)
