"""Pd-aware track score: a sequential log-likelihood ratio per track, batched over tracks.

Blackman & Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999, §6.2
(the track score of Sittler's and Bar-Shalom's track-existence tests): after every scan of a
radar that could have seen the track, its log-likelihood ratio (true target vs false alarms) is

* on a plot: ``ΔL = ln(P_D · g / β_FA)``, ``g`` the Gaussian likelihood of the innovation
  (density in the radar's measurement space) and ``β_FA`` the false-plot density in that space;
* on no plot: ``ΔL = ln(1 − P_D)``;

so a scan counts against a track only in proportion to the radar's expected Pd on it: a radar
that cannot see the track (Pd ≈ 0) costs nothing, one that should see it every time
(Pd → 1) costs a lot. ``P_D`` in the miss term is capped at :data:`PD_MAX` (one miss at Pd 1
would be fatal) and floored at :data:`PD_MIN` in the hit term.

**Which Pd.** The tracker does not know a track's class. :func:`class_posterior` keeps, per
track, a probability over the class hypotheses the scenario expects (uniform at birth) and
updates it with the track's own detection history, ``w_c ∝ w_c · P_D,c`` on a plot and
``w_c · (1 − P_D,c)`` on a miss (Pd clipped to [PD_MIN, PD_MAX], so no hypothesis dies on one
scan); the expected Pd of a scan is ``Σ_c w_c P_D,c`` (:func:`expected_pd`). A low-observable
target that a fire-control radar keeps missing is soon believed low-observable, and that radar's
misses stop counting against it, while a target that vanished where every class would be seen
still loses ``ln(1 − P_D)`` per scan and is deleted.

Confirmation and deletion (SPRT style, §6.2.3): confirm at ``L ≥ T_c`` (``T_c = ln((1 − β)/α)``
for a false-track confirmation probability α and a true-track rejection probability β); delete
when ``L`` falls ``ΔL_del`` below its running maximum (Blackman & Popoli's score-drop deletion).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PD_MAX", "PD_MIN", "class_posterior", "expected_pd", "gaussian_loglik", "score_increment"]

PD_MAX = 0.99
PD_MIN = 0.01
_LOG_2PI = float(np.log(2.0 * np.pi))


def gaussian_loglik(d2: np.ndarray, logdet_s: np.ndarray, meas_dim: int) -> np.ndarray:
    """``ln g = −½ (d² + ln|S| + m ln 2π)`` of an innovation with Mahalanobis ``d²``."""
    return -0.5 * (np.asarray(d2, float) + np.asarray(logdet_s, float) + meas_dim * _LOG_2PI)


def expected_pd(weights: np.ndarray, pd_class: np.ndarray) -> np.ndarray:
    """``Σ_c w_c P_D,c`` per track; ``weights`` and ``pd_class`` are (N, C)."""
    if not weights.size:
        return np.zeros(len(weights))
    return np.einsum("nc,nc->n", weights, pd_class)


def class_posterior(weights: np.ndarray, pd_class: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Class probabilities after one scan: ``w_c P_D,c`` on a plot, ``w_c (1 − P_D,c)`` on none."""
    if not weights.size:
        return weights
    p = np.clip(pd_class, PD_MIN, PD_MAX)
    w = weights * np.where(np.asarray(hit, bool)[:, None], p, 1.0 - p)
    s = w.sum(axis=1, keepdims=True)
    return np.where(s > 0, w / np.where(s > 0, s, 1.0), weights)


def score_increment(hit: np.ndarray, pd: np.ndarray, loglik: np.ndarray, beta_fa: float) -> np.ndarray:
    """``ln(P_D g / β_FA)`` on a plot, ``ln(1 − P_D)`` on none (module docstring).

    ``pd`` is the expected Pd of the scan's radar on each track, ``loglik`` ``ln g`` of the plot it
    was updated with (ignored on a miss) and ``beta_fa`` the false-plot density, per unit of
    measurement space (> 0)."""
    hit = np.asarray(hit, bool)
    pd = np.asarray(pd, float)
    on_hit = np.log(np.maximum(pd, PD_MIN)) + np.where(hit, loglik, 0.0) - np.log(beta_fa)
    on_miss = np.log1p(-np.minimum(pd, PD_MAX))
    return np.where(hit, on_hit, on_miss)
