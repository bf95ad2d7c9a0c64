"""Threat evaluation: time-to-go, closest point of approach and a priority order.

For threat position p and constant velocity v against an asset at a (relative position r = p − a):

* closest point of approach (CPA): ``t_cpa = max(0, −r·v / |v|²)`` (0 for a stationary threat),
  ``d_cpa = |r + v t_cpa|``;
* closing speed ``ṙ_c = −r·v / |r|`` and time-to-go ``t_go = |r| / ṙ_c`` when closing
  (ṙ_c > 0), else +∞ (opening or stationary: it is not coming to this asset).

These are the kinematic threat parameters of the TEWA literature (CPA, time to CPA, time before
hit): H. Roux and J. H. van Vuuren, "Threat evaluation and weapon assignment decision support: a
review of the state of the art", *ORiON* 23(2), 2007, pp. 151–187, §3; F. Johansson and
G. Falkman, "A Bayesian network approach to threat evaluation with application to an air
defense scenario", FUSION 2008.

Priority score (iadsim's own weighting; the parameters are assumptions to be swept):

    s(t, a) = w_class(t) · V(a) · exp(−½ (d_cpa / cpa_scale)²) · τ / (τ + t_go)

(value at stake, × how nearly the track passes over the asset, × urgency, which is 1 at
t_go = 0, ½ at t_go = τ and 0 for a threat that is not closing). A threat's score is its largest
s over the assets (that asset is the one it is taken to threaten); the order sorts by score
descending, then by that time-to-go ascending, then by index.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from iadsim.engagement._checks import EngagementInputError, nonnegative, positive, states_and_points


class ThreatEvaluation(NamedTuple):
    """Per (threat, asset) kinematics (T, A) and the per-threat priority (T,)."""

    t_cpa_s: np.ndarray
    cpa_distance_m: np.ndarray
    time_to_go_s: np.ndarray
    pair_score: np.ndarray
    score: np.ndarray  # (T,) max over assets
    asset: np.ndarray  # (T,) index of the asset behind the score (−1 if no asset)
    order: np.ndarray  # (T,) threat indices, highest priority first


def closest_approach(threat_pos_enu_m, threat_vel_enu_mps, asset_pos_enu_m):
    """``(t_cpa_s, cpa_distance_m, time_to_go_s)``, each (T, A); formulas in the module docstring."""
    p, v, a = states_and_points(threat_pos_enu_m, threat_vel_enu_mps, asset_pos_enu_m,
                                ("threat_pos_enu_m", "threat_vel_enu_mps", "asset_pos_enu_m"))
    r = p[:, None, :] - a[None, :, :]  # (T, A, 3)
    rv = np.einsum("tak,tk->ta", r, v)
    vv = np.einsum("tk,tk->t", v, v)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_cpa = np.where(vv > 0, np.maximum(-rv / np.where(vv > 0, vv, 1.0), 0.0), 0.0)
    d_cpa = np.linalg.norm(r + v[:, None, :] * t_cpa[..., None], axis=-1)
    dist = np.linalg.norm(r, axis=-1)
    closing = -rv  # = |r| · closing speed
    with np.errstate(divide="ignore", invalid="ignore"):
        t_go = np.where(closing > 0, dist * dist / np.where(closing > 0, closing, 1.0), np.inf)
    t_go = np.where(dist == 0, 0.0, t_go)
    return t_cpa, d_cpa, t_go


def evaluate_threats(
    threat_pos_enu_m,
    threat_vel_enu_mps,
    asset_pos_enu_m,
    asset_value,
    class_weight=1.0,
    *,
    cpa_scale_m: float = 10_000.0,
    time_scale_s: float = 120.0,
) -> ThreatEvaluation:
    """Score and order threats against defended assets (module docstring)."""
    t_cpa, d_cpa, t_go = closest_approach(threat_pos_enu_m, threat_vel_enu_mps, asset_pos_enu_m)
    n_t, n_a = t_cpa.shape
    value = nonnegative(asset_value, "asset_value")
    if value.shape not in ((), (n_a,)):
        raise EngagementInputError(f"expected one value per asset ({n_a})", field="asset_value")
    w = nonnegative(class_weight, "class_weight")
    if w.shape not in ((), (n_t,)):
        raise EngagementInputError(f"expected one weight per threat ({n_t})", field="class_weight")
    cpa_scale = float(positive(cpa_scale_m, "cpa_scale_m"))
    tau = float(positive(time_scale_s, "time_scale_s"))
    urgency = np.where(np.isfinite(t_go), tau / (tau + np.where(np.isfinite(t_go), t_go, 0.0)), 0.0)
    pair = (
        np.broadcast_to(w, (n_t,))[:, None]
        * np.broadcast_to(value, (n_a,))[None, :]
        * np.exp(-0.5 * (d_cpa / cpa_scale) ** 2)
        * urgency
    )
    if n_a == 0:
        score = np.zeros(n_t)
        asset = np.full(n_t, -1, dtype=np.int64)
        t_go_best = np.full(n_t, np.inf)
    else:
        asset = np.argmax(pair, axis=1)
        score = pair[np.arange(n_t), asset]
        t_go_best = t_go[np.arange(n_t), asset]
    order = np.lexsort((np.arange(n_t), t_go_best, -score))
    return ThreatEvaluation(t_cpa, d_cpa, t_go, pair, score, asset, order)
