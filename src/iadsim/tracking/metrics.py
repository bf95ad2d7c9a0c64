"""Tracking performance metrics.

* OSPA — Schuhmacher, Vo & Vo, "A consistent metric for performance evaluation of multi-object
  filters", IEEE Trans. Signal Processing 56(8), 2008. For |X| = m ≤ n = |Y|:
  ``d_p^(c)(X, Y) = ((1/n)(min_π Σ_i d^(c)(x_i, y_π(i))^p + c^p (n − m)))^(1/p)``,
  ``d^(c) = min(d, c)``.
  The assignment minimises the sum of ``d^(c)^p`` (Stone Soup 1.9.1 minimises plain distances
  and raises them to p afterwards, which differs for p > 1).
* GOSPA with α = 2 — Rahmathullah, García-Fernández & Svensson, FUSION 2017 (arXiv 1601.05585):
  ``d = (min_γ Σ_{(i,j)∈γ} d(x_i, y_j)^p + c^p/2 (|X| + |Y| − 2|γ|))^(1/p)`` over partial
  assignments γ of pairs closer than c. Reported as a distance, as cost terms (localisation,
  missed, false in distance^p units, as Stone Soup reports them) and as counts.
* RMSE, NEES (Bar-Shalom et al. 2001, §5.4.2), track continuity (ID switches, fragmentations,
  as in the CLEAR-MOT usage: Bernardin & Stiefelhagen 2008), and the posterior Cramér–Rao lower
  bound for the linear-Gaussian case (Tichavský, Muravchik & Nehorai, IEEE Trans. SP 46(5), 1998):
  ``J_{k+1} = (Q + F J_k⁻¹ Fᵀ)⁻¹ + Hᵀ R⁻¹ H``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "ospa",
    "gospa",
    "gospa_assignment",
    "rmse",
    "nees",
    "track_continuity",
    "pcrlb_linear",
]


def _dist(X, Y):
    X = np.asarray(X, float).reshape(len(X), -1) if len(X) else np.zeros((0, 1))
    Y = np.asarray(Y, float).reshape(len(Y), -1) if len(Y) else np.zeros((0, X.shape[1]))
    if X.shape[1] != Y.shape[1] and len(X) and len(Y):
        raise ValueError("X and Y must have the same number of columns")
    if not len(X) or not len(Y):
        return np.zeros((len(X), len(Y)))
    return np.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1))


def ospa(X, Y, c: float, p: float = 1.0) -> float:
    """OSPA distance between point sets ``X`` (n, k) and ``Y`` (m, k)."""
    n, m = len(X), len(Y)
    if n == 0 and m == 0:
        return 0.0
    if n == 0 or m == 0:
        return float(c)
    D = np.minimum(_dist(X, Y), c) ** p
    r, col = linear_sum_assignment(D)
    big = max(n, m)
    return float(((D[r, col].sum() + c**p * (big - min(n, m))) / big) ** (1.0 / p))


def gospa_assignment(X, Y, c: float, p: float = 1.0):
    """Optimal GOSPA (α = 2) pairs: returns ``(ix, iy, dists)`` for pairs with ``d < c``."""
    if len(X) == 0 or len(Y) == 0:
        e = np.zeros(0, np.intp)
        return e, e.copy(), np.zeros(0)
    D = _dist(X, Y)
    C = np.minimum(D, c) ** p
    r, col = linear_sum_assignment(C)
    keep = D[r, col] < c
    return r[keep], col[keep], D[r[keep], col[keep]]


def gospa(X, Y, c: float, p: float = 1.0) -> dict:
    """GOSPA (α = 2) between estimates ``X`` (n, k) and truths ``Y`` (m, k).

    Returns ``distance``, cost terms ``localisation`` (Σ d^p over assigned pairs), ``missed``
    and ``false`` (c^p/2 per missed truth / false estimate), and counts ``n_assigned``,
    ``n_missed``, ``n_false``. ``distance = (localisation + missed + false)^(1/p)``.
    """
    ix, iy, d = gospa_assignment(X, Y, c, p)
    na = len(ix)
    nmiss = len(Y) - na
    nfalse = len(X) - na
    loc = float((d**p).sum())
    half = c**p / 2.0
    total = loc + half * (nmiss + nfalse)
    return {
        "distance": total ** (1.0 / p),
        "localisation": loc,
        "missed": half * nmiss,
        "false": half * nfalse,
        "n_assigned": na,
        "n_missed": nmiss,
        "n_false": nfalse,
    }


def rmse(est, truth, axis=None):
    """Root-mean-square of the Euclidean error ``‖est − truth‖`` over ``axis`` (all by default)."""
    e2 = ((np.asarray(est, float) - np.asarray(truth, float)) ** 2).sum(-1)
    return np.sqrt(np.mean(e2, axis=axis))


def nees(err, P):
    """Normalised estimation error squared ``eᵀ P⁻¹ e`` for ``err`` (..., d), ``P`` (..., d, d)."""
    err = np.asarray(err, float)
    return np.einsum("...i,...i->...", err, np.linalg.solve(P, err[..., None])[..., 0])


def track_continuity(scan, truth_id, track_id) -> dict:
    """ID switches and fragmentations from per-scan truth→track associations.

    ``scan``, ``truth_id``, ``track_id`` are equal-length arrays, one row per (scan, truth)
    with ``track_id = -1`` where the truth had no track (e.g. from :func:`gospa_assignment`
    per scan). An *ID switch* is a truth's track id differing from the last one it had; a
    *fragmentation* is a truth's tracking resuming after an interruption.
    """
    scan = np.asarray(scan)
    truth_id = np.asarray(truth_id)
    track_id = np.asarray(track_id)
    order = np.lexsort((scan, truth_id))
    t, k = truth_id[order], track_id[order]
    switches = frag = 0
    per_truth = {}
    for u in np.unique(t):
        seq = k[t == u]
        last = -1
        was = False
        sw = fr = 0
        seen = False
        for tid in seq:
            if tid >= 0:
                if last >= 0 and tid != last:
                    sw += 1
                if seen and not was:
                    fr += 1
                last, was, seen = tid, True, True
            else:
                was = False
        per_truth[int(u)] = (sw, fr)
        switches += sw
        frag += fr
    return {"id_switches": switches, "fragmentations": frag, "per_truth": per_truth}


def pcrlb_linear(F, Q, H, R, P0, n_steps: int) -> np.ndarray:
    """Posterior CRLB covariances ``J_k⁻¹`` for k = 0..n_steps of a linear-Gaussian system.

    ``J_0 = P0⁻¹ + Hᵀ R⁻¹ H`` (first measurement at k = 0), then the Tichavský recursion.
    Returns (n_steps + 1, d, d).
    """
    F, Q, H, R, P0 = (np.asarray(a, float) for a in (F, Q, H, R, P0))
    HRH = H.T @ np.linalg.solve(R, H)
    J = np.linalg.inv(P0) + HRH
    out = [np.linalg.inv(J)]
    for _ in range(n_steps):
        J = np.linalg.inv(Q + F @ out[-1] @ F.T) + HRH
        out.append(np.linalg.inv(J))
    return np.array(out)
