"""numba passes over coverage cubes (classes, altitudes, cells): thresholds and unions.

Each is one pass over memory in place of several numpy boolean passes; they compute exactly the
comparisons and ``|``/``&``/max of the numpy expressions they replace (given per function).
Work is split into contiguous chunks of ``BLOCK`` cells, each running over every (class,
altitude) plane, so every thread streams through contiguous memory.
"""

from __future__ import annotations

import numba
import numpy as np

#: cells per parallel chunk
BLOCK = 8192


@numba.njit(cache=True, parallel=True)
def accumulate_radar(pd: np.ndarray, thr: float, thr_track: float, thr_fc: float, engagement_radar: bool,
                     det: np.ndarray, detection: np.ndarray, track: np.ndarray, eng_det: np.ndarray) -> None:
    """det = pd ≥ thr; detection |= det; track |= pd ≥ thr_track; eng_det |= pd ≥ thr_fc if
    ``engagement_radar`` (all arrays (C, A, cells))."""
    n_c, n_a, n = pd.shape
    for b in numba.prange((n + BLOCK - 1) // BLOCK):
        k0, k1 = b * BLOCK, min(n, (b + 1) * BLOCK)
        for c in range(n_c):
            for a in range(n_a):
                for k in range(k0, k1):
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
    """detection &= valid; track &= valid; engagement = detection ∧ eng_det ∧ env[a] if
    ``has_env`` (``env`` (A, cells), ``valid`` (cells,))."""
    n_c, n_a, n = detection.shape
    for b in numba.prange((n + BLOCK - 1) // BLOCK):
        k0, k1 = b * BLOCK, min(n, (b + 1) * BLOCK)
        for c in range(n_c):
            for a in range(n_a):
                for k in range(k0, k1):
                    d = detection[c, a, k] and valid[k]
                    detection[c, a, k] = d
                    track[c, a, k] = track[c, a, k] and valid[k]
                    if has_env:
                        engagement[c, a, k] = d and eng_det[c, a, k] and env[a, k]

