"""A scenario's plots through one tracker, scored against truth.

**Tracker** (:class:`ScenarioTracker`, a :class:`iadsim.tracking.Tracker` configured from
``scenario.tracking``): the scans of every radar go, in time order (radar index breaks ties), to
one tracker — central sequential fusion. State ``[e, n, u, ve, vn, vu]`` in the world's ENU frame;
nearly-constant-velocity motion with ``q = process_noise_mps2²`` (m²/s³) per axis; each scan's
plots ``[range, az, el]`` through a :class:`~iadsim.tracking.Spherical3D` model at the radar's
antenna.

* ``filter: ekf`` — the tracker's extended Kalman update (Joseph form).
* ``filter: ukf`` — an unscented measurement update written as a statistical linear regression
  (Arasaratnam, Haykin & Elliott, Proc. IEEE 95(5), 2007; García-Fernández et al., IEEE T-SP 63(11),
  2015): from the sigma points, ``H = P_xzᵀ P⁻¹`` and ``Ω = P_zz − H P Hᵀ``; the Kalman update with
  ``H`` and ``R + Ω`` is exactly the UKF update (``K = P_xz S⁻¹``, ``S = P_zz + R``), so gating and
  assignment see the unscented ``S``. Angles are averaged and residuals wrapped to (−π, π]. Under
  JPDA the combined update omits Ω (gating keeps it).
* ``filter: imm`` — three modes sharing the CV state: CV and coordinated turns at ±3°/s (the
  standard-rate turn) with the same q, Markov matrix 0.95 on the diagonal (per scan); mixing and
  mode-matched prediction per scan, mode-matched EKF updates with the mode likelihoods (Blom &
  Bar-Shalom, IEEE T-AC 33(8), 1988). Under JPDA the modes of a track are collapsed to the combined
  PDA estimate after each update (mode probabilities kept).
* Association ``gnn`` or ``jpda`` (confirmed tracks; tentative ones use GNN), gate from
  ``gate_probability``; JPDA with Pd = 0.8 and each radar's clutter density
  ``λ / (R_max · Δaz · Δel)`` from :mod:`iadsim.sim.measure`.
* **Confirmation needs plots at two distinct times.** Plots of several radars at one instant refine
  a tentative track's position but give it no velocity; it stays tentative (whatever the rule
  below) until a plot at a later time re-initialises it by two-point differencing.
* **Track management, ``tracking.management: score``** (the default): the Pd-aware
  log-likelihood track score of :mod:`iadsim.tracking.score` (Blackman & Popoli 1999, §6.2). After
  each scan, a track updated with a plot gains ``ln(P_D g / β_FA)`` (``g`` the Gaussian likelihood
  of that plot's innovation, ``β_FA`` the scanning radar's false-plot density
  ``λ / (R_max · Δaz · Δel)``), a track without one gains ``ln(1 − P_D)``. ``P_D`` is the
  scanning radar's Pd on the track's predicted position (:class:`~iadsim.sim.track_pd.RadarPd`:
  the same physics as coverage, 0 where the track lowered by two standard deviations of its
  vertical uncertainty is masked by terrain), averaged over the class hypotheses of the scenario
  with the track's own class probabilities, which its hits and misses update — so a radar with
  Pd ≈ 0 on a track costs it nothing, and one of a 1 s fire-control radar blind to a
  low-observable target at 150 km stops counting once the misses have shown what the target is.
  A new track starts at score 0 (new-target density taken equal to the false-plot density);
  it is confirmed at ``confirm_score`` and deleted when its score falls ``delete_score_drop``
  below its peak, when no plot has updated it for ``max_coast_s``, or when its position
  covariance trace exceeds (``MAX_POS_SIGMA_M``)². Two confirmed tracks whose states agree within
  the χ²₆(0.99) gate of their summed covariances (position *and* velocity) are one target: the
  one with the lower peak score is deleted.
* **``management: m_of_n``** (the earlier rule, kept for comparison): a scan counts for a
  track's confirmation window and as a miss only if its radar *should* have seen the track: the
  track's predicted position is inside the radar's instrumented range, sector and elevation
  limits and above the radar's lowest visible height over the terrain even when lowered by two
  standard deviations of its vertical uncertainty (a tentative track's window counts the scans
  whose range, sector and elevation limits contain it, terrain aside). A confirmed track not
  updated for ``k_miss`` × the longest revisit time, or any track whose position covariance
  trace exceeds (``MAX_POS_SIGMA_M``)², is dropped. This rule counts a miss from geometry
  alone, even where the radar's Pd on the track is ~0 (issue 9, finding 3).
  New tracks start with a velocity standard deviation of max(300 m/s, 1.5 × fastest waypoint speed).
* **Provenance.** Every track carries the truth id of the latest *target* plot it was updated with
  (GNN: the plot assigned to it; JPDA: the gated plot nearest in Mahalanobis distance; a birth:
  its first plot), −1 while it has only had clutter, and per radar the time of the last plot of
  that radar it was updated with (clutter plots count: the radar fed the track). Both are written
  with every confirmed track after every scan (:class:`TrackedRun` ``truth_id``, ``last_plot_s``,
  with the covariance ``P``); the battle's ``tracking: tracker`` perception
  (:mod:`iadsim.sim.perception`) is built from them.

**Scoring** on the evaluation grid ``0, run.time_step_s, …`` (tracks extrapolated at constant
velocity from their last scan): the headline GOSPA (α = 2, ``p``, cut-off ``c``) is between
confirmed tracks' positions and the threats that are *detectable*: inside the analysis area
(within the analysis radius, :meth:`World.coverage_radius_m`, of a site) and seen by at least
one radar with Pd ≥ :data:`DETECTABLE_PD` (0.5) — a threat no radar can detect is not "missed".
It is split per threat class (a class's share of GOSPA^p: the localisation of its matched
threats plus c^p/2 per missed one; false tracks are not attributed to a class). GOSPA against
every threat active in the area is kept beside it. The GOSPA assignment also gives the track
each threat is matched to: position RMSE over matched pairs, ID switches and fragmentations
(:func:`~iadsim.tracking.track_continuity`), against threats in the area and against detectable
ones. From the plots (provenance, no assignment to truth): per threat, the time from its first
plot to the first confirmed track carrying its plots, the number of confirmed tracks that ever
carried them, and how often the track carrying them changed (:func:`continuity_by_plots`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iadsim.geo.frames import geodesic_inverse
from iadsim.scenario import TrackingSettings
from iadsim.sim.measure import Measurements, RadarScans
from iadsim.sim.sensing import radar_view
from iadsim.sim.track_pd import RadarPd, class_hypotheses
from iadsim.sim.trajectories import Trajectories, sample_trajectories
from iadsim.tracking import (
    IMM,
    ConstantVelocity,
    CoordinatedTurnKnownRate,
    Spherical3D,
    Tracker,
    ekf_update,
    gated_pairs,
    gospa,
    gospa_assignment,
    imm_combine,
    sigma_points,
    symmetrise,
    track_continuity,
    wrap_angle,
)
from iadsim.tracking.score import class_posterior, expected_pd, gaussian_loglik, score_increment
from iadsim.world import RadarInstance, World

__all__ = ["DETECTABLE_PD", "GOSPA_C_M", "GOSPA_P", "MAX_POS_SIGMA_M", "ScenarioTracker", "TrackScore",
           "TrackedRun", "continuity_by_plots", "evaluation_times", "make_tracker", "run_tracker", "score_tracks"]

GOSPA_C_M = 10_000.0
GOSPA_P = 2.0
MAX_POS_SIGMA_M = 20_000.0
DETECTABLE_PD = 0.5  # a threat counts in the headline GOSPA where some radar has at least this Pd on it
IMM_TURN_RATE_RADPS = math.radians(3.0)
IMM_STAY = 0.95
JPDA_PD = 0.8
DUPLICATE_GATE_PROB = 0.99
DUPLICATE_GATE_D2 = 16.812  # χ²₆ quantile at DUPLICATE_GATE_PROB
Progress = Callable[[str, float], None]


class _Coverage:
    """Where a radar can see: instrumented range, sector, elevation limits and terrain."""

    def __init__(self, world: World, rs: RadarScans):
        self.world = world
        self.radar: RadarInstance = rs.radar
        self.ant = rs.view.antenna_enu_m

    def covers(self, pos_enu_m: np.ndarray, var_up_m2: np.ndarray, terrain: bool = True) -> np.ndarray:
        if not len(pos_enu_m):
            return np.zeros(0, bool)
        r = self.radar
        d = pos_enu_m - self.ant
        rh = np.hypot(d[:, 0], d[:, 1])
        rng = np.hypot(rh, d[:, 2])
        el = np.arctan2(d[:, 2], rh)
        ok = (rng <= r.max_range_m) & r.in_sector(np.arctan2(d[:, 0], d[:, 1]))
        ok &= (el >= r.elevation_min_rad) & (el <= r.elevation_max_rad)
        if terrain and ok.any():
            i = np.flatnonzero(ok)
            lat, lon, h = (np.asarray(v, float).reshape(-1) for v in
                           self.world.frame.enu_to_geodetic(pos_enu_m[i, 0], pos_enu_m[i, 1], pos_enu_m[i, 2]))
            ground = np.asarray(self.world.dem.sample_height_m(lat, lon), float).reshape(-1)
            ground = np.where(np.isfinite(ground), ground, 0.0)
            low = h - ground - 2.0 * np.sqrt(np.maximum(var_up_m2[i], 0.0))
            lvh = self.world.radar_terrain(r).sample_nearest(lat, lon)
            ok[i] = low >= lvh
        return ok


class ScenarioTracker(Tracker):
    """:class:`Tracker` with UKF/IMM updates and coverage-aware M-of-N / K-miss (module docstring)."""

    def __init__(self, motion_model, *, filter_kind: str = "ekf", imm: IMM | None = None,
                 max_coast_s: float = np.inf, management: str = "m_of_n", n_classes: int = 1,
                 confirm_score: float = 9.2, delete_score_drop: float = 6.9, **kw):
        super().__init__(motion_model, **kw)
        if management not in ("m_of_n", "score"):
            raise ValueError("management must be 'm_of_n' or 'score'")
        # Pd-aware track score (iadsim.tracking.score); set radar_pd before each step
        self.management = management
        self.confirm_score, self.delete_score_drop = float(confirm_score), float(delete_score_drop)
        self.radar_pd: RadarPd | None = None
        self.score = np.zeros(0)
        self.score_peak = np.zeros(0)
        self.class_w = np.zeros((0, max(int(n_classes), 1)))
        self._loglik = np.zeros(0)
        self.filter_kind = filter_kind
        self.imm = imm
        d = motion_model.state_dim
        r = len(imm.models) if imm else 0
        self.xm = np.zeros((0, r, d))
        self.Pm = np.zeros((0, r, d, d))
        self.mu = np.zeros((0, r))
        self._omega: np.ndarray | None = None
        self._model = None
        self.coverage: _Coverage | None = None  # the scanning radar's coverage (None: every scan counts)
        self.max_coast_s = max_coast_s
        self.t_hit = np.zeros(0)
        # provenance (module docstring): set n_radars, then scan_radar / scan_truth before each step
        self.n_radars = 0
        self.scan_radar = -1
        self.scan_truth: np.ndarray | None = None
        self.truth_id = np.zeros(0, np.int64)
        self.last_plot_s = np.zeros((0, 0))
        self._prov: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # ------------------------------------------------------------------ step
    def _step(self, t_s, z=None, R=None, model=None):  # inside Tracker.step's transaction
        self._model = model or self.measurement_model
        self._omega = None
        self._loglik = np.zeros(len(self.x))
        if self.imm is not None and self.t_s is not None and t_s > self.t_s and len(self.x):
            xm, Pm, c = self.imm.predict(self.xm, self.Pm, self.mu, t_s - self.t_s)
            self.xm, self.Pm, self.mu = xm, Pm, c
            self.x, self.P = imm_combine(xm, Pm, c)
            self.t_s = float(t_s)  # the base class then sees dt = 0 and does not predict again
        return super()._step(t_s, z, R, model)

    # ------------------------------------------------------------------ UKF as SLR
    def _predict_meas(self, idx, model):
        reuse, self._pred_reuse = getattr(self, "_pred_reuse", None), None
        if reuse is not None and reuse[0] is idx and reuse[1] is model:  # _gnn's own prediction, unchanged
            return reuse[2]
        if self.filter_kind != "ukf" or getattr(model, "linear", False):
            return super()._predict_meas(idx, model)
        x, P = self.x[idx], self.P[idx]
        am = np.asarray(model.angle_mask, bool)
        X, Wm, Wc = sigma_points(x, P)
        Z = model.h(X)
        D = Z - Z[:, :1, :]
        D[..., am] = wrap_angle(D[..., am])
        zhat = Z[:, 0, :] + np.einsum("s,nsm->nm", Wm, D)
        zhat[:, am] = wrap_angle(zhat[:, am])
        DZ = Z - zhat[:, None, :]
        DZ[..., am] = wrap_angle(DZ[..., am])
        DX = X - x[:, None, :]
        Pzz = symmetrise(np.einsum("s,nsi,nsj->nij", Wc, DZ, DZ))
        Pxz = np.einsum("s,nsi,nsj->nij", Wc, DX, DZ)
        H = np.swapaxes(np.linalg.solve(P, Pxz), -1, -2)  # Pzx P⁻¹
        omega = symmetrise(Pzz - H @ P @ np.swapaxes(H, -1, -2))
        if self._omega is None or len(self._omega) != len(self.x):
            self._omega = np.zeros((len(self.x),) + omega.shape[1:])
        self._omega[idx] = omega
        return zhat, Pzz, H

    def _update(self, idx, H, nu, Rsel):
        if self.imm is not None:
            return self._imm_update(idx, nu, Rsel)
        if self.filter_kind == "ukf" and self._omega is not None:
            Rsel = Rsel + self._omega[idx]
        return super()._update(idx, H, nu, Rsel)

    # ------------------------------------------------------------------ provenance
    def _credit(self, tracks: np.ndarray, plots: np.ndarray) -> None:
        """Tracks ``tracks`` were updated with plots ``plots`` (indices into this scan)."""
        if self.scan_truth is None or not len(tracks):
            return
        tid = self.scan_truth[plots]
        m = tid >= 0
        self.truth_id[tracks[m]] = tid[m]
        if 0 <= self.scan_radar < self.last_plot_s.shape[1]:
            self.last_plot_s[tracks, self.scan_radar] = self.t_s

    def _gnn(self, idx, z, R, model, gate, cols, two_point=False):
        pred = self._predict_meas(idx, model) if self.management == "score" and len(idx) else None
        self._pred_reuse = None if pred is None else (idx, model, pred)  # the base class predicts first
        r, cz = super()._gnn(idx, z, R, model, gate, cols, two_point)
        self._pred_reuse = None
        self._credit(idx[r], cz)
        if pred is not None and len(r):
            self._store_loglik(idx[r], pred[0][r], pred[1][r], z[cz], R if R.ndim == 2 else R[cz], model)
        return r, cz

    def _store_loglik(self, tracks, zhat, S0, z, R, model):
        """ln g of the plots ``z`` that updated ``tracks`` (predicted ``zhat``, ``S0`` before the update)."""
        nu = z - zhat
        am = np.asarray(model.angle_mask, bool)
        nu[:, am] = wrap_angle(nu[:, am])
        S = symmetrise(S0 + R)
        _, logdet = np.linalg.slogdet(S)
        d2 = np.einsum("ni,ni->n", nu, np.linalg.solve(S, nu[..., None])[..., 0])
        self._loglik[tracks] = gaussian_loglik(d2, logdet, z.shape[1])

    def _record(self):
        super()._record()
        c = self.confirmed
        self._prov.append((self.truth_id[c].copy(), self.last_plot_s[c].copy(), self.P[c].copy()))

    def history(self) -> dict:
        h = super().history()
        d = self.x.shape[1]
        if self._prov:
            h["truth_id"] = np.concatenate([p[0] for p in self._prov])
            h["last_plot_s"] = np.concatenate([p[1] for p in self._prov])
            h["P"] = np.concatenate([p[2] for p in self._prov])
        else:
            h["truth_id"] = np.zeros(0, np.int64)
            h["last_plot_s"] = np.zeros((0, self.n_radars))
            h["P"] = np.zeros((0, d, d))
        return h

    # ------------------------------------------------------------------ IMM
    def _imm_update(self, idx, nu, R):
        model = self._model
        am = np.asarray(model.angle_mask, bool)
        z = model.h(self.x[idx]) + nu
        R = np.broadcast_to(R, (len(idx),) + R.shape[-2:])
        r = self.xm.shape[1]
        loglik = np.zeros((len(idx), r))
        for j in range(r):
            xj, Pj = self.xm[idx, j], self.Pm[idx, j]
            Hj = model.jacobian(xj)
            nuj = z - model.h(xj)
            nuj[:, am] = wrap_angle(nuj[:, am])
            S = symmetrise(Hj @ Pj @ np.swapaxes(Hj, -1, -2) + R)
            _, logdet = np.linalg.slogdet(S)
            d2 = np.einsum("ni,ni->n", nuj, np.linalg.solve(S, nuj[..., None])[..., 0])
            loglik[:, j] = -0.5 * (d2 + logdet)
            self.xm[idx, j], self.Pm[idx, j] = ekf_update(xj, Pj, z, R, model)
        lw = loglik + np.log(np.maximum(self.mu[idx], 1e-300))
        lw -= lw.max(axis=1, keepdims=True)
        mu = np.exp(lw)
        self.mu[idx] = mu / mu.sum(axis=1, keepdims=True)
        self.x[idx], self.P[idx] = imm_combine(self.xm[idx], self.Pm[idx], self.mu[idx])

    def _reset_modes(self, idx):
        if self.imm is None or not len(idx):
            return
        r = self.xm.shape[1]
        self.xm[idx] = self.x[idx][:, None, :]
        self.Pm[idx] = self.P[idx][:, None, :, :]
        self.mu[idx] = self._mu0(r)

    def _mu0(self, r):
        mu0 = np.full(r, (1.0 - IMM_STAY) / max(r - 1, 1))
        mu0[0] = IMM_STAY if r > 1 else 1.0
        return mu0

    def _two_point(self, idx, z, R, model):
        super()._two_point(idx, z, R, model)
        self._reset_modes(idx)

    def _jpda(self, idx, z, R, model, gate, hit, used):
        before = hit.copy()
        nearest = None
        if (self.scan_truth is not None or self.management == "score") and len(idx) and len(z):
            zhat, S0, _ = self._predict_meas(idx, model)
            pi, pj, d2, logdet = gated_pairs(zhat, S0, z, R, model.angle_mask, gate=gate)
            nearest = np.full(len(idx), -1, np.int64)
            if len(pi):
                o = np.lexsort((d2, pi))
                first = np.concatenate([[True], pi[o][1:] != pi[o][:-1]])
                nearest[pi[o][first]] = pj[o][first]
                self._loglik[idx[pi[o][first]]] = gaussian_loglik(d2[o][first], logdet[o][first], z.shape[1])
        super()._jpda(idx, z, R, model, gate, hit, used)
        if nearest is not None:
            k = np.flatnonzero(hit[idx] & ~before[idx] & (nearest >= 0))
            self._credit(idx[k], nearest[k])
        self._reset_modes(np.flatnonzero(hit & ~before))

    def _birth(self, cols, z, R, model):
        n0 = len(self.x)
        super()._birth(cols, z, R, model)
        k_new = len(self.x) - n0
        self.t_hit = np.concatenate([self.t_hit, np.full(k_new, self.t_s)])
        self.truth_id = np.concatenate([self.truth_id, np.full(k_new, -1, np.int64)])
        self.last_plot_s = np.concatenate([self.last_plot_s, np.full((k_new, self.last_plot_s.shape[1]), -np.inf)])
        self._credit(np.arange(n0, len(self.x)), np.asarray(cols)[:k_new])
        # a one-plot track has no velocity: never confirmed at birth, whatever m_confirm
        self.confirmed[n0:] = False
        self.score = np.concatenate([self.score, np.zeros(k_new)])
        self.score_peak = np.concatenate([self.score_peak, np.zeros(k_new)])
        c = self.class_w.shape[1]
        self.class_w = np.concatenate([self.class_w, np.full((k_new, c), 1.0 / c)])
        if self.imm is not None and len(self.x) > n0:
            k = len(self.x) - n0
            r = self.xm.shape[1]
            self.xm = np.concatenate([self.xm, np.repeat(self.x[n0:, None, :], r, axis=1)])
            self.Pm = np.concatenate([self.Pm, np.repeat(self.P[n0:, None], r, axis=1)])
            self.mu = np.concatenate([self.mu, np.tile(self._mu0(r), (k, 1))])

    def _keep(self, keep):
        super()._keep(keep)
        self.t_hit = self.t_hit[keep]
        self.truth_id = self.truth_id[keep]
        self.last_plot_s = self.last_plot_s[keep]
        self.score, self.score_peak, self.class_w = self.score[keep], self.score_peak[keep], self.class_w[keep]
        if self.imm is not None:
            self.xm, self.Pm, self.mu = self.xm[keep], self.Pm[keep], self.mu[keep]

    # ------------------------------------------------------------------ management
    def _manage(self, hit):
        if self.management == "score":
            return self._manage_score(hit)
        if self.coverage is None:
            counts = ages = np.ones(len(self.x), bool)
        else:
            counts = self.coverage.covers(self.x[:, :3], self.P[:, 2, 2]) | hit
            ages = np.where(self.confirmed, counts, self.coverage.covers(self.x[:, :3], self.P[:, 2, 2], False) | hit)
        self.age += ages
        self.hits += hit
        self.misses = np.where(hit, 0, self.misses + (counts & ~hit))
        self.t_hit = np.where(hit, self.t_s, self.t_hit)
        self.confirmed |= (self.hits >= self.m_confirm) & ~self.single  # plots at ≥ 2 distinct times
        tr = np.trace(self.P[:, :3, :3], axis1=1, axis2=2)
        drop = np.where(self.confirmed, (self.misses >= self.k_miss) | (self.t_s - self.t_hit > self.max_coast_s),
                        self.age >= self.n_confirm) | (tr > self.max_pos_cov_trace_m2)
        if drop.any():
            self._keep(~drop)

    def _manage_score(self, hit):
        """Pd-aware log-likelihood score management (module docstring, :mod:`iadsim.tracking.score`)."""
        n = len(self.x)
        if self.radar_pd is not None:
            pdc = self.radar_pd.pd(self.x[:, :3], self.P[:, 2, 2])
        else:  # no radar model: the tracker's nominal Pd wherever the scan is
            pdc = np.full((n, self.class_w.shape[1]), self.pd)
        pe = expected_pd(self.class_w, pdc)
        self.score = self.score + score_increment(hit, pe, self._loglik, max(self.clutter_density, 1e-300))
        self.score_peak = np.maximum(self.score_peak, self.score)
        self.class_w = class_posterior(self.class_w, pdc, hit)
        self.age += 1
        self.hits += hit
        self.misses = np.where(hit, 0, self.misses + (pe >= 0.5))  # informative misses (reported only)
        self.t_hit = np.where(hit, self.t_s, self.t_hit)
        self.confirmed |= (self.score >= self.confirm_score) & ~self.single
        tr = np.trace(self.P[:, :3, :3], axis1=1, axis2=2)
        drop = ((self.score < self.score_peak - self.delete_score_drop) | (self.t_s - self.t_hit > self.max_coast_s)
                | (tr > self.max_pos_cov_trace_m2))
        drop |= self._duplicates(~drop)
        if drop.any():
            self._keep(~drop)

    def _duplicates(self, alive: np.ndarray) -> np.ndarray:
        """Confirmed tracks that duplicate another confirmed track with a higher peak score: the state
        difference is within the χ²₆(``DUPLICATE_GATE_PROB``) gate of ``P_i + P_j`` (position and
        velocity, so targets that cross are not merged)."""
        out = np.zeros(len(self.x), bool)
        c = np.flatnonzero(alive & self.confirmed)
        if len(c) < 2:
            return out
        pos = self.x[c, :3]
        sd = np.sqrt(np.trace(self.P[c, :3, :3], axis1=1, axis2=2))
        dist = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
        i, j = np.nonzero(np.triu(dist < 4.0 * (sd[:, None] + sd[None, :]), 1))
        if not len(i):
            return out
        dx = self.x[c[i]] - self.x[c[j]]
        S = self.P[c[i]] + self.P[c[j]]
        d2 = np.einsum("ni,ni->n", dx, np.linalg.solve(S, dx[..., None])[..., 0])
        same = d2 < DUPLICATE_GATE_D2
        for a, b in zip(c[i[same]], c[j[same]]):
            if not (out[a] or out[b]):
                out[b if (self.score_peak[a], -self.track_id[a]) >= (self.score_peak[b], -self.track_id[b]) else a] = True
        return out


def make_tracker(world: World, settings: TrackingSettings | None = None) -> ScenarioTracker:
    """A :class:`ScenarioTracker` configured from ``scenario.tracking`` (module docstring)."""
    ts = settings or world.scenario.tracking
    q = float(ts.process_noise_mps2) ** 2
    cv = ConstantVelocity(3, q)
    speeds = [w.speed_mps for th in world.scenario.threats for w in th.route]
    imm = None
    if ts.filter == "imm":
        imm = IMM([cv, CoordinatedTurnKnownRate(3, q, IMM_TURN_RATE_RADPS),
                   CoordinatedTurnKnownRate(3, q, -IMM_TURN_RATE_RADPS)],
                  np.full((3, 3), (1 - IMM_STAY) / 2) + np.eye(3) * (IMM_STAY - (1 - IMM_STAY) / 2))
    if ts.management == "score":
        coast = float(ts.max_coast_s)
    else:
        coast = ts.k_miss * max((r.revisit_s or 0.0 for r in world.radars), default=0.0) or np.inf
    return ScenarioTracker(
        cv, measurement_model=Spherical3D((0.0, 0.0, 0.0)), filter_kind=ts.filter, imm=imm,
        gate_prob=ts.gate_probability, association=ts.association, m_confirm=ts.m_confirm,
        n_confirm=ts.n_confirm, k_miss=ts.k_miss, max_pos_cov_trace_m2=MAX_POS_SIGMA_M**2,
        init_speed_sigma_mps=max(300.0, 1.5 * max(speeds, default=0.0)), pd=JPDA_PD,
        max_coast_s=coast, management=ts.management, n_classes=len(class_hypotheses(world)),
        confirm_score=ts.confirm_score, delete_score_drop=ts.delete_score_drop,
    )


@dataclass
class TrackedRun:
    """The tracker's output: confirmed tracks after every scan (flat rows)."""

    scan: np.ndarray  # (T,) index of the scan in processing order
    t_s: np.ndarray
    radar: np.ndarray  # radar of that scan
    track_id: np.ndarray
    x: np.ndarray  # (T, 6) [e, n, u, ve, vn, vu]
    scan_t_s: np.ndarray  # (S,)
    n_tracks_started: int
    seconds: float
    # (T,) threat of the latest target plot the track was updated with, −1
    truth_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    last_plot_s: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (T, R) last plot per radar, −inf
    P: np.ndarray = field(default_factory=lambda: np.zeros((0, 6, 6)))  # (T, 6, 6)


def run_tracker(world: World, meas: Measurements, settings: TrackingSettings | None = None, *,
                progress: Progress | None = None) -> TrackedRun:
    """Feed every scan of ``meas`` (time order, empty ones too) to one :func:`make_tracker`."""
    from iadsim.tracking import scan_from_detections

    t0 = time.perf_counter()
    tracker = make_tracker(world, settings)
    tracker.n_radars = len(world.radars)
    tracker.last_plot_s = np.zeros((0, tracker.n_radars))
    cov = {rs.radar.index: _Coverage(world, rs) for rs in meas.radars}
    hyp = class_hypotheses(world)
    rpd = {rs.radar.index: RadarPd(world, rs.radar, rs.view.antenna_enu_m, hyp) for rs in meas.radars}
    by_radar = {rs.radar.index: rs for rs in meas.radars}
    every = max(meas.n_scans // 50, 1)
    for s in range(meas.n_scans):
        ri = int(meas.scan_radar[s])
        rs = by_radar[ri]
        det = meas.scan(s)
        scan = scan_from_detections(det, rs.view.antenna_enu_m, t_s=float(meas.scan_t_s[s]))
        tracker.coverage = cov[ri]
        tracker.radar_pd = rpd[ri] if hyp else None
        tracker.clutter_density = max(rs.clutter.rate_per_scan, 1e-6) / rs.clutter.volume_m_rad2
        tracker.scan_radar, tracker.scan_truth = ri, det.truth_id
        tracker.step(scan.t_s, scan.z, scan.R, scan.model)
        if progress and s % every == 0:
            progress(f"tracking: scan {s + 1}/{meas.n_scans}", s / max(meas.n_scans, 1))
    h = tracker.history()
    return TrackedRun(scan=h["scan"], t_s=h["t_s"], radar=meas.scan_radar[h["scan"]] if len(h["scan"]) else
                      np.zeros(0, np.int64), track_id=h["track_id"], x=h["x"], scan_t_s=meas.scan_t_s.copy(),
                      n_tracks_started=int(tracker.next_id), seconds=time.perf_counter() - t0,
                      truth_id=h["truth_id"], last_plot_s=h["last_plot_s"], P=h["P"])


def evaluation_times(world: World, t_end_s: float) -> np.ndarray:
    step = world.scenario.run.time_step_s
    n = int(math.floor(t_end_s / step + 1e-9)) + 1
    return np.arange(n) * step


def tracks_at(tr: TrackedRun, t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Confirmed tracks' ids and positions at ``t_s``, extrapolated from the last scan at or before it."""
    k = int(np.searchsorted(tr.scan_t_s, t_s, side="right")) - 1
    if k < 0:
        return np.zeros(0, np.int64), np.zeros((0, 3))
    lo, hi = np.searchsorted(tr.scan, [k, k + 1])
    x = tr.x[lo:hi]
    return tr.track_id[lo:hi], x[:, :3] + x[:, 3:6] * (t_s - tr.scan_t_s[k])


def _in_area(world: World, traj: Trajectories) -> np.ndarray:
    radius = world.coverage_radius_m()
    inside = np.zeros(traj.lat_rad.shape, bool)
    for s in world.sites:
        d, _ = geodesic_inverse(np.full(traj.lat_rad.shape, s.lat_rad), np.full(traj.lat_rad.shape, s.lon_rad),
                                traj.lat_rad, traj.lon_rad)
        inside |= np.asarray(d, float).reshape(traj.lat_rad.shape) <= radius
    return traj.active & inside


@dataclass
class TrackScore:
    """Tracking performance against truth; arrays over the evaluation grid ``t_s`` (K,)."""

    t_s: np.ndarray
    truth: Trajectories  # sampled on t_s
    in_area: np.ndarray  # (N, K)
    detectable: np.ndarray  # (N, K)
    gospa: dict[str, np.ndarray]  # distance, localisation, missed, false, n_* — vs in-area truth
    gospa_detectable: dict[str, np.ndarray]
    matched_track: np.ndarray  # (N, K) track id matched to the threat (−1 none)
    match_error_m: np.ndarray  # (N, K) position error of that match (NaN none)
    metrics: dict[str, Any] = field(default_factory=dict)
    matched_track_detectable: np.ndarray | None = None  # (N, K) the same against detectable truth


def _gospa_series(tr: TrackedRun, pos: np.ndarray, mask: np.ndarray, t: np.ndarray, c: float, p: float,
                  want_match: bool):
    n, k = mask.shape
    keys = ("distance", "localisation", "missed", "false", "n_assigned", "n_missed", "n_false")
    out = {key: np.zeros(k) for key in keys}
    match = np.full((n, k), -1, np.int64)
    err = np.full((n, k), np.nan)
    for j, tj in enumerate(t):
        ids, xs = tracks_at(tr, float(tj))
        ti = np.flatnonzero(mask[:, j])
        g = gospa(xs, pos[ti, j], c, p)
        for key in keys:
            out[key][j] = g[key]
        if want_match and len(ids) and len(ti):
            ix, iy, d = gospa_assignment(xs, pos[ti, j], c, p)
            match[ti[iy], j] = ids[ix]
            err[ti[iy], j] = d
    return out, match, err


def _detectable(world: World, truth: Trajectories, area: np.ndarray) -> np.ndarray:
    """(N, K) in the area and seen by at least one radar with Pd ≥ :data:`DETECTABLE_PD`."""
    pd_max = np.zeros(area.shape)
    for r in world.radars:
        if truth.n_threats:
            pd_max = np.maximum(pd_max, radar_view(world, r, truth).pd)
    return area & (pd_max >= DETECTABLE_PD)


def _first_confirmed_by_plots(tr: TrackedRun, n: int) -> np.ndarray:
    """(N,) time of the first confirmed track row carrying threat i's plots (NaN: never)."""
    first = np.full(n, np.inf)
    if len(tr.truth_id) == len(tr.t_s) and len(tr.t_s):
        m = (tr.truth_id >= 0) & (tr.truth_id < n)
        np.minimum.at(first, tr.truth_id[m], tr.t_s[m])
    return np.where(np.isfinite(first), first, np.nan)


def continuity_by_plots(tr: TrackedRun, n: int) -> dict:
    """ID switches by data association: for each threat, the confirmed tracks that took over its
    plots, in time order (a track *takes over* when its latest target plot becomes the threat's);
    a switch is a change of that track. Also the number of distinct confirmed tracks that ever
    carried the threat's plots. No assignment to truth is involved."""
    per = {i: [] for i in range(n)}
    if len(tr.truth_id) == len(tr.t_s) and len(tr.t_s):
        order = np.lexsort((tr.track_id, tr.t_s))
        last: dict[int, int] = {}
        for tid, th in zip(tr.track_id[order].tolist(), tr.truth_id[order].tolist()):
            if th >= 0 and last.get(tid) != th and th < n:
                seq = per[th]
                if not seq or seq[-1] != tid:
                    seq.append(tid)
            last[tid] = th
    tracks = {i: int(len(set(v))) for i, v in per.items()}
    switches = {i: max(len(v) - 1, 0) for i, v in per.items()}
    return {"id_switches": int(sum(switches.values())), "per_truth": switches, "tracks": tracks}


def _per_class(truth: Trajectories, det: np.ndarray, contrib: np.ndarray, n_missed: np.ndarray, p: float,
               per_threat: list[dict]) -> dict:
    """Per threat class: GOSPA over that class's detectable threats (its share of the GOSPA sum:
    localisation of its matched threats + c^p/2 per missed one; false tracks are not attributed),
    confirmation latency, tracks per threat and ID switches."""
    out = {}
    classes = np.array(truth.threat_class, dtype=object)
    for c in dict.fromkeys(truth.threat_class):
        rows = np.flatnonzero(classes == c)
        busy = det[rows].any(axis=0)
        g = np.where(det[rows], contrib[rows], 0.0).sum(axis=0) ** (1.0 / p)
        pt = [per_threat[i] for i in rows]
        lat = [q["detection_to_confirmation_s"] for q in pt if q["detection_to_confirmation_s"] is not None]
        out[c] = {
            "threats": int(len(rows)),
            "gospa_detectable_mean_m": float(np.mean(g[busy])) if busy.any() else None,
            "mean_missed_count": float(np.mean(n_missed[rows][:, busy].sum(axis=0))) if busy.any() else None,
            "mean_detection_to_confirmation_s": float(np.mean(lat)) if lat else None,
            "threats_confirmed": int(len(lat)),
            "mean_confirmed_tracks_per_threat": float(np.mean([q["confirmed_tracks"] for q in pt])),
            "mean_matched_tracks_per_threat": float(np.mean([len(q["tracks"]) for q in pt])),
            "id_switches": int(sum(q["id_switches"] for q in pt)),
            "id_switches_detectable": int(sum(q["id_switches_detectable"] for q in pt)),
            "id_switches_by_plots": int(sum(q["id_switches_by_plots"] for q in pt)),
        }
    return out


def _continuity(mask: np.ndarray, match: np.ndarray) -> dict:
    """Track continuity of the GOSPA assignment ``match`` over the (threat, time) cells in ``mask``."""
    ii, kk = np.nonzero(mask)
    if not len(ii):
        return {"id_switches": 0, "fragmentations": 0, "per_truth": {}}
    return track_continuity(kk, ii, match[ii, kk])


def _first_plots(meas: Measurements, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each threat's first plot time (NaN without one) and its number of plots."""
    det = meas.detections
    tgt = ~det.is_clutter
    if not tgt.any():
        return np.full(n, np.nan), np.zeros(n, np.int64)
    ids = det.truth_id[tgt]
    first = np.full(n, np.inf)
    np.minimum.at(first, ids, det.t_s[tgt])
    return np.where(np.isfinite(first), first, np.nan), np.bincount(ids, minlength=n)


def _per_threat_rows(truth: Trajectories, step_s: float, area: np.ndarray, detectable: np.ndarray,
                     match: np.ndarray, match_det: np.ndarray, err: np.ndarray, first_det: np.ndarray,
                     n_det: np.ndarray, first_conf: np.ndarray, cont: dict, cont_det: dict,
                     cont_plots: dict) -> list[dict]:
    """One row per threat: plots, first detection and confirmation (its own track), time in the
    area, detectable and tracked, RMSE, tracks and ID switches under the three definitions."""
    rows = []
    for i in range(truth.n_threats):
        e = err[i][np.isfinite(err[i])]
        fd, fc = first_det[i], first_conf[i]
        rows.append({
            "threat": truth.name[i], "class": truth.threat_class[i],
            "detections": int(n_det[i]),
            "first_detection_s": None if np.isnan(fd) else float(fd),
            "confirmed_s": None if np.isnan(fc) else float(fc),
            "detection_to_confirmation_s": None if np.isnan(fd) or np.isnan(fc) else float(fc - fd),
            "time_in_area_s": float(area[i].sum() * step_s),
            "time_detectable_s": float(detectable[i].sum() * step_s),
            "time_tracked_s": float((match[i] >= 0).sum() * step_s),
            "time_tracked_detectable_s": float((match_det[i] >= 0).sum() * step_s),
            "rmse_m": float(np.sqrt(np.mean(e**2))) if e.size else None,
            "tracks": sorted({int(v) for v in match[i] if v >= 0}),
            "confirmed_tracks": cont_plots["tracks"][i],
            "id_switches": int(cont["per_truth"].get(i, (0, 0))[0]),
            "id_switches_detectable": int(cont_det["per_truth"].get(i, (0, 0))[0]),
            "id_switches_by_plots": int(cont_plots["per_truth"][i]),
            "fragmentations": int(cont["per_truth"].get(i, (0, 0))[1]),
        })
    return rows


def _gospa_means(g: dict, busy: np.ndarray) -> dict:
    """Means of a GOSPA series over the evaluation times in ``busy`` (None when there are none)."""
    def mean(a):
        return float(np.mean(a[busy])) if busy.any() else None
    return {"mean_m": mean(g["distance"]), "mean_localisation_m2": mean(g["localisation"]),
            "mean_missed_m2": mean(g["missed"]), "mean_false_m2": mean(g["false"]),
            "mean_missed_count": mean(g["n_missed"]), "mean_false_count": mean(g["n_false"])}


def _rmse(err: np.ndarray) -> float | None:
    ok = np.isfinite(err)
    return float(np.sqrt(np.mean(err[ok] ** 2))) if ok.any() else None


def score_tracks(world: World, meas: Measurements, tr: TrackedRun, *, gospa_c_m: float = GOSPA_C_M,
                 gospa_p: float = GOSPA_P) -> TrackScore:
    """GOSPA, RMSE, continuity and confirmation latency (module docstring), in phases: truth at the
    evaluation times, GOSPA over all threats in the area and over the detectable ones, continuity
    (three definitions), per-threat rows, per-class summaries."""
    t = evaluation_times(world, meas.t_end_s)
    truth = sample_trajectories(world, t)
    area = _in_area(world, truth)
    detectable = _detectable(world, truth, area)
    pos = truth.pos_enu_m
    g_all, match, err = _gospa_series(tr, pos, area, t, gospa_c_m, gospa_p, True)
    g_det, match_det, err_det = _gospa_series(tr, pos, detectable, t, gospa_c_m, gospa_p, True)
    n = truth.n_threats
    cont, cont_det, cont_plots = _continuity(area, match), _continuity(detectable, match_det), \
        continuity_by_plots(tr, n)
    # each detectable threat's share of GOSPA^p: d^p when matched, c^p/2 when missed
    ok_det = np.isfinite(err_det)
    missed_det = detectable & ~ok_det
    contrib = np.where(ok_det, np.nan_to_num(err_det) ** gospa_p, np.where(missed_det, gospa_c_m**gospa_p / 2, 0.0))
    # confirmation latency: the threat's first plot to the first confirmed track carrying its plots
    first_det, n_det = _first_plots(meas, n)
    first_conf = _first_confirmed_by_plots(tr, n)
    step = world.scenario.run.time_step_s
    per_threat = _per_threat_rows(truth, step, area, detectable, match, match_det, err, first_det, n_det,
                                  first_conf, cont, cont_det, cont_plots)
    track_ids = np.unique(tr.track_id)
    matched_ids = np.unique(match[match >= 0])
    busy = area.any(axis=0) | (g_all["n_false"] > 0)
    busy_det = detectable.any(axis=0) | (g_det["n_false"] > 0)
    lat = [p["detection_to_confirmation_s"] for p in per_threat if p["detection_to_confirmation_s"] is not None]
    metrics = {
        "gospa": {"c_m": gospa_c_m, "p": gospa_p, "alpha": 2, "evaluation_step_s": float(step),
                  "truth": "threats active and within the analysis radius of a site",
                  "mean_over": "evaluation times with a threat in the set or a confirmed track",
                  **_gospa_means(g_all, busy)},
        "gospa_detectable": {"truth": f"threats in the area seen by at least one radar with Pd >= {DETECTABLE_PD:g} "
                                      "(the headline: a threat nobody can detect is not counted as missed)",
                             "pd_threshold": DETECTABLE_PD, **_gospa_means(g_det, busy_det),
                             "rmse_m": _rmse(err_det)},
        "rmse_m": _rmse(err),
        "continuity": {"id_switches": int(cont["id_switches"]), "fragmentations": int(cont["fragmentations"]),
                       "definition": "GOSPA assignment to threats in the area, every evaluation step"},
        "continuity_detectable": {"id_switches": int(cont_det["id_switches"]),
                                  "fragmentations": int(cont_det["fragmentations"]),
                                  "definition": "GOSPA assignment to detectable threats, every evaluation step"},
        "continuity_by_plots": {"id_switches": cont_plots["id_switches"],
                                "definition": "changes of the confirmed track that carries the threat's plots"},
        "threats": n,
        "threats_detected": int((n_det > 0).sum()),
        "threats_tracked": int(np.isfinite(first_conf).sum()),
        "confirmed_tracks": int(len(track_ids)),
        "false_tracks": int(len(np.setdiff1d(track_ids, matched_ids))),
        "tracks_started": tr.n_tracks_started,
        "mean_detection_to_confirmation_s": float(np.mean(lat)) if lat else None,
        "mean_confirmed_tracks_per_threat": (float(np.mean([p["confirmed_tracks"] for p in per_threat]))
                                             if per_threat else None),
        "per_class": _per_class(truth, detectable, contrib, missed_det.astype(float), gospa_p, per_threat),
        "per_threat": per_threat,
    }
    return TrackScore(t_s=t, truth=truth, in_area=area, detectable=detectable, gospa=g_all,
                      gospa_detectable=g_det, matched_track=match, match_error_m=err, metrics=metrics,
                      matched_track_detectable=match_det)
