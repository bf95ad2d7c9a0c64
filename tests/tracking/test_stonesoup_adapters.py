"""Round trips through Stone Soup types, and our Kalman filter against Stone Soup's."""

import numpy as np
import pytest

from iadsim.tracking import ConstantVelocity, LinearPosition, kf_predict, kf_update
from iadsim.tracking import stonesoup_adapters as ssa

pytest.importorskip("stonesoup")


def test_interleave_index():
    assert ssa.interleave_index(2).tolist() == [0, 2, 1, 3]
    assert ssa.interleave_index(3).tolist() == [0, 3, 1, 4, 2, 5]


def test_truth_and_track_round_trip():
    rng = np.random.default_rng(0)
    t = np.arange(5.0)
    states = rng.normal(size=(5, 3, 4))
    states[2, 1] = np.nan  # target 1 absent at t = 2
    paths = ssa.truths_to_stonesoup(t, states, ndim=2)
    assert len(paths) == 3 and sum(len(p) for p in paths) == 14
    p0 = next(p for p in paths if p.id == "0")
    assert np.allclose(np.ravel(p0.states[1].state_vector), states[1, 0, [0, 2, 1, 3]])
    back = ssa.truths_from_stonesoup(paths, ndim=2)
    for tt, i, x in zip(back["t_s"], back["id"], back["x"]):
        assert np.allclose(x, states[int(tt), i])

    hist = {"t_s": np.array([0.0, 1.0, 1.0]), "track_id": np.array([4, 4, 9]),
            "x": rng.normal(size=(3, 4)), "P": np.tile(np.eye(4), (3, 1, 1)) * [1, 2, 3, 4]}
    tracks = ssa.tracks_to_stonesoup(hist, ndim=2)
    assert {tr.id for tr in tracks} == {"4", "9"}
    back = ssa.tracks_from_stonesoup(tracks, ndim=2)
    order = np.lexsort((back["t_s"], back["id"]))
    assert np.allclose(back["x"][order], hist["x"])
    assert np.allclose(back["P"][order], hist["P"])


def test_kalman_filter_agrees_with_stonesoup():
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity as SSCV,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.types.hypothesis import SingleHypothesis
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    q, sig = 0.7, 15.0
    trans = CombinedLinearGaussianTransitionModel([SSCV(q), SSCV(q)])
    meas = LinearGaussian(4, [0, 2], np.eye(2) * sig**2)
    pred, upd = KalmanPredictor(trans), KalmanUpdater(meas)
    p = ssa.interleave_index(2)
    x0 = np.array([100.0, 200.0, 10.0, -5.0])
    P0 = np.diag([400.0, 400.0, 100.0, 100.0])
    st = GaussianState(x0[p].reshape(-1, 1), P0[np.ix_(p, p)], timestamp=ssa.to_datetime(0.0))
    x, P = x0[None], P0[None]
    cv = ConstantVelocity(2, q)
    rng = np.random.default_rng(1)
    for k in range(1, 8):
        dt = 0.5 * k
        t = ssa.to_datetime(sum(0.5 * j for j in range(1, k + 1)))
        z = rng.normal(0, 50, 2) + x[0, :2]
        _, dets = ssa.detections_to_stonesoup(ssa.to_seconds(t), z[None], meas)
        prediction = pred.predict(st, timestamp=t)
        st = upd.update(SingleHypothesis(prediction, dets.pop()))
        x, P = kf_predict(x, P, cv.F(dt), cv.Q(dt))
        x, P = kf_update(x, P, z[None], LinearPosition(2, 4).H, np.eye(2) * sig**2)
        assert np.allclose(np.ravel(st.state_vector), x[0, p])
        assert np.allclose(st.covar, P[0][np.ix_(p, p)])
