"""iadsim's batched tracker against Stone Soup 1.9.1 on the same truth and the same detections.

Both trackers are configured alike:
  * Kalman filter with the nearly-constant-velocity model, same q (Stone Soup:
    ``CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * 2)``, ``KalmanPredictor``,
    ``KalmanUpdater``; ours: ``ConstantVelocity(2, q)``, Joseph-form update);
  * Mahalanobis gating at the same distance g with a miss costing g, GNN by one 2-D assignment
    (Stone Soup: ``DistanceHypothesiser(..., Mahalanobis(), missed_distance=g)`` +
    ``GNNWith2DAssignment``; ours: ``cost="d"``, ``gate_d2=g²``);
  * 2-of-3 confirmation (Stone Soup: ``MultiMeasurementInitiator(min_points=2)`` whose holding
    tracks are dropped by ``UpdateTimeStepsDeleter(2)``, i.e. a second plot within the next two
    scans; ours: ``m_confirm=2, n_confirm=3``) from the same single-point prior
    (position = plot, velocity 0 ± ``SIGMA_V0``; ours re-initialises by two-point differencing
    at the second plot, Stone Soup does a Kalman update from the prior);
  * deletion after K consecutive misses (``UpdateTimeStepsDeleter(K)``; ours ``k_miss=K``).

GOSPA (α = 2, c, p) is computed by iadsim's metric for both trackers' confirmed tracks at every
scan, and checked against Stone Soup's ``GOSPAMetric`` on the same sets.

Run:  .venv/bin/python benchmarks/tracking_vs_stonesoup.py [--seed 1] [--large-only]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# benchmarks/ first on sys.path would let benchmarks/coverage.py shadow the coverage package numba probes
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _Path(__file__).resolve().parent]

import argparse
import datetime
import os
import time

import numpy as np

from iadsim.tracking import ConstantVelocity, Tracker, gospa
from iadsim.tracking import stonesoup_adapters as ssa

DT_S = 1.0
Q = 0.5  # acceleration PSD, m²/s³ (truth and both filters)
SIGMA_M = 25.0  # position measurement noise per axis
PD = 0.9
GATE = 3.717  # Mahalanobis distance gate ≈ sqrt(χ²₂⁻¹(0.999))
K_MISS = 3
SIGMA_V0 = 100.0  # velocity std of a single-plot tentative track, m/s
C_M, P_ORDER = 100.0, 1  # GOSPA cut-off and order


def make_truth(rng, n_targets, n_scans, half_width_m, speed_mps=(50.0, 150.0)):
    cv = ConstantVelocity(2, Q)
    F, L = cv.F(DT_S), np.linalg.cholesky(cv.Q(DT_S))
    heading = rng.uniform(-np.pi, np.pi, n_targets)
    speed = rng.uniform(*speed_mps, n_targets)
    x = np.column_stack(
        [
            rng.uniform(-0.6, 0.6, (n_targets, 2)) * half_width_m,
            speed * np.sin(heading),
            speed * np.cos(heading),
        ]
    )
    out = [x]
    for _ in range(n_scans - 1):
        x = x @ F.T + rng.standard_normal(x.shape) @ L.T
        out.append(x)
    return np.array(out)  # (T, N, 4)


def make_scans(rng, truth, clutter_per_scan, half_width_m):
    scans = []
    for k in range(len(truth)):
        det = rng.random(truth.shape[1]) < PD
        z = truth[k, det, :2] + rng.normal(0.0, SIGMA_M, (det.sum(), 2))
        c = rng.uniform(-half_width_m, half_width_m, (rng.poisson(clutter_per_scan), 2))
        zz = np.vstack([z, c])
        scans.append(zz[rng.permutation(len(zz))])
    return scans


def run_iadsim(scans):
    tr = Tracker(
        ConstantVelocity(2, Q),
        gate_d2=GATE**2,
        cost="d",
        m_confirm=2,
        n_confirm=3,
        k_miss=K_MISS,
        init_speed_sigma_mps=SIGMA_V0,
    )
    R = np.eye(2) * SIGMA_M**2
    est = []
    for k, z in enumerate(scans):
        out = tr.step(k * DT_S, z, R)
        est.append(out.x[:, :2])
    return est


def run_stonesoup(scans):
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity as SSCV,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    trans = CombinedLinearGaussianTransitionModel([SSCV(Q), SSCV(Q)])
    meas = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.eye(2) * SIGMA_M**2)
    predictor = KalmanPredictor(trans)
    updater = KalmanUpdater(meas)
    hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(), missed_distance=GATE)
    prior = GaussianState(np.zeros((4, 1)), np.diag([0.0, SIGMA_V0**2, 0.0, SIGMA_V0**2]))
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        measurement_model=meas,
        deleter=UpdateTimeStepsDeleter(2),
        data_associator=GNNWith2DAssignment(hyp),
        updater=updater,
        min_points=2,
    )
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(K_MISS),
        detector=None,
        data_associator=GNNWith2DAssignment(hyp),
        updater=updater,
    )
    # detections are built before timing starts: conversion is not tracking work
    inputs = [ssa.detections_to_stonesoup(k * DT_S, z, meas) for k, z in enumerate(scans)]
    t0 = time.perf_counter()
    est = []
    for t, dets in inputs:
        _, tracks = tracker.update_tracker(t, dets)
        est.append(
            np.array([np.ravel(tr.state_vector)[[0, 2]] for tr in tracks]).reshape(-1, 2)
        )
    return est, time.perf_counter() - t0


def mean_gospa(est, truth):
    g = [gospa(e, truth[k, :, :2], C_M, P_ORDER) for k, e in enumerate(est)]
    return {
        key: float(np.mean([x[key] for x in g]))
        for key in ("distance", "localisation", "missed", "false", "n_missed", "n_false")
    }


def stonesoup_gospa(est, truth):
    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    m = GOSPAMetric(c=C_M, p=P_ORDER, measure=Euclidean())
    vals = []
    for k, e in enumerate(est):
        t = ssa.to_datetime(k * DT_S)
        a = [State(p.reshape(-1, 1), timestamp=t) for p in e]
        b = [State(p.reshape(-1, 1), timestamp=t) for p in truth[k, :, :2]]
        vals.append(m.compute_gospa_metric(a, b)[0].value["distance"])
    return float(np.mean(vals))


def median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def compare(seed, n_targets=20, n_scans=100, clutter=10.0, half_width_m=20e3):
    rng = np.random.default_rng(seed)
    truth = make_truth(rng, n_targets, n_scans, half_width_m)
    scans = make_scans(rng, truth, clutter, half_width_m)
    run_iadsim(scans[:5])  # JIT warm-up (numba caches to disk; first ever run compiles)
    t_ours, est_ours = median_time(lambda: run_iadsim(scans), 5)
    est_ss, t_ss = run_stonesoup(scans)
    g_ours, g_ss = mean_gospa(est_ours, truth), mean_gospa(est_ss, truth)
    return dict(
        t_ours=t_ours, t_ss=t_ss, g_ours=g_ours, g_ss=g_ss,
        g_ours_ss=stonesoup_gospa(est_ours, truth), g_ss_ss=stonesoup_gospa(est_ss, truth),
    )


def large(seed, n_targets=1000, n_scans=100, clutter=100.0, half_width_m=400e3):
    rng = np.random.default_rng(seed)
    truth = make_truth(rng, n_targets, n_scans, half_width_m)
    scans = make_scans(rng, truth, clutter, half_width_m)
    run_iadsim(scans[:3])
    t, est = median_time(lambda: run_iadsim(scans), 3)
    return t, mean_gospa(est, truth), sum(len(s) for s in scans)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3, help="Monte Carlo runs of the 20-target case")
    ap.add_argument("--large-only", action="store_true")
    a = ap.parse_args()
    print(f"# {datetime.date.today()}  cores available: {os.cpu_count()}")
    if not a.large_only:
        rows = [compare(a.seed + r) for r in range(a.runs)]
        go = np.mean([r["g_ours"]["distance"] for r in rows])
        gs = np.mean([r["g_ss"]["distance"] for r in rows])
        to = sum(r["t_ours"] for r in rows)
        ts = sum(r["t_ss"] for r in rows)
        for i, r in enumerate(rows):
            print(
                f"run {i}: GOSPA iadsim {r['g_ours']['distance']:.2f} m "
                f"(missed {r['g_ours']['n_missed']:.2f}, false {r['g_ours']['n_false']:.2f}/scan) "
                f"| Stone Soup {r['g_ss']['distance']:.2f} m "
                f"(missed {r['g_ss']['n_missed']:.2f}, false {r['g_ss']['n_false']:.2f}/scan) "
                f"| Stone Soup's GOSPA on the same sets: {r['g_ours_ss']:.2f} / {r['g_ss_ss']:.2f} "
                f"| time {r['t_ours'] * 1e3:.1f} ms vs {r['t_ss']:.2f} s"
            )
        print(f"mean GOSPA iadsim (20 CV targets, 100 scans, Pd 0.9, 10 clutter/scan, c={C_M:g} m, "
              f"p={P_ORDER}): {go:.2f} m")
        print(f"mean GOSPA Stone Soup (same): {gs:.2f} m")
        print(f"GOSPA ratio iadsim/Stone Soup: {go / gs:.3f}")
        print(f"time iadsim (100 scans, median of 5): {to / len(rows) * 1e3:.1f} ms")
        print(f"time Stone Soup (100 scans): {ts / len(rows):.2f} s")
        print(f"speed ratio Stone Soup/iadsim: {ts / to:.0f}")
    t, g, n_det = large(a.seed)
    print(f"time iadsim 1000 targets x 100 scans, 100 clutter/scan ({n_det} plots): {t:.2f} s")
    print(f"throughput iadsim 1000 targets: {100 / t:.0f} scans/s, {n_det / t:.0f} plots/s")
    print(f"mean GOSPA iadsim 1000 targets: {g['distance']:.1f} m "
          f"(missed {g['n_missed']:.1f}, false {g['n_false']:.1f} per scan)")


if __name__ == "__main__":
    main()
