"""numba passes over coverage cubes (classes, altitudes, cells): thresholds and unions.

Each is one pass over memory in place of several numpy boolean passes; they compute exactly the
comparisons and ``|``/``&`` of the numpy expressions they replace (documented per function).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, parallel=True)
def accumulate_radar(pd: np.ndarray, thr: float, thr_track: float, thr_fc: float, engagement_radar: bool,
                     det: np.ndarray, detection: np.ndarray, track: np.ndarray, eng_det: np.ndarray) -> None:
    """det = pd ≥ thr; detection |= det; track |= pd ≥ thr_track; eng_det |= pd ≥ thr_fc if
    ``engagement_radar`` (all arrays (C, A, cells))."""
    n_c, n_a, n = pd.shape
    for k in numba.prange(n):
        for c in range(n_c):
            for a in range(n_a):
                p = pd[c, a, k]
                d = p >= thr
                det[c, a, k] = d
                if d:
                    detection[c, a, k] = True
                if p >= thr_track:
                    track[c, a, k] = True
                if engagement_radar and p >= thr_fc:
                    eng_det[c, a, k] = True


@numba.njit(cache=True, parallel=True)
def finish_site(detection: np.ndarray, track: np.ndarray, eng_det: np.ndarray, env: np.ndarray,
                valid: np.ndarray, has_env: bool, engagement: np.ndarray) -> None:
    """detection &= valid; track &= valid; engagement = detection ∧ eng_det ∧ env[a] ∧ valid
    if ``has_env`` (``env`` (A, cells), ``valid`` (cells,))."""
    n_c, n_a, n = detection.shape
    for k in numba.prange(n):
        v = valid[k]
        for c in range(n_c):
            for a in range(n_a):
                d = detection[c, a, k] and v
                detection[c, a, k] = d
                track[c, a, k] = track[c, a, k] and v
                if has_env:
                    engagement[c, a, k] = d and eng_det[c, a, k] and env[a, k]


@numba.njit(cache=True, parallel=True)
def union_max_count(pd: np.ndarray, covered: np.ndarray, best: np.ndarray, count: np.ndarray) -> None:
    """best = max(best, pd); count += covered (all (C, A, cells); ``count`` uint16)."""
    n_c, n_a, n = pd.shape
    for k in numba.prange(n):
        for c in range(n_c):
            for a in range(n_a):
                p = pd[c, a, k]
                if p > best[c, a, k]:
                    best[c, a, k] = p
                if covered[c, a, k]:
                    count[c, a, k] += 1
