"""Fire doctrine: salvo and shoot–look–shoot, with their analytic expectations.

**Salvo** of n independent shots with single-shot kill probabilities Pk_i:

    P_kill = 1 − Π_i (1 − Pk_i)    (= 1 − (1 − Pk)^n for identical shots)

(independent Bernoulli trials; e.g. A. R. Washburn, *Notes on Firing Theory*, Naval Postgraduate
School, 2002, ch. 1; the "cumulative kill probability" of S. Przemieniecki, *Mathematical Methods
in Defense Analyses*, 3rd ed., AIAA, 2000, §4.)

**Shoot–look–shoot** (S–L–S): fire a salvo at stage 0; the outcome is known at intercept plus a
kill-assessment delay; if the threat survives and another launch opportunity remains, fire again.
Stage launch times:

    t₀ = t_first,   t_{i+1} = t_i + tof_i + t_assess,   stage i available iff t_i ≤ t_last
                                                        (and the rounds it needs are available).

With stage salvo kill probability q_i = 1 − (1 − Pk_i)^n and A the available stages,

    P_kill = 1 − Π_{i∈A} (1 − q_i),
    E[stages fired] = Σ_{i∈A} Π_{j<i} (1 − q_j),   E[rounds] = n · E[stages fired]

(a sequence of independent trials stopped at the first success: Przemieniecki, §4; Washburn,
ch. 1). ``t_first``/``t_last`` (the first and last launch times that give an intercept inside the
envelope) and per-stage ``tof`` and Pk come from the intercept and Pk modules.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from iadsim.engagement._checks import (
    EngagementInputError,
    count_array,
    finite_array,
    nonnegative,
    probability,
)
from iadsim.engagement.pk import RngArg, uniform_draws


def salvo_kill_probability(pk) -> np.ndarray:
    """``1 − Π (1 − Pk_i)`` over the last axis (the shots of one salvo)."""
    p = probability(pk, "pk")
    return 1.0 - np.prod(1.0 - p, axis=-1)


def salvo_kill_probability_uniform(pk, n_shots) -> np.ndarray:
    """``1 − (1 − Pk)^n`` for n identical independent shots (broadcasting)."""
    p = probability(pk, "pk")
    n = count_array(n_shots, "n_shots")
    return 1.0 - (1.0 - p) ** n


def fire_salvo(pk, rng: RngArg) -> tuple[np.ndarray, np.ndarray]:
    """Draw a salvo per row: ``pk`` is (E, n); returns (killed (E,), hits (E, n)).

    ``rng`` is one Generator or one Generator per row (engagement); see :func:`pk.draw_kills`.
    """
    p = probability(pk, "pk")
    if p.ndim != 2:
        raise EngagementInputError("expected shape (engagements, shots per salvo)", field="pk")
    hits = uniform_draws(rng, p.shape) < p
    return hits.any(axis=1), hits


def sls_schedule(t_first_s, t_last_s, tof_s, assess_s, rounds_available=None, salvo_size=1):
    """Stage launch times (T, S) and availability (T, S) for shoot–look–shoot (module docstring).

    ``tof_s`` is (T, S): the time of flight of stage i's salvo (S = the most stages considered).
    ``rounds_available`` (T,) optionally caps the stages at ``rounds_available // salvo_size``.
    """
    tof = nonnegative(tof_s, "tof_s")
    if tof.ndim != 2:
        raise EngagementInputError("expected shape (threats, stages)", field="tof_s")
    n_t, n_s = tof.shape
    t_first = np.broadcast_to(finite_array(t_first_s, "t_first_s"), (n_t,))
    t_last = np.broadcast_to(finite_array(t_last_s, "t_last_s"), (n_t,))
    assess = np.broadcast_to(nonnegative(assess_s, "assess_s"), (n_t,))
    n = np.broadcast_to(count_array(salvo_size, "salvo_size", minimum=1), (n_t,))
    step = tof[:, :-1] + assess[:, None]
    launch = t_first[:, None] + np.concatenate([np.zeros((n_t, 1)), np.cumsum(step, axis=1)], axis=1)
    available = launch <= t_last[:, None]
    if rounds_available is not None:
        r = np.broadcast_to(count_array(rounds_available, "rounds_available"), (n_t,))
        available &= np.arange(n_s)[None, :] < (r // n)[:, None]
    return launch, available


class SLSResult(NamedTuple):
    """Outcome of shoot–look–shoot per threat."""

    killed: np.ndarray  # (T,) bool
    kill_stage: np.ndarray  # (T,) int, −1 if it survived
    t_kill_s: np.ndarray  # (T,) time of the killing intercept, NaN if it survived
    stages_fired: np.ndarray  # (T,) int
    rounds_fired: np.ndarray  # (T,) int


def shoot_look_shoot(pk_stage, launch_s, available, tof_s, rng: RngArg, salvo_size=1) -> SLSResult:
    """Simulate shoot–look–shoot for T threats over S stages.

    ``pk_stage`` (T, S) is the Pk of each shot of stage i; ``launch_s``/``available`` come from
    :func:`sls_schedule`; ``salvo_size`` (scalar or (T,)) shots per stage. Uniforms of shape
    (T, S, n_max) are drawn whether used or not, so with one Generator per threat (``rng`` a
    sequence of T Generators) each threat's outcome depends on its own stream only.
    """
    pk = probability(pk_stage, "pk_stage")
    if pk.ndim != 2:
        raise EngagementInputError("expected shape (threats, stages)", field="pk_stage")
    n_t, n_s = pk.shape
    launch = np.broadcast_to(np.asarray(launch_s, dtype=np.float64), pk.shape)
    avail = np.broadcast_to(np.asarray(available, dtype=bool), pk.shape)
    tof = np.broadcast_to(nonnegative(tof_s, "tof_s"), pk.shape)
    n = np.broadcast_to(count_array(salvo_size, "salvo_size", minimum=1), (n_t,))
    n_max = int(n.max()) if n_t else 1
    u = uniform_draws(rng, (n_t, n_s, n_max))
    shot_exists = np.arange(n_max)[None, None, :] < n[:, None, None]
    stage_kill = ((u < pk[..., None]) & shot_exists).any(axis=2) & avail
    killed = stage_kill.any(axis=1)
    kill_stage = np.where(killed, np.argmax(stage_kill, axis=1), -1)
    n_avail = avail.sum(axis=1)
    stages = np.where(killed, kill_stage + 1, n_avail)
    ks = np.maximum(kill_stage, 0)[:, None]
    t_kill = np.where(
        killed,
        np.take_along_axis(launch, ks, axis=1)[:, 0] + np.take_along_axis(tof, ks, axis=1)[:, 0],
        np.nan,
    )
    return SLSResult(killed, kill_stage, t_kill, stages, stages * n)


class DoctrineExpectation(NamedTuple):
    """Analytic expectations per threat (module docstring)."""

    p_kill: np.ndarray  # (T,)
    expected_stages: np.ndarray  # (T,)
    expected_rounds: np.ndarray  # (T,)


def sls_expectation(pk_stage, available, salvo_size=1) -> DoctrineExpectation:
    """Exact P_kill, E[stages fired] and E[rounds] of shoot–look–shoot (a salvo is the S = 1 case)."""
    pk = probability(pk_stage, "pk_stage")
    if pk.ndim != 2:
        raise EngagementInputError("expected shape (threats, stages)", field="pk_stage")
    avail = np.broadcast_to(np.asarray(available, dtype=bool), pk.shape)
    n = np.broadcast_to(count_array(salvo_size, "salvo_size", minimum=1), (pk.shape[0],))
    q = np.where(avail, 1.0 - (1.0 - pk) ** n[:, None], 0.0)
    survive = np.cumprod(1.0 - q, axis=1)
    survive_before = np.concatenate([np.ones((pk.shape[0], 1)), survive[:, :-1]], axis=1)
    stages = (avail * survive_before).sum(axis=1)
    return DoctrineExpectation(1.0 - survive[:, -1] if pk.shape[1] else np.zeros(pk.shape[0]),
                               stages, stages * n)
