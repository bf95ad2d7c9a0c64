"""Intercept geometry for a constant-velocity target and a constant-speed interceptor.

Point-mass kinematics in one local ENU frame. Times are seconds relative to the instant at which
the target's position is given (``t = 0``); the interceptor leaves the launcher at ``t_launch_s``
and flies a straight line at constant average speed ``v_m`` to the predicted intercept point.

The intercept condition (the "collision triangle") is

    |p_T + v_T t − p_L| = v_m (t − t_launch),   t ≥ t_launch.

With ``τ = t − t_launch`` and ``d = p_T + v_T t_launch − p_L`` (the target relative to the launcher
at launch) it becomes the quadratic

    a τ² + b τ + c = 0,   a = |v_T|² − v_m²,   b = 2 d·v_T,   c = |d|²,

whose smallest non-negative root is the earliest intercept. This is the standard constant-velocity
interception problem; see e.g. P. Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed.
(AIAA, 2012), ch. 2 (collision triangle / lead angle), or any "intercept of a moving target"
derivation (law of cosines on the triangle launcher–target–intercept point).

Cases (``status``):

* ``OK``: one earliest root τ ≥ 0 (always the case when the interceptor is faster, a < 0,
  because then c/a < 0 and the roots have opposite signs);
* ``TANGENT``: the discriminant vanishes (relative tolerance 1e-12): the interceptor can only
  just reach a faster target, at the double root τ = −b / 2a (feasible, but marginal);
* ``NO_SOLUTION``: a faster (or equally fast) target closing on a track the interceptor
  cannot reach (discriminant < 0);
* ``RECEDING``: a target at least as fast as the interceptor that is not closing (the roots are
  negative): it has already passed, or it is a tail chase that can never be won.

``feasible`` is ``status`` in {OK, TANGENT}; infeasible entries carry NaN times and points.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np

from iadsim.engagement._checks import EngagementInputError, finite_array, positive, states_and_points

_TANGENT_RTOL = 1e-12


class InterceptStatus(IntEnum):
    """Why an intercept solution exists or not (stored as int8 arrays)."""

    OK = 0
    TANGENT = 1
    NO_SOLUTION = 2
    RECEDING = 3
    OUT_OF_RANGE = 4  # used by iadsim.engagement.flyout: beyond the missile's maximum range


class Intercept(NamedTuple):
    """Intercept solutions for every (threat, launcher) pair; shapes (T, L) and (T, L, 3)."""

    t_intercept_s: np.ndarray  # time of intercept, relative to the target's reference time
    time_of_flight_s: np.ndarray  # t_intercept − t_launch
    pos_enu_m: np.ndarray  # predicted intercept point
    status: np.ndarray  # InterceptStatus codes, int8
    feasible: np.ndarray  # bool


def _pair_arrays(target_pos_enu_m, target_vel_enu_mps, launcher_pos_enu_m):
    return states_and_points(target_pos_enu_m, target_vel_enu_mps, launcher_pos_enu_m,
                             ("target_pos_enu_m", "target_vel_enu_mps", "launcher_pos_enu_m"))


def broadcast_pairs(x, name: str, n_threats: int, n_launchers: int) -> np.ndarray:
    """Broadcast a scalar, per-launcher (L,) or per-pair (T, L) argument to (T, L)."""
    a = np.asarray(x, dtype=np.float64)
    try:
        return np.broadcast_to(a, (n_threats, n_launchers))
    except ValueError:
        raise EngagementInputError(
            f"shape {a.shape} cannot broadcast to (threats, launchers) = ({n_threats}, {n_launchers})",
            field=name,
        ) from None


def solve_intercept_quadratic(a, b, c):
    """Earliest non-negative root of ``a τ² + b τ + c = 0`` (c ≥ 0) and its status, elementwise.

    Uses the cancellation-free form of the quadratic formula (q = −(b + sign(b)√D)/2, roots q/a
    and c/q; Press et al., *Numerical Recipes*, 3rd ed., §5.6).
    """
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c)))
    at_zero = c == 0.0  # target at the launcher at launch: τ = 0
    disc = b * b - 4.0 * a * c
    scale = np.maximum(np.abs(b), 1e-300)
    tangent = ~at_zero & (a > 0) & (np.abs(disc) <= _TANGENT_RTOL * scale * scale)
    disc = np.where(tangent, 0.0, disc)
    has_roots = ~at_zero & (disc >= 0)  # no real roots: a faster target never within reach
    sq = np.sqrt(np.where(has_roots, disc, 0.0))
    q = -0.5 * (b + np.where(b >= 0, 1.0, -1.0) * sq)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # a == 0 (equal speeds): the equation is linear, b τ + c = 0, and its one root is c/q.
        r1 = np.where(has_roots & (a != 0), q / np.where(a == 0, 1.0, a), np.nan)
        r2 = np.where(has_roots & (q != 0), c / np.where(q == 0, 1.0, q), np.nan)
    best = np.minimum(np.where(r1 >= 0, r1, np.inf), np.where(r2 >= 0, r2, np.inf))
    ok = has_roots & np.isfinite(best)
    status = np.select(
        [at_zero, ok & tangent, ok, has_roots],  # real roots but none ≥ 0: receding / passed
        [InterceptStatus.OK, InterceptStatus.TANGENT, InterceptStatus.OK, InterceptStatus.RECEDING],
        InterceptStatus.NO_SOLUTION,
    ).astype(np.int8)
    tau = np.where(at_zero, 0.0, np.where(ok, best, np.nan))
    return tau, status


def intercept_constant_speed(
    target_pos_enu_m,
    target_vel_enu_mps,
    launcher_pos_enu_m,
    speed_mps,
    t_launch_s=0.0,
) -> Intercept:
    """Earliest intercept of constant-velocity threats by constant-speed interceptors.

    Parameters
    ----------
    target_pos_enu_m, target_vel_enu_mps : (T, 3)
        Threat positions at t = 0 and constant velocities.
    launcher_pos_enu_m : (L, 3)
        Launcher positions.
    speed_mps : scalar, (L,) or (T, L)
        Interceptor average speed, > 0.
    t_launch_s : scalar, (L,) or (T, L)
        Launch time relative to t = 0 (reaction time, launch interval, ...).

    Returns
    -------
    Intercept
        Arrays of shape (T, L) (positions (T, L, 3)). Formula and cases: module docstring.
    """
    p_t, v_t, p_l = _pair_arrays(target_pos_enu_m, target_vel_enu_mps, launcher_pos_enu_m)
    n_t, n_l = p_t.shape[0], p_l.shape[0]
    v_m = broadcast_pairs(positive(speed_mps, "speed_mps"), "speed_mps", n_t, n_l)
    t0 = broadcast_pairs(finite_array(t_launch_s, "t_launch_s"), "t_launch_s", n_t, n_l)

    d = p_t[:, None, :] + v_t[:, None, :] * t0[..., None] - p_l[None, :, :]  # (T, L, 3)
    v = np.broadcast_to(v_t[:, None, :], d.shape)
    a = np.einsum("tlk,tlk->tl", v, v) - v_m * v_m
    b = 2.0 * np.einsum("tlk,tlk->tl", d, v)
    c = np.einsum("tlk,tlk->tl", d, d)
    tau, status = solve_intercept_quadratic(a, b, c)
    feasible = (status == InterceptStatus.OK) | (status == InterceptStatus.TANGENT)
    t_int = t0 + tau
    pos = p_t[:, None, :] + v_t[:, None, :] * t_int[..., None]
    pos = np.where(feasible[..., None], pos, np.nan)
    return Intercept(t_int, tau, pos, status, feasible)
