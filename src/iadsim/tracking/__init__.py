"""iadsim.tracking: batched multi-target tracking (filters, association, management, metrics).

Every component takes and returns batches — states ``x`` (N, d), covariances ``P`` (N, d, d) —
so one call handles every track. Stone Soup conversions live in
:mod:`iadsim.tracking.stonesoup_adapters` (imported on demand; Stone Soup is optional).
"""

from iadsim.tracking.association import (
    chi2_gate,
    gated_pairs,
    gaussian_likelihood,
    gnn_assign,
    gnn_assign_sparse,
    jpda_weights,
    mahalanobis_d2,
)
from iadsim.tracking.filters import (
    IMM,
    check_measurements,
    ekf_predict,
    ekf_update,
    imm_combine,
    imm_predict,
    imm_update,
    kf_predict,
    kf_update,
    sigma_points,
    symmetrise,
    ukf_predict,
    ukf_update,
)
from iadsim.tracking.metrics import (
    gospa,
    gospa_assignment,
    nees,
    ospa,
    pcrlb_linear,
    rmse,
    track_continuity,
)
from iadsim.tracking.models import (
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
    CoordinatedTurnKnownRate,
    LinearPosition,
    RangeBearing2D,
    Spherical3D,
    wrap_angle,
)
from iadsim.tracking.tracker import Scan, Tracker, TrackSet, scan_from_detections

__all__ = [
    "ConstantAcceleration", "ConstantVelocity", "CoordinatedTurn", "CoordinatedTurnKnownRate",
    "LinearPosition", "RangeBearing2D", "Spherical3D", "wrap_angle",
    "IMM", "check_measurements", "ekf_predict", "ekf_update", "imm_combine", "imm_predict",
    "imm_update", "kf_predict", "kf_update", "sigma_points", "symmetrise", "ukf_predict",
    "ukf_update",
    "chi2_gate", "gated_pairs", "gaussian_likelihood", "gnn_assign", "gnn_assign_sparse",
    "jpda_weights", "mahalanobis_d2",
    "gospa", "gospa_assignment", "nees", "ospa", "pcrlb_linear", "rmse", "track_continuity",
    "Scan", "Tracker", "TrackSet", "scan_from_detections",
]
