"""A scan-by-scan multi-target tracker whose every step works on all tracks at once.

Composition (Stone Soup's, with batches instead of per-track objects): a motion model predicts
all tracks with one F and Q per scan; a measurement model gives predicted measurements and
Jacobians for all tracks; :func:`~iadsim.tracking.association.mahalanobis_d2` gates every pair
in one pass; one ``linear_sum_assignment`` associates confirmed tracks (GNN) — or JPDA weights
do — then a second one associates tentative tracks with the detections left over; the rest
start tentative tracks.

Track management, per scan:

* **Initiation, M-of-N.** A detection no track takes starts a tentative track at its (inverted)
  position with zero velocity and velocity standard deviation ``init_speed_sigma_mps`` (this sets
  the gate for the second plot). On its second plot, at a later time, the track is re-initialised
  by two-point differencing (Bar-Shalom et al. 2001, §5.5.3):
  ``x = [z₂, (z₂ − z₁)/T]``, ``P = [[R₂, R₂/T], [R₂/T, (R₁ + R₂)/T²]]``. A tentative track is
  confirmed once it has ``m_confirm`` plots within its first ``n_confirm`` scans, two of them
  at distinct times (plots of several radars at one instant give a position but no velocity:
  until a later plot, the track stays tentative), and deleted when its ``n_confirm``-th scan
  passes without that. (``m_confirm = 1`` confirms a track at birth, as asked.)
* **Deletion.** A confirmed track is deleted after ``k_miss`` consecutive scans without a
  plot, or when the trace of its position covariance exceeds ``max_pos_cov_trace_m2``.
* **Identities.** Every track gets the next integer id when it is born and keeps it.
* **Time.** ``step`` needs non-decreasing times (an earlier time raises
  :class:`~iadsim.errors.MeasurementError`); an empty scan is a prediction only. Scans from
  several radars are fused centrally and sequentially: :meth:`Tracker.run` sorts them by time
  (stable, so scans at the same time keep their given order) and updates with one after the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from iadsim.errors import MeasurementError
from iadsim.tracking.association import (
    chi2_gate,
    gated_pairs,
    gaussian_likelihood,
    gnn_assign_sparse,
    jpda_weights,
)
from iadsim.tracking.filters import (
    _joseph,
    check_measurements,
    ekf_predict,
    kf_predict,
    symmetrise,
)
from iadsim.tracking.models import LinearPosition, RangeBearing2D, Spherical3D, wrap_angle

__all__ = ["Scan", "Tracker", "TrackSet", "scan_from_detections"]

#: Most (track × plot) cells of the gated block JPDA weighs densely in one scan (8 B each).
JPDA_MAX_CELLS = 20_000_000


@dataclass(frozen=True)
class Scan:
    """One radar scan: time, measurements (M, m), noise (m, m) or (M, m, m), model."""

    t_s: float
    z: np.ndarray
    R: np.ndarray
    model: Any = None
    radar: int = 0


@dataclass(frozen=True)
class TrackSet:
    """A snapshot of tracks: ids (N,), states (N, d), covariances (N, d, d), confirmed (N,)."""

    track_id: np.ndarray
    x: np.ndarray
    P: np.ndarray
    confirmed: np.ndarray


def scan_from_detections(det, radar_pos_enu_m, mask=None, t_s=None) -> Scan:
    """A :class:`Scan` from a ``Detections`` record (duck-typed: the fields ``t_s``, ``range_m``,
    ``az_rad``, ``el_rad``, ``sigma_range_m``, ``sigma_az_rad``, ``sigma_el_rad``, ``radar``).

    3-D radars (``radar_pos_enu_m`` of length 3) give a :class:`Spherical3D` model, 2-D ones a
    :class:`RangeBearing2D` (elevation ignored). All detections must share one time; give
    ``t_s`` for an empty record (an empty scan is a prediction only).
    """
    pos = np.asarray(radar_pos_enu_m, float)
    sel = slice(None) if mask is None else np.asarray(mask)
    t = np.asarray(det.t_s, float)[sel]
    if t.size and np.ptp(t) > 0:
        raise MeasurementError("a scan's detections must share one time", field="t_s")
    if t.size and t_s is not None and t[0] != t_s:
        raise MeasurementError(f"detections are at {t[0]} s, not at t_s = {t_s} s", field="t_s")
    if t_s is None:
        if not t.size:
            raise MeasurementError("an empty detection record needs t_s", field="t_s")
        t_s = float(t[0])
    cols = [det.range_m, det.az_rad] + ([det.el_rad] if pos.size == 3 else [])
    sig = [det.sigma_range_m, det.sigma_az_rad] + ([det.sigma_el_rad] if pos.size == 3 else [])
    z = np.stack([np.asarray(c, float)[sel] for c in cols], axis=-1)
    s = np.stack([np.asarray(c, float)[sel] for c in sig], axis=-1)
    R = np.einsum("mi,ij->mij", s**2, np.eye(pos.size))
    model = (
        Spherical3D(tuple(pos)) if pos.size == 3 else RangeBearing2D(tuple(pos))
    )
    radar = np.asarray(det.radar)[sel]
    return Scan(float(t_s), z, R, model, int(radar[0]) if radar.size else 0)


class Tracker:
    """Multi-target tracker; see the module docstring for the rules.

    Parameters
    ----------
    motion_model : e.g. ``ConstantVelocity(2, q)``; linear ones use F/Q, others the EKF.
    measurement_model : default model of scans that do not bring one (default Cartesian position).
    gate_prob : gate probability P_G (gate ``γ = χ²_m⁻¹(P_G)``), or ``gate_d2`` directly.
    cost : GNN cost, ``"d2"`` (squared Mahalanobis) or ``"d"`` (Mahalanobis, as Stone Soup's
        ``Mahalanobis`` measure); a miss costs the gate in the same unit.
    association : ``"gnn"`` or ``"jpda"`` (confirmed tracks; tentative tracks always use GNN).
    pd, clutter_density : JPDA parameters (λ in false plots per unit measurement volume).
    max_plots_per_scan : a larger scan is refused (default 500,000); gating is sparse and chunked
        (:func:`~iadsim.tracking.association.gated_pairs`), so memory grows with the gated pairs,
        at most :data:`~iadsim.tracking.association.MAX_GATED_PAIRS` per scan, not tracks × plots.
    max_noise_var : a noise covariance entry above it (m², rad²) is refused (default 1e20).
        The JPDA update is the PDA combined-innovation update per track (Bar-Shalom et al. 2001,
        §6.4); with per-detection noise it uses the β-weighted mean R of the gated plots in S
        (exact when the plots share one R).
    """

    def __init__(
        self,
        motion_model,
        measurement_model=None,
        *,
        gate_prob: float = 0.999,
        gate_d2: float | None = None,
        cost: str = "d2",
        association: str = "gnn",
        m_confirm: int = 2,
        n_confirm: int = 3,
        k_miss: int = 3,
        max_pos_cov_trace_m2: float = np.inf,
        init_speed_sigma_mps: float = 300.0,
        init_sigma=None,
        pd: float = 0.9,
        clutter_density: float = 1e-9,
        record_cov: bool = False,
        max_plots_per_scan: int = 500_000,
        max_noise_var: float = 1e20,
    ):
        self.motion = motion_model
        d = motion_model.state_dim
        n = motion_model.ndim
        self.ndim = n
        self.measurement_model = measurement_model or LinearPosition(n, d)
        if cost not in ("d2", "d"):
            raise ValueError("cost must be 'd2' or 'd'")
        if association not in ("gnn", "jpda"):
            raise ValueError("association must be 'gnn' or 'jpda'")
        if not (1 <= m_confirm <= n_confirm) or k_miss < 1:
            raise ValueError("need 1 <= m_confirm <= n_confirm and k_miss >= 1")
        self.gate_prob = gate_prob
        self.gate_d2 = gate_d2
        self.cost = cost
        self.association = association
        self.m_confirm, self.n_confirm, self.k_miss = m_confirm, n_confirm, k_miss
        self.max_pos_cov_trace_m2 = max_pos_cov_trace_m2
        self.pd, self.clutter_density = pd, clutter_density
        if init_sigma is None:
            init_sigma = np.full(d, 0.1)
            init_sigma[n : 2 * n] = init_speed_sigma_mps
        self.init_var = np.asarray(init_sigma, float) ** 2
        self.record_cov = record_cov
        self.max_plots_per_scan = int(max_plots_per_scan)
        self.max_noise_var = float(max_noise_var)
        self.t_s: float | None = None
        self.next_id = 0
        self.x = np.zeros((0, d))
        self.P = np.zeros((0, d, d))
        self.track_id = np.zeros(0, np.int64)
        self.confirmed = np.zeros(0, bool)
        self.hits = np.zeros(0, np.int64)
        self.age = np.zeros(0, np.int64)
        self.misses = np.zeros(0, np.int64)
        self.single = np.zeros(0, bool)  # tentative with one plot (no velocity yet)
        self.t_first = np.zeros(0)
        self.pos_first = np.zeros((0, n))
        self.R_first = np.zeros((0, n, n))
        self._hist: list[tuple] = []
        self.n_jpda_approx = 0
        self._fq: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ public
    @property
    def tracks(self) -> TrackSet:
        return TrackSet(self.track_id.copy(), self.x.copy(), self.P.copy(), self.confirmed.copy())

    def confirmed_tracks(self) -> TrackSet:
        c = self.confirmed
        return TrackSet(self.track_id[c], self.x[c], self.P[c], c[c])

    def step(self, t_s: float, z=None, R=None, model=None) -> TrackSet:
        """Process one scan at time ``t_s``: predict, associate, update, manage; return tracks.

        Transactional: a refused scan (a :class:`~iadsim.errors.MeasurementError`: time going
        backwards, non-finite or huge noise, more than ``max_plots_per_scan`` plots, a time step
        that overflows the state, too many gated pairs, a numerical failure) leaves the tracker
        exactly as it was (states, covariances, ids, counters, history), so the next good scan works.
        """
        saved = self._snapshot()
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return self._step(t_s, z, R, model)
        except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError) as exc:
            self._restore(saved)
            raise MeasurementError(f"the scan at t = {t_s} s was refused: the prediction or update failed "
                                   f"numerically ({type(exc).__name__}); the tracker is unchanged; expected a "
                                   "plausible time step, measurements and noise", field="z") from None
        except BaseException:
            self._restore(saved)
            raise

    def _snapshot(self) -> dict:
        """Every attribute's value (arrays and dicts copied; lists by length: they only grow)."""
        snap = {}
        for k, v in self.__dict__.items():
            if isinstance(v, np.ndarray):
                snap[k] = ("array", v.copy())
            elif isinstance(v, list):
                snap[k] = ("list", v, len(v))
            elif isinstance(v, dict):
                snap[k] = ("dict", v, dict(v))
            else:
                snap[k] = ("value", v)
        return snap

    def _restore(self, snap: dict) -> None:
        for k in [k for k in self.__dict__ if k not in snap]:
            del self.__dict__[k]
        for k, (kind, *val) in snap.items():
            if kind == "list":
                lst, n = val
                del lst[n:]
                self.__dict__[k] = lst
            elif kind == "dict":
                d, items = val
                d.clear()
                d.update(items)
                self.__dict__[k] = d
            else:
                self.__dict__[k] = val[0]

    def _check_scan(self, z, R) -> None:
        """Refuse scans that are too large or whose noise is too large to be a measurement."""
        if len(z) > self.max_plots_per_scan:
            raise MeasurementError(
                f"the scan has {len(z):,} plots; the tracker accepts at most {self.max_plots_per_scan:,} per scan "
                "(Tracker(max_plots_per_scan=...)); split the scan or raise the detection threshold", field="z")
        if R.size and np.abs(R).max() > self.max_noise_var:
            raise MeasurementError(
                f"noise covariance entry {np.abs(R).max():.3g} exceeds {self.max_noise_var:.0e} "
                "(Tracker(max_noise_var=...)); expected a measurement noise, not an unbounded one", field="R")

    def _step(self, t_s: float, z=None, R=None, model=None) -> TrackSet:
        model = model or self.measurement_model
        m = model.meas_dim
        if not np.isfinite(t_s):
            raise MeasurementError(f"scan time {t_s} is not finite", field="t_s")
        if self.t_s is not None and t_s < self.t_s:
            raise MeasurementError(
                f"scan time {t_s} s is earlier than the previous scan ({self.t_s} s); "
                "expected non-decreasing times (use Tracker.run to sort several radars' scans)",
                field="t_s",
            )
        if z is None or np.size(z) == 0:
            z, R = np.zeros((0, m)), np.eye(m)
        z, R = check_measurements(z, R, m)
        self._check_scan(z, R)
        dt = 0.0 if self.t_s is None else t_s - self.t_s
        self.t_s = float(t_s)
        if dt > 0 and len(self.x):
            if getattr(self.motion, "linear", False):
                if dt not in self._fq:  # F and Q once per distinct step length
                    if len(self._fq) > 64:
                        self._fq.clear()
                    self._fq[dt] = (self.motion.F(dt), self.motion.Q(dt))
                self.x, self.P = kf_predict(self.x, self.P, *self._fq[dt])
            else:
                self.x, self.P = ekf_predict(self.x, self.P, self.motion, dt)

        nz = len(z)
        used = np.zeros(nz, bool)
        hit = np.zeros(len(self.x), bool)
        gate = self.gate_d2 if self.gate_d2 is not None else chi2_gate(self.gate_prob, m)

        conf = np.flatnonzero(self.confirmed)
        if conf.size and nz:
            if self.association == "gnn":
                r, c = self._gnn(conf, z, R, model, gate, np.arange(nz))
                hit[conf[r]] = True
                used[c] = True
            else:
                self._jpda(conf, z, R, model, gate, hit, used)

        tent = np.flatnonzero(~self.confirmed)
        avail = np.flatnonzero(~used)
        if tent.size and avail.size:
            r, c = self._gnn(tent, z, R, model, gate, avail, two_point=True)
            hit[tent[r]] = True
            used[c] = True

        self._manage(hit)
        self._birth(np.flatnonzero(~used), z, R, model)
        if not (np.all(np.isfinite(self.x)) and np.all(np.isfinite(self.P))):
            raise MeasurementError(
                "a track state became non-finite; check measurement magnitudes and noise",
                field="z",
            )
        self._record()
        return self.confirmed_tracks()

    def run(self, scans) -> dict:
        """Central sequential fusion: process ``scans`` (:class:`Scan` objects) in time order."""
        scans = sorted(scans, key=lambda s: s.t_s)
        for s in scans:
            self.step(s.t_s, s.z, s.R, s.model)
        return self.history()

    def history(self) -> dict:
        """Recorded confirmed tracks after each scan, as flat arrays (one row per track-scan)."""
        if not self._hist:
            d = self.x.shape[1]
            out = dict(
                scan=np.zeros(0, np.int64), t_s=np.zeros(0), track_id=np.zeros(0, np.int64),
                x=np.zeros((0, d)),
            )
            if self.record_cov:
                out["P"] = np.zeros((0, d, d))
            return out
        scan = np.concatenate([np.full(len(h[1]), k) for k, h in enumerate(self._hist)])
        out = dict(
            scan=scan,
            t_s=np.concatenate([np.full(len(h[1]), h[0]) for h in self._hist]),
            track_id=np.concatenate([h[1] for h in self._hist]),
            x=np.concatenate([h[2] for h in self._hist]),
        )
        if self.record_cov:
            out["P"] = np.concatenate([h[3] for h in self._hist])
        return out

    def history_table(self):
        """:meth:`history` as a ``pyarrow.Table`` (state columns ``x0..x{d-1}``)."""
        import pyarrow as pa

        h = self.history()
        cols = {"scan": h["scan"], "t_s": h["t_s"], "track_id": h["track_id"]}
        for k in range(h["x"].shape[1]):
            cols[f"x{k}"] = h["x"][:, k]
        return pa.table(cols)

    # ---------------------------------------------------------------- internals
    def _predict_meas(self, idx, model):
        x, P = self.x[idx], self.P[idx]
        if isinstance(model, LinearPosition):
            n = model.ndim
            return x[:, :n], P[:, :n, :n], model.H
        H = model.jacobian(x)
        return model.h(x), H @ P @ np.swapaxes(H, -1, -2), H

    def _update(self, idx, H, nu, Rsel):
        xu, Pu, _ = _joseph(self.x[idx], self.P[idx], nu, H, Rsel)
        self.x[idx], self.P[idx] = xu, Pu

    def _gnn(self, idx, z, R, model, gate, cols, two_point=False):
        zs = z[cols]
        Rs = R if R.ndim == 2 else R[cols]
        zhat, S0, H = self._predict_meas(idx, model)
        pi, pj, d2, _ = gated_pairs(zhat, S0, zs, Rs, model.angle_mask, gate=gate)
        if self.cost == "d":
            r, c = gnn_assign_sparse(pi, pj, np.sqrt(d2), math.sqrt(gate))
        else:
            r, c = gnn_assign_sparse(pi, pj, d2, gate)
        cz = cols[c]
        shared = R.ndim == 2
        tp = np.zeros(r.size, bool)
        if two_point:
            tp = self.single[idx[r]] & (self.t_s > self.t_first[idx[r]])
            if tp.any():
                self._two_point(idx[r[tp]], z[cz[tp]], R if shared else R[cz[tp]], model)
        u = ~tp
        if u.any():
            ru, cu = r[u], cz[u]
            nu = z[cu] - zhat[ru]
            am = model.angle_mask
            if np.any(am):
                nu[:, am] = wrap_angle(nu[:, am])
            self._update(idx[ru], H if H.ndim == 2 else H[ru], nu, R if shared else R[cu])
            # a second plot at the same time (another radar): refine the first point instead
            again = idx[ru][self.single[idx[ru]]]
            n = self.ndim
            self.pos_first[again] = self.x[again, :n]
            self.R_first[again] = self.P[again, :n, :n]
        return r, cz

    def _two_point(self, idx, z, R, model):
        n = self.ndim
        pos2, R2 = model.inverse(z, R)
        if R2.ndim == 2:
            R2 = np.broadcast_to(R2, (len(idx), n, n))
        T = (self.t_s - self.t_first[idx])[:, None, None]
        d = self.x.shape[1]
        x = np.zeros((len(idx), d))
        x[:, :n] = pos2
        x[:, n : 2 * n] = (pos2 - self.pos_first[idx]) / T[:, :, 0]
        P = np.zeros((len(idx), d, d))
        P[:, range(d), range(d)] = self.init_var
        P[:, :n, :n] = R2
        P[:, :n, n : 2 * n] = R2 / T
        P[:, n : 2 * n, :n] = R2 / T
        P[:, n : 2 * n, n : 2 * n] = (self.R_first[idx] + R2) / T**2
        self.x[idx], self.P[idx] = x, symmetrise(P)
        self.single[idx] = False

    def _jpda(self, idx, z, R, model, gate, hit, used):
        zhat, S0, H = self._predict_meas(idx, model)
        pi, pj, d2, logdet = gated_pairs(zhat, S0, z, R, model.angle_mask, gate=gate)
        if pi.size == 0:
            return
        # only the tracks and plots with a gated pair enter (the others have β = [1, 0, …])
        k, ri = np.unique(pi, return_inverse=True)
        cols, ci = np.unique(pj, return_inverse=True)
        if k.size * cols.size > JPDA_MAX_CELLS:
            raise MeasurementError(
                f"JPDA over {k.size:,} tracks × {cols.size:,} gated plots exceeds {JPDA_MAX_CELLS:,} pairs; "
                "expected a sparser scan (use association: gnn, or lower the clutter density)", field="z")
        inside = np.zeros((k.size, cols.size), bool)
        inside[ri, ci] = True
        lik = np.zeros(inside.shape)
        lik[ri, ci] = gaussian_likelihood(d2, logdet, z.shape[1])
        beta, n_apx = jpda_weights(lik, inside, self.pd, self.clutter_density, self.gate_prob)
        self.n_jpda_approx += n_apx
        used[cols] = True
        b = beta[:, 1:]  # (K, C)
        b0 = beta[:, 0]
        nu_all = z[cols][None, :, :] - zhat[k][:, None, :]  # (K, C, m)
        am = model.angle_mask
        if np.any(am):
            nu_all[..., am] = wrap_angle(nu_all[..., am])
        nu = np.einsum("km,kmi->ki", b, nu_all)
        if R.ndim == 2:
            Rk = np.broadcast_to(R, (len(k),) + R.shape)
        else:
            wsum = np.maximum(b.sum(axis=1), 1e-300)
            Rk = np.einsum("km,mij->kij", b, R[cols]) / wsum[:, None, None]
            Rk = np.where((b.sum(axis=1) > 0)[:, None, None], Rk, R.mean(axis=0))
        Hk = H if H.ndim == 2 else H[k]
        P = self.P[idx[k]]
        PHt = P @ np.swapaxes(Hk, -1, -2)
        S = symmetrise(Hk @ PHt + Rk)
        K = np.swapaxes(np.linalg.solve(S, np.swapaxes(PHt, -1, -2)), -1, -2)
        xu = self.x[idx[k]] + np.einsum("kij,kj->ki", K, nu)
        Pc = P - K @ S @ np.swapaxes(K, -1, -2)
        spread = np.einsum("km,kmi,kmj->kij", b, nu_all, nu_all) - np.einsum("ki,kj->kij", nu, nu)
        Pu = (
            b0[:, None, None] * P
            + (1.0 - b0)[:, None, None] * Pc
            + K @ spread @ np.swapaxes(K, -1, -2)
        )
        self.x[idx[k]], self.P[idx[k]] = xu, symmetrise(Pu)
        hit[idx[k]] = True

    def _manage(self, hit):
        self.age += 1
        self.hits += hit
        self.misses = np.where(hit, 0, self.misses + 1)
        self.confirmed |= (self.hits >= self.m_confirm) & ~self.single  # plots at ≥ 2 distinct times
        n = self.ndim
        tr = np.trace(self.P[:, :n, :n], axis1=1, axis2=2)
        drop = np.where(
            self.confirmed,
            (self.misses >= self.k_miss) | (tr > self.max_pos_cov_trace_m2),
            self.age >= self.n_confirm,
        )
        if drop.any():
            self._keep(~drop)

    def _keep(self, keep):
        for name in ("x", "P", "track_id", "confirmed", "hits", "age", "misses", "single",
                     "t_first", "pos_first", "R_first"):
            setattr(self, name, getattr(self, name)[keep])

    def _birth(self, cols, z, R, model):
        k = cols.size
        if k == 0:
            return
        n = self.ndim
        d = self.x.shape[1]
        pos, Rc = model.inverse(z[cols], R if R.ndim == 2 else R[cols])
        Rc = np.broadcast_to(Rc, (k, n, n))
        x = np.zeros((k, d))
        x[:, :n] = pos
        P = np.zeros((k, d, d))
        P[:, range(d), range(d)] = self.init_var
        P[:, :n, :n] = Rc
        ids = np.arange(self.next_id, self.next_id + k, dtype=np.int64)
        self.next_id += k
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        self.track_id = np.concatenate([self.track_id, ids])
        self.confirmed = np.concatenate([self.confirmed, np.zeros(k, bool)])
        self.hits = np.concatenate([self.hits, np.ones(k, np.int64)])
        self.age = np.concatenate([self.age, np.ones(k, np.int64)])
        self.misses = np.concatenate([self.misses, np.zeros(k, np.int64)])
        self.single = np.concatenate([self.single, np.ones(k, bool)])
        self.t_first = np.concatenate([self.t_first, np.full(k, self.t_s)])
        self.pos_first = np.concatenate([self.pos_first, pos])
        self.R_first = np.concatenate([self.R_first, Rc])
        if self.m_confirm <= 1:
            self.confirmed[-k:] = True

    def _record(self):
        c = self.confirmed
        rec = (self.t_s, self.track_id[c], self.x[c].copy())
        if self.record_cov:
            rec = rec + (self.P[c].copy(),)
        self._hist.append(rec)
