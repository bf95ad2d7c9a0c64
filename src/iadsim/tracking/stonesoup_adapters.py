"""Convert iadsim arrays to Stone Soup objects and back (Stone Soup is imported lazily).

iadsim's states are position-first ``[x, y, (z), vx, vy, (vz)]``; Stone Soup's usual
``CombinedLinearGaussianTransitionModel([ConstantVelocity(q)] * n)`` state is interleaved
``[x, vx, y, vy, (z, vz)]``. :func:`interleave_index` gives the permutation; every converter takes
``interleave`` (default True) to apply it. Times are seconds since ``epoch`` (a
``datetime.datetime``, default 2000-01-01 UTC).
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

__all__ = [
    "EPOCH",
    "interleave_index",
    "to_datetime",
    "to_seconds",
    "truths_to_stonesoup",
    "detections_to_stonesoup",
    "tracks_to_stonesoup",
    "tracks_from_stonesoup",
    "truths_from_stonesoup",
]

EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)


def interleave_index(ndim: int, order: int = 2) -> np.ndarray:
    """Index ``p`` so that ``ours[p]`` is Stone Soup's interleaved state (``ours[i*ndim+k]``
    is derivative i of axis k; Stone Soup's ``[k*order + i]``)."""
    return np.array([i * ndim + k for k in range(ndim) for i in range(order)])


def to_datetime(t_s, epoch=EPOCH):
    return epoch + _dt.timedelta(seconds=float(t_s))


def to_seconds(t, epoch=EPOCH) -> float:
    return (t - epoch).total_seconds()


def _perm(d, ndim, interleave):
    if not interleave or ndim is None:
        return np.arange(d)
    order = d // ndim
    p = interleave_index(ndim, order)
    return np.concatenate([p, np.arange(ndim * order, d)])


def truths_to_stonesoup(t_s, states, ids=None, ndim=None, interleave=True, epoch=EPOCH):
    """Truth ``states`` (T, N, d) at times ``t_s`` (T,) → ``set`` of ``GroundTruthPath``.

    NaN rows (target absent at that time) are skipped. ``ndim`` (spatial dims) is needed to
    interleave; with ``ndim=None`` states pass through unchanged.
    """
    from stonesoup.types.groundtruth import GroundTruthPath, GroundTruthState

    states = np.asarray(states, float)
    T, N, d = states.shape
    p = _perm(d, ndim, interleave)
    ids = np.arange(N) if ids is None else np.asarray(ids)
    paths = set()
    for k in range(N):
        sts = [
            GroundTruthState(states[i, k, p].reshape(-1, 1), timestamp=to_datetime(t_s[i], epoch))
            for i in range(T)
            if np.all(np.isfinite(states[i, k]))
        ]
        paths.add(GroundTruthPath(sts, id=str(ids[k])))
    return paths


def truths_from_stonesoup(paths, ndim=None, interleave=True, epoch=EPOCH) -> dict:
    """``GroundTruthPath`` objects → flat arrays ``t_s``, ``truth_id`` (int if possible), ``x``."""
    rows_t, rows_id, rows_x = [], [], []
    for path in paths:
        for st in path.states:
            rows_t.append(to_seconds(st.timestamp, epoch))
            rows_id.append(path.id)
            rows_x.append(np.asarray(st.state_vector, float).ravel())
    return _flat(rows_t, rows_id, rows_x, ndim, interleave)


def _flat(rows_t, rows_id, rows_x, ndim, interleave, rows_P=None):
    if not rows_x:
        return {"t_s": np.zeros(0), "id": np.zeros(0, object), "x": np.zeros((0, 0))}
    x = np.array(rows_x)
    p = _perm(x.shape[1], ndim, interleave)
    inv = np.argsort(p)
    out = {"t_s": np.array(rows_t), "id": np.array(rows_id, dtype=object), "x": x[:, inv]}
    if rows_P is not None:
        P = np.array(rows_P)
        out["P"] = P[:, inv][:, :, inv]
    try:
        out["id"] = out["id"].astype(np.int64)
    except (TypeError, ValueError):
        pass
    return out


def detections_to_stonesoup(t_s: float, z, measurement_model, epoch=EPOCH, metadata=None):
    """Measurements ``z`` (M, m) at one time → ``set`` of Stone Soup ``Detection`` with the given
    Stone Soup measurement model. Returns ``(datetime, set)`` ready for ``update_tracker``.
    ``metadata`` (optional list of dicts) is attached per detection."""
    from stonesoup.types.detection import Detection

    t = to_datetime(t_s, epoch)
    z = np.asarray(z, float)
    dets = set()
    for i in range(len(z)):
        dets.add(
            Detection(
                z[i].reshape(-1, 1),
                timestamp=t,
                measurement_model=measurement_model,
                metadata={} if metadata is None else metadata[i],
            )
        )
    return t, dets


def tracks_to_stonesoup(history: dict, ndim=None, interleave=True, epoch=EPOCH):
    """A :meth:`Tracker.history` dict → ``set`` of Stone Soup ``Track`` (GaussianState if the
    history has covariances, else State)."""
    from stonesoup.types.state import GaussianState, State
    from stonesoup.types.track import Track

    x = np.asarray(history["x"], float)
    p = _perm(x.shape[1], ndim, interleave) if len(x) else None
    tracks = set()
    for tid in np.unique(history["track_id"]):
        rows = np.flatnonzero(history["track_id"] == tid)
        sts = []
        for r in rows:
            t = to_datetime(history["t_s"][r], epoch)
            if "P" in history:
                Pr = np.asarray(history["P"][r])[np.ix_(p, p)]
                sts.append(GaussianState(x[r, p].reshape(-1, 1), Pr, timestamp=t))
            else:
                sts.append(State(x[r, p].reshape(-1, 1), timestamp=t))
        tracks.add(Track(sts, id=str(tid)))
    return tracks


def tracks_from_stonesoup(tracks, ndim=None, interleave=True, epoch=EPOCH, last_only=False) -> dict:
    """Stone Soup tracks → flat arrays ``t_s``, ``id``, ``x`` (and ``P`` when every state has a
    covariance). Ids are Stone Soup's strings (ints if they all parse)."""
    rows_t, rows_id, rows_x, rows_P = [], [], [], []
    for tr in tracks:
        states = [tr.state] if last_only else list(tr.states)
        for st in states:
            rows_t.append(to_seconds(st.timestamp, epoch))
            rows_id.append(tr.id)
            rows_x.append(np.asarray(st.state_vector, float).ravel())
            rows_P.append(np.asarray(getattr(st, "covar", np.full((1, 1), np.nan)), float))
    have_P = bool(rows_P) and all(P.shape[0] == len(rows_x[0]) for P in rows_P)
    return _flat(rows_t, rows_id, rows_x, ndim, interleave, rows_P if have_P else None)
