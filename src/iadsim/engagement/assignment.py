"""Weapon–target assignment for one engagement cycle: optimal and greedy.

Inputs, for T threats and L launchers grouped under R engagement radars (fire-control channels):

* ``value_saved`` (T, L): expected value saved if launcher l engages threat t, typically
  ``asset value × P_kill(salvo)`` (:func:`expected_value_saved`);
* ``feasible`` (T, L): the caller's verdict (intercept point inside the envelope, line of sight,
  track quality, ...);
* ``channels_free`` (R,): free fire-control channels of each radar; ``rounds_ready`` (L,): ready
  rounds on each launcher; ``launcher_radar`` (L,): which radar guides each launcher (default:
  launcher l is its own fire unit, R = L); ``rounds_per_engagement``: salvo size (scalar or (L,)).

Each engaged threat takes one launcher, one channel of that launcher's radar and a salvo of rounds.
The optimal assignment solves the integer programme

    max Σ v_tl x_tl   s.t.   Σ_l x_tl ≤ 1 (each threat),
                              Σ_t x_tl ≤ ⌊rounds_l / salvo_l⌋ (each launcher),
                              Σ_{t, l∈r} x_tl ≤ C_r (each radar),   x_tl ∈ {0, 1}, x_tl = 0 if infeasible.

Two exact solvers:

* when, for every radar, either the radar's channels or its launchers' rounds can never bind (or
  the radar has a single launcher), this is an assignment problem: each capacity group (a
  launcher, or a radar whose launchers are pooled) contributes as many columns as its capacity
  (capped at T), plus T zero-value "not engaged" columns, solved with
  ``scipy.optimize.linear_sum_assignment`` (the Hungarian / Jonker–Volgenant method; D. F.
  Crouse, "On implementing 2D rectangular assignment algorithms", *IEEE Trans. AES* 52(4), 2016);
* otherwise (channels and rounds both binding on a radar with several launchers) the nested
  capacities make it a min-cost flow (threat → launcher → radar), whose constraint matrix is
  totally unimodular (two laminar families; A. Schrijver, *Combinatorial Optimization*, 2003,
  Thm 41.11), solved exactly with ``scipy.optimize.milp`` (HiGHS).

Pairs with ``value_saved ≤ 0`` are never engaged (no round is spent for nothing). Zero free
channels or zero ready rounds are valid states: nothing is engaged. The greedy baseline takes
pairs in descending value (ties: lower threat index, then lower launcher index) while the threat is
unassigned and capacities remain.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import coo_array

from iadsim.engagement._checks import (
    EngagementInputError,
    count_array,
    finite_array,
    index_array,
    nonnegative,
    probability,
)


class Assignment(NamedTuple):
    """Result of one assignment cycle."""

    launcher_of_threat: np.ndarray  # (T,) launcher index, −1 if not engaged
    value_saved: float  # Σ value_saved over engaged pairs
    method: str  # "lsa", "milp" or "greedy"


def expected_value_saved(threat_value, pk, salvo_size=1) -> np.ndarray:
    """``value_t × (1 − (1 − Pk_tl)^n_l)``: (T,) values, (T, L) single-shot Pk, salvo (scalar or (L,))."""
    v = nonnegative(threat_value, "threat_value")
    p = probability(pk, "pk")
    n = count_array(salvo_size, "salvo_size", minimum=1)
    if p.ndim != 2 or v.shape not in ((), (p.shape[0],)):
        raise EngagementInputError("expected (T,) values and a (T, L) Pk matrix", field="pk")
    return np.reshape(v, (-1, 1)) * (1.0 - (1.0 - p) ** n)


class _Problem(NamedTuple):
    value: np.ndarray  # (T, L)
    ok: np.ndarray  # (T, L) usable pairs
    radar: np.ndarray  # (L,)
    cap_l: np.ndarray  # (L,) engagements each launcher can still make
    cap_r: np.ndarray  # (R,)
    n_t: int
    n_l: int


def _problem(value_saved, feasible, channels_free, rounds_ready, launcher_radar, rounds_per_engagement):
    v = finite_array(value_saved, "value_saved", ndim=2)
    n_t, n_l = v.shape
    f = np.asarray(feasible)
    if f.shape != v.shape:
        raise EngagementInputError(f"expected shape {v.shape} like value_saved, got {f.shape}", field="feasible")
    f = f.astype(bool)
    rounds = count_array(rounds_ready, "rounds_ready")
    if rounds.shape != (n_l,):
        raise EngagementInputError(f"expected one count per launcher ({n_l})", field="rounds_ready")
    chan = count_array(channels_free, "channels_free")
    if chan.ndim != 1:
        raise EngagementInputError("expected a 1-D array, one count per radar", field="channels_free")
    if launcher_radar is None:
        radar = np.arange(n_l)
        n_r = n_l
    else:
        radar = index_array(launcher_radar, "launcher_radar", chan.shape[0])
        n_r = chan.shape[0]
        if radar.shape != (n_l,):
            raise EngagementInputError(f"expected one radar index per launcher ({n_l})", field="launcher_radar")
    if chan.shape != (n_r,):
        raise EngagementInputError(f"expected one count per radar ({n_r})", field="channels_free")
    salvo = np.broadcast_to(count_array(rounds_per_engagement, "rounds_per_engagement", minimum=1), (n_l,))
    cap_l = rounds // salvo
    ok = f & (v > 0) & (cap_l > 0)[None, :] & (chan[radar] > 0)[None, :]
    return _Problem(v, ok, radar, cap_l, chan, n_t, n_l)


def _total(pr: _Problem, launcher_of_threat: np.ndarray) -> float:
    t = np.flatnonzero(launcher_of_threat >= 0)
    return float(pr.value[t, launcher_of_threat[t]].sum())


def _groups_for_lsa(pr: _Problem):
    """Column groups [(launchers, capacity)] if no radar has nested binding capacities, else None."""
    groups = []
    for r in range(pr.cap_r.shape[0]):
        ls = np.flatnonzero((pr.radar == r) & (pr.cap_l > 0))
        if ls.size == 0 or pr.cap_r[r] == 0:
            continue
        cap_ls = np.minimum(pr.cap_l[ls], pr.n_t)
        c_r = min(int(pr.cap_r[r]), pr.n_t)
        if ls.size == 1:
            groups.append((ls, min(int(cap_ls[0]), c_r)))
        elif cap_ls.sum() <= c_r:  # channels never bind: one group per launcher
            groups.extend((ls[i : i + 1], int(cap_ls[i])) for i in range(ls.size))
        elif np.all(cap_ls >= c_r):  # rounds never bind: pool the radar's launchers
            groups.append((ls, c_r))
        else:
            return None
    return groups


def _solve_lsa(pr: _Problem, groups) -> np.ndarray:
    out = np.full(pr.n_t, -1, dtype=np.int64)
    if pr.n_t == 0 or not groups:
        return out
    blocks, owners = [], []
    for ls, cap in groups:
        if cap <= 0:
            continue
        vals = np.where(pr.ok[:, ls], pr.value[:, ls], -np.inf)
        best = np.argmax(vals, axis=1)
        col = vals[np.arange(pr.n_t), best]
        blocks.append(np.repeat(col[:, None], cap, axis=1))
        owners.append(np.repeat(ls[best][:, None], cap, axis=1))
    if not blocks:
        return out
    real = np.concatenate(blocks, axis=1)
    owner = np.concatenate(owners, axis=1)
    usable = np.isfinite(real)
    # Any negative number keeps unusable pairs out: every threat has a free zero-value column.
    cost = np.concatenate([np.where(usable, real, -1.0), np.zeros((pr.n_t, pr.n_t))], axis=1)
    rows, cols = linear_sum_assignment(cost, maximize=True)
    take = (cols < real.shape[1]) & usable[rows, np.minimum(cols, real.shape[1] - 1)]
    out[rows[take]] = owner[rows[take], cols[take]]
    return out


def _solve_milp(pr: _Problem) -> np.ndarray:
    out = np.full(pr.n_t, -1, dtype=np.int64)
    t_idx, l_idx = np.nonzero(pr.ok)
    k = t_idx.size
    if k == 0:
        return out
    n_r = pr.cap_r.shape[0]
    cols = np.arange(k)
    rows = np.concatenate([t_idx, pr.n_t + l_idx, pr.n_t + pr.n_l + pr.radar[l_idx]])
    a = coo_array(
        (np.ones(3 * k), (rows, np.tile(cols, 3))), shape=(pr.n_t + pr.n_l + n_r, k)
    ).tocsr()
    ub = np.concatenate([np.ones(pr.n_t), pr.cap_l, pr.cap_r]).astype(np.float64)
    res = milp(
        c=-pr.value[t_idx, l_idx],
        constraints=LinearConstraint(a, -np.inf, ub),
        integrality=np.ones(k),
        bounds=Bounds(0.0, 1.0),
    )
    if res.x is None:  # pragma: no cover - x = 0 is always feasible
        raise RuntimeError(f"assignment MILP failed: {res.message}")
    chosen = np.flatnonzero(res.x > 0.5)
    out[t_idx[chosen]] = l_idx[chosen]
    return out


def assign_optimal(
    value_saved,
    feasible,
    channels_free,
    rounds_ready,
    launcher_radar=None,
    rounds_per_engagement=1,
) -> Assignment:
    """Assignment maximising the total expected value saved, constraints exact (module docstring)."""
    pr = _problem(value_saved, feasible, channels_free, rounds_ready, launcher_radar, rounds_per_engagement)
    groups = _groups_for_lsa(pr)
    if groups is not None:
        out, method = _solve_lsa(pr, groups), "lsa"
    else:
        out, method = _solve_milp(pr), "milp"
    return Assignment(out, _total(pr, out), method)


def assign_greedy(
    value_saved,
    feasible,
    channels_free,
    rounds_ready,
    launcher_radar=None,
    rounds_per_engagement=1,
) -> Assignment:
    """Greedy baseline: best remaining pair first while capacities remain (module docstring)."""
    pr = _problem(value_saved, feasible, channels_free, rounds_ready, launcher_radar, rounds_per_engagement)
    out = np.full(pr.n_t, -1, dtype=np.int64)
    t_idx, l_idx = np.nonzero(pr.ok)  # row-major: ties stay in (threat, launcher) order
    order = np.argsort(-pr.value[t_idx, l_idx], kind="stable")
    cap_l = pr.cap_l.copy()
    cap_r = pr.cap_r.copy()
    for t, l in zip(t_idx[order].tolist(), l_idx[order].tolist()):
        r = pr.radar[l]
        if out[t] < 0 and cap_l[l] > 0 and cap_r[r] > 0:
            out[t] = l
            cap_l[l] -= 1
            cap_r[r] -= 1
    return Assignment(out, _total(pr, out), "greedy")


def check_assignment(
    launcher_of_threat,
    feasible,
    channels_free,
    rounds_ready,
    launcher_radar=None,
    rounds_per_engagement=1,
) -> None:
    """Raise :class:`EngagementInputError` if an assignment breaks a constraint (for tests, audits)."""
    a = np.asarray(launcher_of_threat, dtype=np.int64)
    f = np.asarray(feasible, dtype=bool)
    n_l = f.shape[1]
    radar = np.arange(n_l) if launcher_radar is None else np.asarray(launcher_radar, dtype=np.int64)
    chan = np.asarray(channels_free, dtype=np.int64)
    salvo = np.broadcast_to(np.asarray(rounds_per_engagement, dtype=np.int64), (n_l,))
    t = np.flatnonzero(a >= 0)
    if not np.all(f[t, a[t]]):
        raise EngagementInputError("an infeasible pair was engaged", field="launcher_of_threat")
    per_l = np.bincount(a[t], minlength=n_l)
    if np.any(per_l * salvo > np.asarray(rounds_ready)):
        raise EngagementInputError("a launcher fires more rounds than it has ready", field="launcher_of_threat")
    per_r = np.bincount(radar[a[t]], minlength=chan.shape[0])
    if np.any(per_r > chan):
        raise EngagementInputError("a radar guides more engagements than it has channels", field="launcher_of_threat")
