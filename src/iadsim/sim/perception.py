"""What each site knows of each threat at each battle step, and the state the battle engages from.

Two modes (``scenario.engagement.tracking``):

* ``perfect``: site ``s`` knows threat ``n`` at step ``k`` when a radar of ``s``, or of a site ``s``
  lists in ``links``, has Pd ≥ 0.5 on it (:mod:`iadsim.sim.sensing`); the battle then uses the
  threat's **true** position and velocity.
* ``tracker``: the tracking job's plots and tracker (:func:`iadsim.sim.measure.measure`,
  :func:`iadsim.sim.track_run.run_tracker`: every radar fused centrally, scans in time order)
  are run over the battle's duration, and perception is read from the confirmed tracks:

  - a confirmed track is **associated** with threat ``n`` when the latest target plot it was
    updated with came from ``n`` (its ``truth_id``; a track fed only by clutter is associated with
    nothing and is never engaged — engaging false tracks is not modelled);
  - the central tracker records, per track and radar, when that radar last fed it a plot. Site
    ``s`` **holds** a track at time ``t`` when a radar ``r`` of ``s`` or of a site ``s`` links to fed
    it within the last ``k_miss × revisit_s(r)`` (the K-miss window of that radar: the group would
    still hold the track on its own plots). Site ``s`` knows ``n`` at step ``t`` when it holds a
    confirmed track associated with ``n`` — the track as it stood after the last scan at or
    before ``t``, so no engagement can precede the track's confirmation;
  - the **state** used for threat evaluation and the intercept prediction is the estimate of one
    track per (threat, step): among the associated tracks held by some site, the one updated most
    recently (ties: smaller position covariance), extrapolated at constant velocity from its
    last scan to the step time. It is the fused estimate (all radars' plots), shared over the
    network; a site that holds a duplicate track of the same threat engages from that best track;
  - the estimate's velocity standard deviation (:func:`velocity_sigma_mps`) must be below
    ``engagement.max_velocity_sigma_mps`` for a launch (track quality before launch); whether a
    shot can kill is then decided on the truth (:mod:`iadsim.sim.battle`: divert basket);
  - ``detected`` events come from the plots: the first step at or after a radar's first plot of
    the threat.

  Tracking is **open loop**: the plots of every threat over its whole route are simulated and
  tracked before the battle, so a killed threat keeps its track (the battle ignores the tracks
  of threats it has assessed killed, as it ignores them in ``perfect`` mode) and engagements do
  not load the tracker or its radars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.sim.measure import Measurements
from iadsim.sim.track_run import TrackedRun
from iadsim.world import World

PD_KNOWN = 0.5  # Pd at which a radar is taken to hold a threat (perfect tracking)


@dataclass
class Perception:
    """Arrays over (S sites, N threats, K steps); ``row`` indexes the :class:`TrackedRun` rows."""

    known_site: np.ndarray  # (S, N, K) bool
    detected_radar: np.ndarray  # (R, N, K) bool
    pos_enu_m: np.ndarray | None = None  # (N, K, 3) estimate (tracker), None: truth
    vel_enu_mps: np.ndarray | None = None  # (N, K, 3)
    row: np.ndarray | None = None  # (N, K) tracked-run row of the estimate, −1: none
    first_confirmed_s: np.ndarray | None = None  # (N,) first confirmed associated track, NaN: never
    vel_sigma_mps: np.ndarray | None = None  # (N, K) velocity σ of the estimate (tracker), NaN: none


def site_sources(world: World) -> list[list[int]]:
    """Per site, the world radar indices whose pictures it shares (its own and its linked sites')."""
    idx = {s.name: i for i, s in enumerate(world.sites)}
    out = []
    for si, s in enumerate(world.scenario.sites):
        src = {si} | {idx[x] for x in s.links}
        out.append([r.index for r in world.radars if r.site_index in src])
    return out


def perfect_perception(world: World, pd: list[np.ndarray], n: int, k: int) -> Perception:
    """``tracking: perfect``: ``pd`` is each radar's (N, K) Pd on the battle grid."""
    detected = np.stack([p >= PD_KNOWN for p in pd]) if pd else np.zeros((len(world.radars), n, k), bool)
    known = np.zeros((len(world.sites), n, k), dtype=bool)
    for si, radars in enumerate(site_sources(world)):
        if radars:
            known[si] = detected[radars].any(axis=0)
    return Perception(known_site=known, detected_radar=detected)


def tracker_perception(world: World, t_s: np.ndarray, n: int, meas: Measurements, tr: TrackedRun) -> Perception:
    """``tracking: tracker`` (module docstring), vectorised over (track row, step) pairs."""
    k = t_s.size
    n_sites, n_r = len(world.sites), len(world.radars)
    known = np.zeros((n_sites, n, k), dtype=bool)
    pos = np.full((n, k, 3), np.nan)
    vel = np.full((n, k, 3), np.nan)
    row_nk = np.full((n, k), -1, np.int64)
    first_conf = np.full(n, np.nan)
    vel_sigma = np.full((n, k), np.nan)

    # detected: first battle step at or after each radar's plots of each threat
    det = meas.detections
    detected = np.zeros((n_r, n, k), dtype=bool)
    tgt = (det.truth_id >= 0) & (det.truth_id < n)
    if tgt.any() and k:
        step = np.minimum(np.searchsorted(t_s, det.t_s[tgt] - 1e-9, side="left"), k - 1)
        detected[det.radar[tgt], det.truth_id[tgt], step] = True

    if len(tr.t_s) and k and n:
        labelled = tr.truth_id >= 0
        if labelled.any():
            lab = tr.truth_id[labelled]
            np.fmin.at(first_conf, lab[lab < n], tr.t_s[labelled][lab < n])
        # the rows of the last scan at or before each step
        sc = np.searchsorted(tr.scan_t_s, t_s, side="right") - 1
        lo = np.searchsorted(tr.scan, sc, side="left")
        hi = np.searchsorted(tr.scan, sc + 1, side="left")
        cnt = np.maximum(hi - lo, 0)
        step = np.repeat(np.arange(k), cnt)
        row = lo[step] + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        lab = tr.truth_id[row]
        keep = (lab >= 0) & (lab < n)
        step, row, lab = step[keep], row[keep], lab[keep]
        # which radars still hold each (row, step): fed it within k_miss × their revisit
        k_miss = world.scenario.tracking.k_miss
        window = np.array([k_miss * (r.revisit_s or 0.0) for r in world.radars], dtype=float)
        age = t_s[step][:, None] - tr.last_plot_s[row]  # (P, R)
        fresh = age <= window[None, :] + 1e-9
        held_any = np.zeros(row.size, dtype=bool)
        for si, radars in enumerate(site_sources(world)):
            if not radars:
                continue
            h = fresh[:, radars].any(axis=1)
            known[si, lab[h], step[h]] = True
            held_any |= h
        # one estimate per (threat, step): the held track updated most recently
        step, row, lab = step[held_any], row[held_any], lab[held_any]
        if row.size:
            latest = tr.last_plot_s[row].max(axis=1)
            tr_p = np.trace(tr.P[row, :3, :3], axis1=1, axis2=2)
            o = np.lexsort((tr_p, -latest, step, lab))
            first = np.ones(o.size, dtype=bool)
            first[1:] = (lab[o][1:] != lab[o][:-1]) | (step[o][1:] != step[o][:-1])
            sel = o[first]
            li, si_, ri = lab[sel], step[sel], row[sel]
            dt = (t_s[si_] - tr.t_s[ri])[:, None]
            pos[li, si_] = tr.x[ri, :3] + tr.x[ri, 3:6] * dt
            vel[li, si_] = tr.x[ri, 3:6]
            row_nk[li, si_] = ri
            vel_sigma[li, si_] = velocity_sigma_mps(tr.P[ri])
    return Perception(known_site=known, detected_radar=detected, pos_enu_m=pos, vel_enu_mps=vel, row=row_nk,
                      first_confirmed_s=first_conf, vel_sigma_mps=vel_sigma)


def velocity_sigma_mps(cov: np.ndarray) -> np.ndarray:
    """Velocity standard deviation of (..., 6, 6) CV-state covariances: √(trace of the velocity
    block / 3), the RMS over the three axes, m/s."""
    c = np.asarray(cov, dtype=float)
    return np.sqrt(np.maximum(np.trace(c[..., 3:6, 3:6], axis1=-2, axis2=-1), 0.0) / 3.0)
