"""Weapon–target assignment: constraints, optimal ≥ greedy, optimal = brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.engagement import assignment
from iadsim.engagement import (
    EngagementInputError,
    assign_greedy,
    assign_optimal,
    check_assignment,
    expected_value_saved,
)


def brute_force(value, feasible, channels, rounds, radar, salvo):
    """Best total over every assignment (each threat: a launcher or none) meeting all constraints."""
    n_t, n_l = value.shape
    best = 0.0
    salvo = np.broadcast_to(salvo, (n_l,))
    for combo in itertools.product(range(-1, n_l), repeat=n_t):
        a = np.array(combo, dtype=np.int64)
        t = np.flatnonzero(a >= 0)
        if not np.all(feasible[t, a[t]]):
            continue
        if np.any(np.bincount(a[t], minlength=n_l) * salvo > rounds):
            continue
        if np.any(np.bincount(radar[a[t]], minlength=channels.size) > channels):
            continue
        best = max(best, float(np.clip(value[t, a[t]], 0, None).sum()))
    return best


@st.composite
def problems(draw, max_t=5, max_l=3):
    n_t = draw(st.integers(0, max_t))
    n_l = draw(st.integers(1, max_l))
    n_r = draw(st.integers(1, n_l))
    radar = np.array(draw(st.lists(st.integers(0, n_r - 1), min_size=n_l, max_size=n_l)))
    channels = np.array(draw(st.lists(st.integers(0, 4), min_size=n_r, max_size=n_r)))
    rounds = np.array(draw(st.lists(st.integers(0, 6), min_size=n_l, max_size=n_l)))
    salvo = draw(st.integers(1, 2))
    value = np.array(draw(st.lists(st.integers(0, 20), min_size=n_t * n_l, max_size=n_t * n_l)),
                     dtype=float).reshape(n_t, n_l)
    feasible = np.array(draw(st.lists(st.booleans(), min_size=n_t * n_l, max_size=n_t * n_l)),
                        dtype=bool).reshape(n_t, n_l)
    return value, feasible, channels, rounds, radar, salvo


@settings(max_examples=400, deadline=None)
@given(problems())
def test_optimal_matches_brute_force_and_beats_greedy(problem):
    """Property over random feasibility matrices: both assignments respect every constraint
    (channels per radar, rounds per launcher, feasibility); optimal = brute force ≥ greedy."""
    value, feasible, channels, rounds, radar, salvo = problem
    opt = assign_optimal(value, feasible, channels, rounds, radar, salvo)
    gre = assign_greedy(value, feasible, channels, rounds, radar, salvo)
    for a in (opt, gre):
        check_assignment(a.launcher_of_threat, feasible, channels, rounds, radar, salvo)
        assert (a.launcher_of_threat >= 0).sum() <= channels.sum()
    assert opt.value_saved >= gre.value_saved - 1e-9
    best = brute_force(value, feasible, channels, rounds, radar, salvo)
    assert opt.value_saved == pytest.approx(best)
    # The MILP path on every case too (the public call picks it only for nested binding capacities).
    pr = assignment._problem(value, feasible, channels, rounds, radar, salvo)
    via_milp = assignment._solve_milp(pr)
    check_assignment(via_milp, feasible, channels, rounds, radar, salvo)
    assert assignment._total(pr, via_milp) == pytest.approx(best)


@pytest.mark.parametrize("m_threats", [2, 5, 9])
def test_engaged_never_exceeds_channels(m_threats):
    """One radar with C = 5 channels guiding 3 well-stocked launchers: min(M, C) threats engaged
    when all are feasible (M < C, M = C, M > C)."""
    c = 5
    rng = np.random.default_rng(m_threats)
    value = rng.uniform(1, 10, (m_threats, 3))
    feasible = np.ones((m_threats, 3), dtype=bool)
    for solver in (assign_optimal, assign_greedy):
        a = solver(value, feasible, [c], [8, 8, 8], launcher_radar=[0, 0, 0])
        assert (a.launcher_of_threat >= 0).sum() == min(m_threats, c)
    # The highest-value threats are the ones engaged when channels bind.
    a = assign_optimal(value, feasible, [c], [8, 8, 8], launcher_radar=[0, 0, 0])
    engaged = np.flatnonzero(a.launcher_of_threat >= 0)
    assert set(engaged) == set(np.argsort(-value.max(axis=1), kind="stable")[: min(m_threats, c)])


def test_both_solvers_exercised():
    """Nested binding capacities (channels and rounds both binding on a multi-launcher radar) go
    to the MILP; otherwise to linear_sum_assignment; both agree with brute force."""
    rng = np.random.default_rng(3)
    value = rng.integers(1, 20, (5, 3)).astype(float)
    feasible = rng.random((5, 3)) < 0.8
    nested = assign_optimal(value, feasible, [3], [1, 2, 4], launcher_radar=[0, 0, 0])
    assert nested.method == "milp"
    assert nested.value_saved == brute_force(value, feasible, np.array([3]), np.array([1, 2, 4]),
                                             np.array([0, 0, 0]), 1)
    flat = assign_optimal(value, feasible, [1, 2, 1], [4, 4, 4])
    assert flat.method == "lsa"
    assert flat.value_saved == brute_force(value, feasible, np.array([1, 2, 1]), np.array([4, 4, 4]),
                                           np.arange(3), 1)


def test_greedy_is_suboptimal_on_the_classic_case():
    """Greedy takes the best pair (t0, L0: 10) and strands t1; the optimum is 9 + 8 = 17."""
    value = np.array([[10.0, 9.0], [8.0, 0.0]])
    feasible = np.array([[True, True], [True, False]])
    g = assign_greedy(value, feasible, [1, 1], [1, 1])
    o = assign_optimal(value, feasible, [1, 1], [1, 1])
    assert g.value_saved == 10.0 and o.value_saved == 17.0
    assert o.launcher_of_threat.tolist() == [1, 0]


def test_salvo_uses_rounds_and_zero_capacity_is_no_engagement():
    """A 2-round salvo needs 2 ready rounds; zero free channels or rounds engage nothing
    (documented behaviour, not an error)."""
    value = np.ones((3, 1))
    feas = np.ones((3, 1), dtype=bool)
    a = assign_optimal(value, feas, [3], [5], rounds_per_engagement=2)
    assert (a.launcher_of_threat >= 0).sum() == 2
    assert (assign_optimal(value, feas, [0], [5]).launcher_of_threat < 0).all()
    assert (assign_greedy(value, feas, [2], [1], rounds_per_engagement=2).launcher_of_threat < 0).all()
    empty = assign_optimal(np.zeros((0, 2)), np.zeros((0, 2), bool), [1, 1], [1, 1])
    assert empty.launcher_of_threat.shape == (0,) and empty.value_saved == 0.0


def test_expected_value_saved():
    """value × (1 − (1 − Pk)^n)."""
    v = expected_value_saved([10.0, 4.0], [[0.5, 0.2], [0.9, 0.0]], [2, 1])
    np.testing.assert_allclose(v, [[7.5, 2.0], [4 * 0.99, 0.0]])


def test_bad_assignment_input():
    """Negative channels, wrong shapes, NaN values → EngagementInputError."""
    v = np.ones((2, 2))
    f = np.ones((2, 2), bool)
    with pytest.raises(EngagementInputError, match="channels_free"):
        assign_optimal(v, f, [-1, 1], [1, 1])
    with pytest.raises(EngagementInputError, match="rounds_ready"):
        assign_optimal(v, f, [1, 1], [1])
    with pytest.raises(EngagementInputError, match="value_saved"):
        assign_greedy(np.array([[np.nan, 1], [1, 1]]), f, [1, 1], [1, 1])
    with pytest.raises(EngagementInputError, match="launcher_radar"):
        assign_optimal(v, f, [1], [1, 1], launcher_radar=[0, 1])
