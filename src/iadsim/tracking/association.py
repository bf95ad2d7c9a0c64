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

import functools
import itertools

import numba
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching
from scipy.stats import chi2

__all__ = [
    "chi2_gate",
    "mahalanobis_d2",
    "gated_pairs",
    "gnn_assign",
    "gnn_assign_sparse",
    "jpda_weights",
    "gaussian_likelihood",
    "GATE_CHUNK_PAIRS",
    "MAX_GATED_PAIRS",
]


def chi2_gate(prob: float, meas_dim: int) -> float:
    """Squared-distance gate ``γ`` such that a true detection falls inside with prob ``prob``
    (computed once per (prob, dimension): the tracker asks at every scan)."""
    return _chi2_ppf(float(prob), int(meas_dim))


@functools.lru_cache(maxsize=256)
def _chi2_ppf(prob: float, meas_dim: int) -> float:
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


#: Candidate pairs visited per kernel call: bounds the scratch memory of one call (~32 B per pair).
GATE_CHUNK_PAIRS = 1 << 21
#: Most track–plot pairs :func:`gated_pairs` returns (~32 B each, 160 MB); a scan with more pairs
#: inside the gate is refused with :class:`~iadsim.errors.MeasurementError` (gates far too wide for
#: the plot density: nothing useful can be associated there).
MAX_GATED_PAIRS = 5_000_000


@numba.njit(cache=True)
def _gate_sparse_kernel(zhat, S0, zs, Rs, order, ent_i, lo, hi, w2, angle, shared_r, gate,
                        out_i, out_j, out_d2, out_ld):
    n, m = zhat.shape
    S = np.empty((m, m))
    v = np.empty(m)
    cnt = 0
    for e in range(ent_i.shape[0]):
        i = ent_i[e]
        for k in range(lo[e], hi[e]):
            far = False  # d² ≥ ν_a² / S_aa for every component a: cheap rejection before the full d²
            for a in range(m):
                r = zs[k, a] - zhat[i, a]
                if angle[a]:
                    r = np.pi - np.mod(np.pi - r, 2.0 * np.pi)
                if r * r > w2[i, a]:
                    far = True
                    break
            if far:
                continue
            d2, ld = _pair_d2(zhat, S0, i, zs, Rs, k, 0 if shared_r else k, angle, gate, S, v)
            if d2 < gate:
                out_i[cnt] = i
                out_j[cnt] = order[k]
                out_d2[cnt] = d2
                out_ld[cnt] = ld
                cnt += 1
    return cnt


def _wrap(a):
    return np.pi - np.mod(np.pi - a, 2.0 * np.pi)


def _windows(key_z, key_hat, w, is_angle):
    """(entry track, lo, hi) of the sorted ``key_z`` within ``key_hat ± w`` (angles: modulo 2π,
    a window across ±π gives the track two entries)."""
    n = key_hat.size
    tracks = np.arange(n)
    if not is_angle:
        return (tracks, np.searchsorted(key_z, key_hat - w, "left"), np.searchsorted(key_z, key_hat + w, "right"))
    w = w + 1e-9
    full = w >= np.pi
    a, b = key_hat - w, key_hat + w
    lo = np.where(full, 0, np.searchsorted(key_z, np.maximum(a, -np.pi), "left"))
    hi = np.where(full, key_z.size, np.searchsorted(key_z, np.minimum(b, np.pi), "right"))
    under = ~full & (a < -np.pi)  # the part below −π continues below +π
    over = ~full & (b > np.pi)  # the part above +π continues above −π
    lo2 = np.concatenate([np.searchsorted(key_z, a[under] + 2 * np.pi, "left"), np.zeros(over.sum(), np.int64)])
    hi2 = np.concatenate([np.full(under.sum(), key_z.size), np.searchsorted(key_z, b[over] - 2 * np.pi, "right")])
    return (np.concatenate([tracks, tracks[under], tracks[over]]), np.concatenate([lo, lo2]),
            np.concatenate([hi, hi2]))


def _best_component(z, zhat, w, ang):
    """The component expected to hold the fewest candidates (window widths over the plots' spread:
    ``Σ_i w_ic / spread_c``, O(N + M)), with its sort order and windows."""
    c = int(np.argmax(~ang)) if (~ang).any() else 0  # small scans: the first linear component
    if len(z) * len(zhat) > 100_000:
        spread = np.where(ang, 2.0 * np.pi, np.ptp(z, axis=0))
        score = np.where(spread > 0, w.sum(axis=0) / np.maximum(spread, 1e-300), np.inf)
        c = int(np.argmin(score)) if np.isfinite(score).any() else c
    key_z = _wrap(z[:, c]) if ang[c] else z[:, c]
    order = np.argsort(key_z, kind="stable")
    key_hat = _wrap(zhat[:, c]) if ang[c] else zhat[:, c]
    ent, lo, hi = _windows(key_z[order], key_hat, w[:, c], bool(ang[c]))
    return order, ent, lo, hi


def _too_many_pairs(max_pairs):
    from iadsim.errors import MeasurementError

    raise MeasurementError(
        f"more than {max_pairs:,} track–plot pairs fall inside the gate in one scan; expected a sparse "
        "scene (lower the gate probability, the clutter density or the plots per scan)", field="z")


def gated_pairs(zhat, S0, z, R, angle_mask=None, gate=np.inf, max_pairs=None):
    """The pairs inside the gate, as sparse arrays ``(i, j, d2, logdet)``, ``d2 < gate``.

    Same quantities as :func:`mahalanobis_d2` but only for pairs inside the gate, found without
    visiting all N×M pairs and in bounded memory: since ``d² ≥ ν_c² / S_cc`` for any positive
    definite S and any component c, track i only needs the detections with
    ``|ν_c| ≤ w_ic = sqrt(γ (S0_i,cc + max_j R_j,cc))``. Detections are sorted on the component
    whose windows are narrowest for the plots' spread (angles modulo 2π), each track's window is found by
    ``searchsorted``, every other component rejects a candidate the same way before the full d²,
    and the candidates are visited in chunks of at most :data:`GATE_CHUNK_PAIRS`. More than
    ``max_pairs`` (default :data:`MAX_GATED_PAIRS`) pairs inside the gate raise
    :class:`~iadsim.errors.MeasurementError`.
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
    rmax = np.diagonal(R) if shared else np.diagonal(R, axis1=1, axis2=2).max(axis=0)
    w2 = gate * (np.diagonal(S0, axis1=1, axis2=2) + rmax[None, :]) if np.isfinite(gate) else np.full((n, m), np.inf)
    if np.isfinite(gate):
        order, ent, lo, hi = _best_component(z, zhat, np.sqrt(w2), ang)
    else:
        order, ent, lo, hi = np.arange(nz), np.arange(n), np.zeros(n, np.int64), np.full(n, nz, np.int64)
    zs = np.ascontiguousarray(z[order])
    Rs = np.ascontiguousarray(R[None] if shared else R[order])
    args = (zhat, S0, zs, Rs, order.astype(np.int64))
    return _gate_in_chunks(args, ent.astype(np.int64), lo.astype(np.int64), hi.astype(np.int64),
                           np.ascontiguousarray(w2), ang, shared, float(gate),
                           MAX_GATED_PAIRS if max_pairs is None else int(max_pairs))


def _gate_in_chunks(args, ent, lo, hi, w2, ang, shared, gate, max_pairs):
    cap = int((hi - lo).sum())
    if cap <= GATE_CHUNK_PAIRS:  # the common case: one kernel call
        out = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap), np.empty(cap))
        k = _gate_sparse_kernel(*args, ent, lo, hi, w2, ang, shared, gate, *out) if cap else 0
        if k > max_pairs:
            _too_many_pairs(max_pairs)
        return tuple(o[:k] for o in out)
    counts = np.cumsum(hi - lo)
    step = max(int(GATE_CHUNK_PAIRS), 1)
    cuts = np.unique(np.searchsorted(counts, np.arange(step, counts[-1] if counts.size else 0, step), "right"))
    bounds = np.concatenate([[0], cuts[(cuts > 0) & (cuts < ent.size)], [ent.size]])
    parts: list[tuple[np.ndarray, ...]] = []
    total = 0
    for a, b in zip(bounds[:-1], bounds[1:]):
        cap = int((hi[a:b] - lo[a:b]).sum())
        if cap == 0:
            continue
        out = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap), np.empty(cap))
        k = _gate_sparse_kernel(*args, ent[a:b], lo[a:b], hi[a:b], w2, ang, shared, gate, *out)
        total += k
        if total > max_pairs:
            _too_many_pairs(max_pairs)
        parts.append(tuple(o[:k].copy() for o in out))
    if not parts:
        e = np.zeros(0, np.int64)
        return e, e.copy(), np.zeros(0), np.zeros(0)
    return tuple(np.concatenate([p[q] for p in parts]) for q in range(4))


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


def gnn_assign_sparse(i, j, cost, gate: float, max_dense: int = 4_000_000):
    """:func:`gnn_assign` for gated pairs given sparsely (``cost < gate`` for every pair).

    Pairs that are alone in their row and column (isolated track–plot pairs, the common case)
    are taken directly; all other pairs go to one ``linear_sum_assignment`` on the dense block
    of their rows and columns, filled with the gate value — exact, because those rows and
    columns have no gated pair outside the block. A block of more than ``max_dense`` cells is
    split into its connected components first (:func:`_assign_by_cluster`), so memory stays
    bounded by the gated pairs.
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
    cost = np.asarray(cost, float)
    if rows.size * cols.size > max_dense:  # too big for one dense block: solve each cluster on its own
        rr, cc = _assign_by_cluster(r_inv, c_inv, cost[rest], float(gate), rows.size, cols.size, max_dense)
        return np.concatenate([i[alone], rows[rr]]), np.concatenate([j[alone], cols[cc]])
    sub = np.full((rows.size, cols.size), float(gate))
    sub[r_inv, c_inv] = cost[rest]
    r, c = linear_sum_assignment(sub)
    keep = sub[r, c] < gate
    return np.concatenate([i[alone], rows[r[keep]]]), np.concatenate([j[alone], cols[c[keep]]])


def _assign_by_cluster(ri, ci, cost, gate, nr, nc, max_dense):
    """GNN on the connected components of the gated pairs (exact: no pair joins two components).
    A component small enough is one dense ``linear_sum_assignment``; a larger one is solved sparsely
    as a full matching of its tracks, each with its own "miss" column at the gate's cost
    (``min_weight_full_bipartite_matching``; every cost shifted by +1, which every full matching
    pays once per track, so the optimum is unchanged and no cost is an implicit zero)."""
    g = coo_matrix((np.ones(ri.size), (ri, nr + ci)), shape=(nr + nc, nr + nc))
    lab = connected_components(g, directed=False)[1][:nr][ri]
    order = np.argsort(lab, kind="stable")
    starts = np.flatnonzero(np.r_[True, lab[order][1:] != lab[order][:-1]])
    out_r, out_c = [], []
    for s, e in zip(starts, np.r_[starts[1:], order.size]):
        sel = order[s:e]
        rows, r_inv = np.unique(ri[sel], return_inverse=True)
        cols, c_inv = np.unique(ci[sel], return_inverse=True)
        if rows.size * cols.size <= max_dense:
            sub = np.full((rows.size, cols.size), gate)
            sub[r_inv, c_inv] = cost[sel]
            r, c = linear_sum_assignment(sub)
            keep = sub[r, c] < gate
            r, c = r[keep], c[keep]
        else:
            k = rows.size
            w = csr_matrix((np.r_[cost[sel] + 1.0, np.full(k, gate + 1.0)],
                            (np.r_[r_inv, np.arange(k)], np.r_[c_inv, cols.size + np.arange(k)])),
                           shape=(k, cols.size + k))
            mr, mc = min_weight_full_bipartite_matching(w)
            real = mc < cols.size
            r, c = mr[real], mc[real]
        out_r.append(rows[r])
        out_c.append(cols[c])
    return np.concatenate(out_r).astype(np.intp), np.concatenate(out_c).astype(np.intp)


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
