"""Gating and data association over all tracks and detections at once.

* :func:`mahalanobis_d2` — the N×M matrix of squared Mahalanobis distances
  ``d²_ij = ν_ijᵀ S_ij⁻¹ ν_ij``, ``S_ij = H P_i Hᵀ + R_j``, with angle components of ν wrapped
  to (−π, π] (one numba pass over all pairs).
* :func:`chi2_gate` — the gate ``γ`` with ``P(χ²_m ≤ γ) = P_G`` (Bar-Shalom et al. 2001, §3.3).
* :func:`gnn_assign` — global nearest neighbour: one ``scipy.optimize.linear_sum_assignment``
  on the gated cost matrix. A miss costs the gate value; clipping every cost at the gate and
  dropping pairs at the gate afterwards is exactly the classic formulation with one "miss"
  column per track, without the extra columns.
* :func:`jpda_weights` — joint probabilistic data association (Fortmann, Bar-Shalom & Scheffe,
  IEEE J. Oceanic Eng. 1983). Tracks and detections are split into clusters (connected
  components of the gate matrix); every feasible joint event of a cluster with at most
  ``max_exact_tracks`` tracks (default 8) is enumerated exactly. Larger clusters use
  Fitzgerald's "cheap JPDA" approximation (Fitzgerald, 1985), noted per call in ``n_approx``.
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.stats import chi2

__all__ = [
    "chi2_gate",
    "mahalanobis_d2",
    "gated_pairs",
    "gnn_assign",
    "gnn_assign_sparse",
    "jpda_weights",
    "gaussian_likelihood",
]


def chi2_gate(prob: float, meas_dim: int) -> float:
    """Squared-distance gate ``γ`` such that a true detection falls inside with prob ``prob``."""
    return float(chi2.ppf(prob, meas_dim))


@numba.njit(cache=True, inline="always")
def _pair_d2(zhat, S0, i, z, R, j, jr, angle, gate, S, v):
    """(d², log det S) of one pair; d² may stop early anywhere above ``gate``."""
    m = zhat.shape[1]
    for a in range(m):
        r = z[j, a] - zhat[i, a]
        if angle[a]:
            r = np.pi - np.mod(np.pi - r, 2.0 * np.pi)
        v[a] = r
    for a in range(m):
        for b in range(a + 1):
            S[a, b] = S0[i, a, b] + R[jr, a, b]
    # in-place lower Cholesky of S, then forward substitution
    ld = 0.0
    for a in range(m):
        s = S[a, a]
        for k in range(a):
            s -= S[a, k] * S[a, k]
        if s <= 0.0:
            return np.inf, np.inf
        s = np.sqrt(s)
        S[a, a] = s
        ld += 2.0 * np.log(s)
        for b in range(a + 1, m):
            t = S[b, a]
            for k in range(a):
                t -= S[b, k] * S[a, k]
            S[b, a] = t / s
    d2 = 0.0
    for a in range(m):
        t = v[a]
        for k in range(a):
            t -= S[a, k] * v[k]
        t /= S[a, a]
        v[a] = t
        d2 += t * t
        if d2 > gate:
            break
    return d2, ld


@numba.njit(cache=True)
def _d2_kernel(zhat, S0, z, R, angle, shared_r, gate, out, logdet):
    n, m = zhat.shape
    S = np.empty((m, m))
    v = np.empty(m)
    for i in range(n):
        for j in range(z.shape[0]):
            d2, ld = _pair_d2(zhat, S0, i, z, R, j, 0 if shared_r else j, angle, gate, S, v)
            out[i, j] = d2
            logdet[i, j] = ld


@numba.njit(cache=True)
def _gate_sparse_kernel(zhat, S0, zs, Rs, order, lo, hi, angle, shared_r, gate,
                        out_i, out_j, out_d2, out_ld):
    n, m = zhat.shape
    S = np.empty((m, m))
    v = np.empty(m)
    cnt = 0
    for i in range(n):
        for k in range(lo[i], hi[i]):
            d2, ld = _pair_d2(zhat, S0, i, zs, Rs, k, 0 if shared_r else k, angle, gate, S, v)
            if d2 < gate:
                out_i[cnt] = i
                out_j[cnt] = order[k]
                out_d2[cnt] = d2
                out_ld[cnt] = ld
                cnt += 1
    return cnt


def gated_pairs(zhat, S0, z, R, angle_mask=None, gate=np.inf):
    """The pairs inside the gate, as sparse arrays ``(i, j, d2, logdet)``, ``d2 < gate``.

    Same quantities as :func:`mahalanobis_d2` but only for pairs inside the gate, found without
    visiting all N×M pairs: detections are sorted on one non-angle component ``c`` and, since
    ``d² ≥ ν_c² / S_cc`` for any positive definite S, track i only needs the detections with
    ``|ν_c| ≤ sqrt(γ (S0_i,cc + max_j R_j,cc))`` (two ``searchsorted`` per track).
    """
    zhat = np.ascontiguousarray(zhat, dtype=float)
    z = np.asarray(z, dtype=float)
    S0 = np.ascontiguousarray(S0, dtype=float)
    R = np.asarray(R, dtype=float)
    n, nz = len(zhat), len(z)
    m = z.shape[1]
    ang = np.zeros(m, dtype=np.bool_) if angle_mask is None else np.asarray(angle_mask, bool)
    shared = R.ndim == 2
    e = np.zeros(0, np.int64)
    if n == 0 or nz == 0:
        return e, e.copy(), np.zeros(0), np.zeros(0)
    lin = np.flatnonzero(~ang)
    if lin.size and np.isfinite(gate):
        c = int(lin[0])
        order = np.argsort(z[:, c], kind="stable")
        zs = np.ascontiguousarray(z[order])
        rcc = R[c, c] if shared else R[:, c, c].max()
        w = np.sqrt(gate * (S0[:, c, c] + rcc))
        lo = np.searchsorted(zs[:, c], zhat[:, c] - w, "left")
        hi = np.searchsorted(zs[:, c], zhat[:, c] + w, "right")
    else:
        order = np.arange(nz)
        zs = np.ascontiguousarray(z)
        lo, hi = np.zeros(n, np.int64), np.full(n, nz, np.int64)
    Rs = np.ascontiguousarray(R[None] if shared else R[order])
    cap = int((hi - lo).sum())
    oi, oj = np.empty(cap, np.int64), np.empty(cap, np.int64)
    od, ol = np.empty(cap), np.empty(cap)
    k = _gate_sparse_kernel(zhat, S0, zs, Rs, order.astype(np.int64), lo.astype(np.int64),
                            hi.astype(np.int64), ang, shared, float(gate), oi, oj, od, ol)
    return oi[:k], oj[:k], od[:k], ol[:k]


def mahalanobis_d2(zhat, S0, z, R, angle_mask=None, gate=np.inf, return_logdet=False):
    """Squared Mahalanobis distances between predicted and received measurements.

    Parameters
    ----------
    zhat : (N, m) predicted measurements; S0 : (N, m, m) ``H P Hᵀ`` (without R);
    z : (M, m) measurements; R : (m, m) shared or (M, m, m) per-detection noise covariance;
    angle_mask : (m,) bool, components to wrap; gate : values above it may be returned
    as any number above the gate (the pass stops early).

    Returns (N, M) ``d²`` (and the (N, M) ``log det S_ij`` if ``return_logdet``).
    """
    zhat = np.ascontiguousarray(zhat, dtype=float)
    z = np.ascontiguousarray(z, dtype=float)
    S0 = np.ascontiguousarray(S0, dtype=float)
    R = np.asarray(R, dtype=float)
    m = zhat.shape[1] if zhat.ndim == 2 else z.shape[1]
    shared = R.ndim == 2
    R3 = np.ascontiguousarray(R[None] if shared else R)
    ang = np.zeros(m, dtype=np.bool_) if angle_mask is None else np.asarray(angle_mask, bool)
    out = np.empty((zhat.shape[0], z.shape[0]))
    ld = np.empty_like(out)
    if out.size:
        _d2_kernel(zhat, S0, z, R3, ang, shared, float(gate), out, ld)
    return (out, ld) if return_logdet else out


def gnn_assign(cost: np.ndarray, gate: float):
    """Optimal one-to-one assignment of rows (tracks) to columns (detections).

    Minimises ``Σ_assigned cost_ij + gate · (#unassigned rows)``; pairs with ``cost ≥ gate`` are
    never assigned. Only rows and columns with at least one gated pair enter the single
    ``linear_sum_assignment`` call. Returns ``(rows, cols)`` int arrays.
    """
    cost = np.asarray(cost, dtype=float)
    inside = cost < gate
    if not inside.any():
        e = np.empty(0, dtype=np.intp)
        return e, e.copy()
    rows = np.flatnonzero(inside.any(axis=1))
    cols = np.flatnonzero(inside.any(axis=0))
    sub = np.minimum(cost[np.ix_(rows, cols)], gate)
    r, c = linear_sum_assignment(sub)
    keep = sub[r, c] < gate
    return rows[r[keep]], cols[c[keep]]


def gnn_assign_sparse(i, j, cost, gate: float):
    """:func:`gnn_assign` for gated pairs given sparsely (``cost < gate`` for every pair).

    Pairs that are alone in their row and column (isolated track–plot pairs, the common case)
    are taken directly; all other pairs go to one ``linear_sum_assignment`` on the dense block
    of their rows and columns, filled with the gate value — exact, because those rows and
    columns have no gated pair outside the block.
    """
    i = np.asarray(i, np.intp)
    j = np.asarray(j, np.intp)
    if i.size == 0:
        return i, j
    alone = (np.bincount(i)[i] == 1) & (np.bincount(j)[j] == 1)
    rest = ~alone
    if not rest.any():
        return i, j
    rows, r_inv = np.unique(i[rest], return_inverse=True)
    cols, c_inv = np.unique(j[rest], return_inverse=True)
    sub = np.full((rows.size, cols.size), float(gate))
    sub[r_inv, c_inv] = np.asarray(cost, float)[rest]
    r, c = linear_sum_assignment(sub)
    keep = sub[r, c] < gate
    return np.concatenate([i[alone], rows[r[keep]]]), np.concatenate([j[alone], cols[c[keep]]])


def gaussian_likelihood(d2, logdet, meas_dim):
    """``N(ν; 0, S) = exp(−d²/2) / sqrt((2π)^m det S)``, elementwise."""
    return np.exp(-0.5 * d2 - 0.5 * logdet - 0.5 * meas_dim * np.log(2.0 * np.pi))


def _clusters(inside):
    n, m = inside.shape
    i, j = np.nonzero(inside)
    g = coo_matrix((np.ones(i.size), (i, n + j)), shape=(n + m, n + m))
    return connected_components(g, directed=False)[1]


def jpda_weights(likelihood, inside, pd, clutter_density, pg=1.0, max_exact_tracks=8):
    """Marginal association probabilities ``β`` of JPDA.

    Parameters
    ----------
    likelihood : (N, M) ``N(ν_ij; 0, S_ij)`` (1/measurement-space volume)
    inside : (N, M) bool gate matrix
    pd, pg : detection and gate probabilities; clutter_density : λ, false plots per unit
    measurement-space volume.

    Returns ``(beta, n_approx)``: ``beta`` (N, M+1), column 0 the probability that the track
    was not detected, column j+1 that detection j is the track's; each row sums to 1.
    ``n_approx`` counts clusters that were too large for exact enumeration.

    A joint event θ assigns each track at most one gated detection and each detection at most one
    track; ``P(θ) ∝ Π_{(i,j)∈θ} P_D L_ij / λ · Π_{i missed} (1 − P_D P_G)`` (Bar-Shalom et al.
    2001, §6.4, parametric form).
    """
    lik = np.asarray(likelihood, float)
    inside = np.asarray(inside, bool) & (lik > 0)
    n, m = lik.shape
    beta = np.zeros((n, m + 1))
    beta[:, 0] = 1.0
    if n == 0 or m == 0:
        return beta, 0
    ratio = np.where(inside, pd * lik / clutter_density, 0.0)
    miss = 1.0 - pd * pg
    labels = _clusters(inside)
    track_lab = labels[:n]
    n_approx = 0
    for lab in np.unique(track_lab):
        ti = np.flatnonzero(track_lab == lab)
        dj = np.flatnonzero(labels[n:] == lab)
        if dj.size == 0:
            continue
        sub = ratio[np.ix_(ti, dj)]
        if ti.size <= max_exact_tracks:
            b = _jpda_exact(sub, miss)
        else:
            n_approx += 1
            b = _cheap_jpda(sub, miss)
        beta[ti, 0] = b[:, 0]
        beta[np.ix_(ti, dj + 1)] = b[:, 1:]
    return beta, n_approx


def _jpda_exact(ratio, miss):
    t, m = ratio.shape
    options = [[-1] + list(np.flatnonzero(ratio[i] > 0)) for i in range(t)]
    acc = np.zeros((t, m + 1))
    total = 0.0
    for ev in itertools.product(*options):
        used = [j for j in ev if j >= 0]
        if len(used) != len(set(used)):
            continue
        w = 1.0
        for i, j in enumerate(ev):
            w *= miss if j < 0 else ratio[i, j]
        total += w
        for i, j in enumerate(ev):
            acc[i, j + 1] += w
    return acc / total


def _cheap_jpda(ratio, miss):
    """Fitzgerald's cheap JPDA: β_ij = G_ij / (S_i + T_j − G_ij + B)."""
    si = ratio.sum(axis=1, keepdims=True)
    tj = ratio.sum(axis=0, keepdims=True)
    b = ratio / (si + tj - ratio + miss)
    b0 = np.clip(1.0 - b.sum(axis=1), 0.0, None)
    out = np.concatenate([b0[:, None], b], axis=1)
    return out / out.sum(axis=1, keepdims=True)
