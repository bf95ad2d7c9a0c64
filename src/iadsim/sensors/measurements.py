"""Radar plots (detections) from truth positions: noisy range/azimuth/elevation plus clutter.

Conventions: ENU metres; azimuth clockwise from north, ``az = atan2(east, north)`` in
(−π, π]; elevation above the radar's local horizontal, ``el = atan2(up, horizontal range)``.

Each truth inside ``max_range_m`` is detected with its own probability ``pd`` (the caller computes
Pd from sensor physics); a detection's range, azimuth and elevation carry independent Gaussian
errors. False plots are Poisson in number with mean ``clutter_rate`` and uniform over the
surveillance volume in (range, azimuth, elevation) coordinates: range in [0, max_range_m],
azimuth in [−π, π), elevation in [el_min_rad, el_max_rad] (Bar-Shalom, Willett & Tian,
*Tracking and Data Fusion*, 2011, §1.4: clutter as a Poisson point process).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from iadsim.errors import MeasurementError

__all__ = ["Detections", "simulate_scan", "clutter_rate_from_pfa"]


@dataclass(frozen=True)
class Detections:
    """A batch of plots as parallel arrays (a structured record of arrays).

    ``truth_id`` is −1 for clutter; ``radar`` is the index of the radar that made the plot.
    """

    t_s: np.ndarray
    radar: np.ndarray
    range_m: np.ndarray
    az_rad: np.ndarray
    el_rad: np.ndarray
    sigma_range_m: np.ndarray
    sigma_az_rad: np.ndarray
    sigma_el_rad: np.ndarray
    is_clutter: np.ndarray
    truth_id: np.ndarray

    def __len__(self) -> int:
        return len(self.range_m)

    def __getitem__(self, sel) -> "Detections":
        return Detections(**{f.name: getattr(self, f.name)[sel] for f in fields(self)})

    @staticmethod
    def empty() -> "Detections":
        f, i, b = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, bool)
        return Detections(f, i, f, f, f, f, f, f, b, i)

    @staticmethod
    def concat(parts) -> "Detections":
        parts = list(parts)
        if not parts:
            return Detections.empty()
        return Detections(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts])
               for f in fields(Detections)}
        )

    def to_arrow(self):
        import pyarrow as pa

        return pa.table({f.name: getattr(self, f.name) for f in fields(self)})


def clutter_rate_from_pfa(pfa: float, n_resolution_cells: float) -> float:
    """Mean false plots per scan: ``λ = P_FA · N_cells`` (one independent test per cell)."""
    if not (0.0 <= pfa <= 1.0):
        raise MeasurementError(f"pfa {pfa} is outside [0, 1]", field="pfa")
    if n_resolution_cells < 0:
        raise MeasurementError("n_resolution_cells must be >= 0", field="n_resolution_cells")
    return float(pfa) * float(n_resolution_cells)


def _check_sigma(name, v):
    if not (np.isfinite(v) and v > 0):
        raise MeasurementError(f"{name} is {v}; expected a finite value > 0", field=name)


def simulate_scan(
    truth_pos_enu_m,
    radar_pos_enu_m,
    pd,
    sigma_range_m: float,
    sigma_az_rad: float,
    sigma_el_rad: float,
    clutter_rate: float,
    max_range_m: float,
    rng: np.random.Generator,
    t_s: float,
    *,
    radar: int = 0,
    el_min_rad: float = 0.0,
    el_max_rad: float = np.pi / 2,
) -> Detections:
    """One scan of one radar.

    ``truth_pos_enu_m`` (N, 3); ``pd`` scalar or (N,). Returns :class:`Detections`, targets first
    (in truth order) then clutter. For a 2-D scenario set truth heights and the radar's to the
    same value and ``el_min_rad = el_max_rad = 0``.
    """
    truth = np.asarray(truth_pos_enu_m, float).reshape(-1, 3)
    rpos = np.asarray(radar_pos_enu_m, float).reshape(3)
    n = len(truth)
    pd = np.broadcast_to(np.asarray(pd, float), (n,))
    if not np.all(np.isfinite(truth)):
        raise MeasurementError("truth positions are NaN or infinite", field="truth_pos_enu_m")
    if not np.all(np.isfinite(rpos)):
        raise MeasurementError("radar position is NaN or infinite", field="radar_pos_enu_m")
    if np.any(~np.isfinite(pd) | (pd < 0) | (pd > 1)):
        raise MeasurementError("pd must lie in [0, 1]", field="pd")
    for name, v in (("sigma_range_m", sigma_range_m), ("sigma_az_rad", sigma_az_rad),
                    ("sigma_el_rad", sigma_el_rad), ("max_range_m", max_range_m)):
        _check_sigma(name, v)
    if not (np.isfinite(clutter_rate) and clutter_rate >= 0):
        raise MeasurementError(
            f"clutter_rate is {clutter_rate}; expected >= 0", field="clutter_rate"
        )
    if not np.isfinite(t_s):
        raise MeasurementError("t_s is not finite", field="t_s")
    if el_max_rad < el_min_rad:
        raise MeasurementError("el_max_rad < el_min_rad", field="el_max_rad")

    d = truth - rpos
    rh = np.hypot(d[:, 0], d[:, 1])
    rng_true = np.hypot(rh, d[:, 2])
    detected = (rng_true <= max_range_m) & (rng.random(n) < pd)
    k = np.flatnonzero(detected)
    noise = rng.standard_normal((k.size, 3))
    r = np.abs(rng_true[k] + sigma_range_m * noise[:, 0])
    az = np.arctan2(d[k, 0], d[k, 1]) + sigma_az_rad * noise[:, 1]
    el = np.arctan2(d[k, 2], rh[k]) + sigma_el_rad * noise[:, 2]

    nc = rng.poisson(clutter_rate)
    cr = max_range_m * rng.random(nc)
    caz = rng.uniform(-np.pi, np.pi, nc)
    cel = rng.uniform(el_min_rad, el_max_rad, nc)

    m = k.size + nc
    az_all = np.concatenate([az, caz])
    return Detections(
        t_s=np.full(m, float(t_s)),
        radar=np.full(m, int(radar), np.int64),
        range_m=np.concatenate([r, cr]),
        az_rad=np.pi - np.mod(np.pi - az_all, 2.0 * np.pi),
        el_rad=np.concatenate([el, cel]),
        sigma_range_m=np.full(m, float(sigma_range_m)),
        sigma_az_rad=np.full(m, float(sigma_az_rad)),
        sigma_el_rad=np.full(m, float(sigma_el_rad)),
        is_clutter=np.concatenate([np.zeros(k.size, bool), np.ones(nc, bool)]),
        truth_id=np.concatenate([k.astype(np.int64), np.full(nc, -1, np.int64)]),
    )
