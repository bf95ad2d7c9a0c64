"""Launcher magazines as arrays: ready rounds, reload queue, launch interval.

State for L launchers and M missile types (:class:`MagazineState`, immutable; every function
returns a new state):

* ``ready`` (L, M): rounds on the rails, ready to fire;
* ``reserve`` (L, M): rounds in stock for reloading that launcher (transloader load);
* ``reload_s`` (L,): time to reload one round; ``launch_interval_s`` (L,): minimum time between
  two launches from one launcher;
* a reload queue per launcher: ``queue_done_s`` (L, Q) completion times (+∞ = empty slot) and
  ``queue_type`` (L, Q) missile types (−1 = empty).

Model (an analysis approximation): rounds leave the rails when fired (committed at once even if
the launch interval puts a later round of the salvo in the future). Each fired round is replaced
from ``reserve`` if any of its type remains. Reloads are serial per launcher (one crew): the reload
of a round launched at ``t_launch`` starts at ``max(t_launch, crew free)`` and completes
``reload_s`` later, when the round becomes ready again. Successive launches from one launcher
are at least ``launch_interval_s`` apart, also across calls.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from iadsim.engagement._checks import (
    EngagementInputError,
    count_array,
    finite_array,
    index_array,
    nonnegative,
)


@dataclass(frozen=True)
class MagazineState:
    """Magazine arrays at time ``t_s`` (module docstring)."""

    t_s: float
    ready: np.ndarray
    reserve: np.ndarray
    reload_s: np.ndarray
    launch_interval_s: np.ndarray
    next_launch_s: np.ndarray  # (L,) earliest time of the next launch
    reload_free_s: np.ndarray  # (L,) when the reload crew is next free
    queue_done_s: np.ndarray
    queue_type: np.ndarray

    @property
    def n_launchers(self) -> int:
        return self.ready.shape[0]

    @property
    def n_types(self) -> int:
        return self.ready.shape[1]


def make_magazine(ready, reload_s, launch_interval_s, reserve=0, t_s: float = 0.0) -> MagazineState:
    """Initial state: ``ready`` (L, M) rounds, per-launcher ``reload_s`` and ``launch_interval_s``."""
    r = count_array(ready, "ready")
    if r.ndim != 2:
        raise EngagementInputError("expected shape (launchers, missile types)", field="ready")
    n_l, _ = r.shape
    res = count_array(reserve, "reserve")
    try:
        res = np.array(np.broadcast_to(res, r.shape))
        rel = np.array(np.broadcast_to(nonnegative(reload_s, "reload_s"), (n_l,)))
        gap = np.array(np.broadcast_to(nonnegative(launch_interval_s, "launch_interval_s"), (n_l,)))
    except ValueError:
        raise EngagementInputError(
            f"reserve must broadcast to {r.shape}; reload_s and launch_interval_s to ({n_l},)", field="reserve"
        ) from None
    t0 = float(finite_array(t_s, "t_s"))
    q = max(int(r.sum(axis=1).max(initial=0)), 1)
    return MagazineState(
        t_s=t0,
        ready=r.copy(),
        reserve=res,
        reload_s=rel,
        launch_interval_s=gap,
        next_launch_s=np.full(n_l, t0),
        reload_free_s=np.full(n_l, t0),
        queue_done_s=np.full((n_l, q), np.inf),
        queue_type=np.full((n_l, q), -1, dtype=np.int64),
    )


def advance(state: MagazineState, t_s: float) -> MagazineState:
    """Move to time ``t_s`` (≥ ``state.t_s``): reloads completed by then become ready."""
    t = float(finite_array(t_s, "t_s"))
    if t < state.t_s:
        raise EngagementInputError(f"time goes backwards: {t:g} s < {state.t_s:g} s", field="t_s")
    done = state.queue_done_s <= t
    ready = state.ready.copy()
    l_idx, q_idx = np.nonzero(done)
    np.add.at(ready, (l_idx, state.queue_type[l_idx, q_idx]), 1)
    return replace(
        state,
        t_s=t,
        ready=ready,
        queue_done_s=np.where(done, np.inf, state.queue_done_s),
        queue_type=np.where(done, -1, state.queue_type),
    )


def ready_rounds(state: MagazineState, t_s: float | None = None) -> np.ndarray:
    """Ready rounds (L, M) at ``t_s`` (default: the state's time)."""
    return (state if t_s is None else advance(state, t_s)).ready.copy()


def pending_reloads(state: MagazineState) -> np.ndarray:
    """Rounds queued for reload, (L, M)."""
    out = np.zeros_like(state.ready)
    l_idx, q_idx = np.nonzero(state.queue_type >= 0)
    np.add.at(out, (l_idx, state.queue_type[l_idx, q_idx]), 1)
    return out


def fire(state: MagazineState, launcher, missile_type, n_rounds, t_s: float):
    """Fire salvos at time ``t_s``; returns ``(new_state, launch_times_s)``.

    ``launcher``, ``missile_type``, ``n_rounds`` are (K,) requests handled in order (several may
    name the same launcher). ``launch_times_s`` is (K, max n) with NaN padding: the first round of
    a request leaves at ``max(t_s, next launch)`` and the following ones ``launch_interval_s`` apart.
    Firing more rounds than are ready raises :class:`EngagementInputError` (and changes nothing).
    The loop is over the rounds fired in one cycle, a handful.
    """
    st = advance(state, t_s)
    ls = np.atleast_1d(index_array(launcher, "launcher", st.n_launchers))
    ms = np.atleast_1d(index_array(missile_type, "missile_type", st.n_types))
    ns = np.atleast_1d(count_array(n_rounds, "n_rounds", minimum=1))
    try:
        ls, ms, ns = np.broadcast_arrays(ls, ms, ns)
    except ValueError:
        raise EngagementInputError("launcher, missile_type and n_rounds must have one length", field="launcher") from None
    need = np.zeros_like(st.ready)
    np.add.at(need, (ls, ms), ns)
    short = need > st.ready
    if np.any(short):
        l_bad, m_bad = np.argwhere(short)[0]
        raise EngagementInputError(
            f"launcher {l_bad} has {st.ready[l_bad, m_bad]} ready rounds of type {m_bad}, "
            f"{need[l_bad, m_bad]} requested",
            field="n_rounds",
        )
    ready = st.ready - need
    reserve = st.reserve.copy()
    next_launch = st.next_launch_s.copy()
    crew_free = st.reload_free_s.copy()
    q_done = st.queue_done_s.copy()
    q_type = st.queue_type.copy()
    times = np.full((ls.size, int(ns.max(initial=1))), np.nan)
    for k, (l, m, n) in enumerate(zip(ls.tolist(), ms.tolist(), ns.tolist())):
        for j in range(n):
            t_launch = max(st.t_s, next_launch[l])
            times[k, j] = t_launch
            next_launch[l] = t_launch + st.launch_interval_s[l]
            if reserve[l, m] > 0:
                reserve[l, m] -= 1
                done = max(t_launch, crew_free[l]) + st.reload_s[l]
                crew_free[l] = done
                free = np.flatnonzero(q_type[l] < 0)
                if free.size == 0:
                    q_done = np.pad(q_done, ((0, 0), (0, 1)), constant_values=np.inf)
                    q_type = np.pad(q_type, ((0, 0), (0, 1)), constant_values=-1)
                    slot = q_type.shape[1] - 1
                else:
                    slot = int(free[0])
                q_done[l, slot] = done
                q_type[l, slot] = m
    new = replace(
        st,
        ready=ready,
        reserve=reserve,
        next_launch_s=next_launch,
        reload_free_s=crew_free,
        queue_done_s=q_done,
        queue_type=q_type,
    )
    return new, times


def launch_ready(state: MagazineState, t_s: float | None = None) -> np.ndarray:
    """(L,) whether each launcher's launch interval has elapsed by ``t_s`` (default: state time)."""
    t = state.t_s if t_s is None else float(finite_array(t_s, "t_s"))
    return state.next_launch_s <= t
