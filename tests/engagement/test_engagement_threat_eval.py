"""Threat evaluation: CPA, time-to-go and priority order."""

from __future__ import annotations

import numpy as np

from iadsim.engagement import closest_approach, evaluate_threats


def test_cpa_hand_computed():
    """Threat at (0, −10 km, 0) with v = (100, 100, 0) m/s, asset at (5 km, 0, 0).

    Source: hand calculation. r = (−5000, −10 000, 0), r·v = −1.5e6, |v|² = 2e4 → t_cpa = 75 s;
    r + v t_cpa = (2500, −2500, 0) → d_cpa = 2500√2 m. Closing speed −r·v/|r| and
    t_go = |r|² / (−r·v) = 1.25e8 / 1.5e6 = 83.33 s.
    """
    t_cpa, d_cpa, t_go = closest_approach([[0, -10e3, 0]], [[100, 100, 0]], [[5e3, 0, 0]])
    np.testing.assert_allclose(t_cpa, [[75.0]], rtol=1e-12)
    np.testing.assert_allclose(d_cpa, [[2500 * np.sqrt(2)]], rtol=1e-12)
    np.testing.assert_allclose(t_go, [[1.25e8 / 1.5e6]], rtol=1e-12)


def test_opening_and_stationary_threats():
    """An opening threat has t_cpa = 0, d_cpa = current distance, t_go = ∞ and score 0."""
    ev = evaluate_threats([[10e3, 0, 0], [3e3, 4e3, 0]], [[200, 0, 0], [0, 0, 0]], [[0, 0, 0]], [5.0])
    np.testing.assert_allclose(ev.t_cpa_s[:, 0], [0.0, 0.0])
    np.testing.assert_allclose(ev.cpa_distance_m[:, 0], [10e3, 5e3])
    assert np.all(np.isinf(ev.time_to_go_s)) and np.all(ev.score == 0.0)


def test_threat_aimed_at_highest_value_asset_ranks_first():
    """A threat flying straight at the most valuable asset outranks threats at lesser assets, a
    crossing threat that misses by 30 km, a faster threat far out and a receding one."""
    assets = np.array([[0.0, 0, 0], [40e3, 0, 0], [-30e3, 20e3, 0]])
    values = np.array([1.0, 10.0, 3.0])
    threats = np.array([
        [0.0, 60e3, 3e3],  # 0: heading for asset 0 (value 1)
        [40e3, 60e3, 3e3],  # 1: heading straight for asset 1 (value 10)
        [-30e3, 80e3, 3e3],  # 2: heading for asset 2 (value 3)
        [100e3, 30e3, 3e3],  # 3: crossing, passes 30 km north of asset 1
        [40e3, 250e3, 10e3],  # 4: faster, at asset 1 but far out
        [40e3, 20e3, 3e3],  # 5: just passed asset 1, receding
    ])
    vel = np.array([
        [0, -250, 0], [0, -250, 0], [0, -250, 0], [-250, 0, 0], [0, -600, 0], [0, 250, 0],
    ], dtype=float)
    # Aim the first three exactly at their asset (including the altitude drop).
    for i, a in zip(range(3), range(3)):
        r = assets[a] - threats[i]
        vel[i] = 250.0 * r / np.linalg.norm(r)
    ev = evaluate_threats(threats, vel, assets, values)
    assert ev.order[0] == 1
    assert ev.asset[1] == 1
    np.testing.assert_allclose(ev.cpa_distance_m[1, 1], 0.0, atol=1e-6)
    assert ev.score[5] < ev.score[1] and ev.score[3] < ev.score[1]
    assert sorted(ev.order.tolist()) == list(range(6))
    assert np.all(np.diff(ev.score[ev.order]) <= 0)


def test_class_weight_and_ties():
    """Equal scores are ordered by time-to-go then index; a class weight scales the score."""
    threats = np.array([[0.0, 50e3, 0], [0.0, 50e3, 0], [0.0, 40e3, 0]])
    vel = np.tile([0.0, -200, 0], (3, 1))
    ev = evaluate_threats(threats, vel, [[0.0, 0, 0]], [1.0], class_weight=[1.0, 1.0, 0.5])
    assert ev.order.tolist() == [0, 1, 2]
    ev2 = evaluate_threats(threats, vel, [[0.0, 0, 0]], [1.0])
    assert ev2.order.tolist() == [2, 0, 1]
