"""Envelope, Pk per shot, seeded kill draws, salvo and shoot–look–shoot."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from iadsim.engagement import (
    draw_kills,
    edge_factor,
    engagement_pk,
    fire_salvo,
    in_envelope,
    make_envelope,
    salvo_kill_probability,
    salvo_kill_probability_uniform,
    shoot_look_shoot,
    shot_pk,
    shot_rngs,
    sls_expectation,
    sls_schedule,
)

ENV = make_envelope(
    range_min_m=[2e3, 1e3],
    range_max_m=[250e3, 40e3],
    alt_min_m=[10.0, 5.0],
    alt_max_m=[27e3, 20e3],
    target_speed_max_mps=[4800.0, 1000.0],
)


def test_envelope_boundaries():
    """Inclusive bounds on ground range, altitude and target speed; NaN points are outside."""
    launcher = np.zeros(3)
    env = ENV.take([0])
    pts = np.array([
        [250e3, 0, 1e3],  # on max range: in
        [250e3 + 1, 0, 1e3],  # just beyond: out
        [1e3, 0, 1e3],  # inside min range: out
        [3e4, 4e4, 27e3],  # ground range 50 km at the ceiling: in
        [3e4, 4e4, 27e3 + 1],  # above: out
        [3e4, 4e4, 5.0],  # below alt_min: out
        [np.nan, np.nan, np.nan],  # no intercept
    ])
    inside = in_envelope(pts, launcher, 300.0, env)
    assert inside.tolist() == [True, False, False, True, False, False, False]
    assert not in_envelope(pts[:1], launcher, 5000.0, env)[0]


def test_edge_factor_shape():
    """Raised-cosine taper (Harris 1978): 1 up to 80 % of max range, floor + (1 − floor)/2 at the
    mid-point of the taper (90 %), floor at the edge; altitude likewise below the ceiling."""
    env = ENV.take([0, 0, 0, 0])
    r = np.array([0.5, 0.8, 0.9, 1.0]) * 250e3
    f = edge_factor(r, 1e3, env, floor=0.4)
    np.testing.assert_allclose(f, [1.0, 1.0, 0.7, 0.4], atol=1e-12)
    g = edge_factor(1e3, np.array([0.5, 0.9, 1.0]) * 27e3, ENV.take([0, 0, 0]), floor=0.4)
    np.testing.assert_allclose(g, [1.0, 0.7, 0.4], atol=1e-12)


def test_shot_pk_table_and_engagement_pk():
    """Pk = table[missile, class] × edge, zero outside the envelope."""
    table = np.array([[0.9, 0.7], [0.8, 0.5]])
    np.testing.assert_allclose(shot_pk(table, [0, 1, 1], [1, 0, 1], [1.0, 0.5, 1.0], [True, True, False]),
                               [0.7, 0.4, 0.0])
    pts = np.array([[[100e3, 0, 5e3], [225e3, 0, 5e3]]])  # (T=1, L=2, 3)
    launchers = np.zeros((2, 3))
    pk, inside = engagement_pk(pts, launchers, 300.0, ENV.take([0, 0]), table, [0, 0], 1)
    assert inside.all()
    np.testing.assert_allclose(pk, [[0.7, 0.7 * 0.75]])  # 225 km = 90 %: edge 0.75 with floor 0.5


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("pk", [0.3, 0.6, 0.85])
def test_salvo_kill_probability_binomial(n, pk):
    """10 000 seeded n-round salvos: the kill count lies within the 99 % binomial interval of
    1 − (1 − Pk)^n (independent Bernoulli trials; Przemieniecki, Mathematical Methods in Defense
    Analyses, 3rd ed., §4)."""
    trials = 10_000
    rng = np.random.default_rng(np.random.SeedSequence([2024, n, int(pk * 100)]))
    killed, hits = fire_salvo(np.full((trials, n), pk), rng)
    assert hits.shape == (trials, n)
    p = float(salvo_kill_probability_uniform(pk, n))
    np.testing.assert_allclose(p, salvo_kill_probability(np.full(n, pk)))
    lo, hi = binom.interval(0.99, trials, p)
    assert lo <= killed.sum() <= hi


def test_shot_rngs_are_order_independent():
    """Each shot's draw depends only on (seed, shot id): equals SeedSequence.spawn's child and does
    not change when shots are evaluated in another order or alongside other shots."""
    seed = np.random.SeedSequence(99)
    ids = np.arange(50)
    by_spawn = [np.random.default_rng(s).random() for s in np.random.SeedSequence(99).spawn(50)]
    by_id = [g.random() for g in shot_rngs(seed, ids)]
    np.testing.assert_array_equal(by_spawn, by_id)
    pk = np.linspace(0.05, 0.95, 50)
    kills = draw_kills(pk, shot_rngs(seed, ids))
    perm = np.random.default_rng(0).permutation(50)
    kills_perm = draw_kills(pk[perm], shot_rngs(seed, ids[perm]))
    np.testing.assert_array_equal(kills_perm, kills[perm])
    subset = draw_kills(pk[10:20], shot_rngs(seed, ids[10:20]))
    np.testing.assert_array_equal(subset, kills[10:20])


def test_sls_schedule_by_hand():
    """Launch times t₀ = t_first, t_{i+1} = t_i + tof_i + t_assess. Source: hand calculation:
    tof (20, 15, 10) s, assessment 5 s → launches 0, 25, 45 s."""
    tof = np.array([[20.0, 15.0, 10.0]] * 3)
    launch, avail = sls_schedule(0.0, [45.0, 44.0, 100.0], tof, 5.0, rounds_available=[9, 9, 2])
    np.testing.assert_allclose(launch[0], [0.0, 25.0, 45.0])
    assert avail.tolist() == [[True, True, True], [True, True, False], [True, True, False]]


def test_sls_expectation_by_hand():
    """Two looks with Pk 0.5, one round each: P_kill = 0.75, E[rounds] = 1 + 0.5 = 1.5.
    Salvo of 2 per look: q = 0.75, P_kill = 1 − 0.25² = 0.9375, E[rounds] = 2 (1 + 0.25) = 2.5."""
    e1 = sls_expectation([[0.5, 0.5]], [[True, True]], 1)
    np.testing.assert_allclose([e1.p_kill[0], e1.expected_rounds[0]], [0.75, 1.5])
    e2 = sls_expectation([[0.5, 0.5]], [[True, True]], 2)
    np.testing.assert_allclose([e2.p_kill[0], e2.expected_rounds[0]], [0.9375, 2.5])


def test_shoot_look_shoot_matches_expectation():
    """Monte Carlo over 20 000 threats vs the analytic expectation (sequential independent trials,
    Przemieniecki §4): kills within the 99 % binomial interval; mean rounds within 4 standard
    errors; no threat is fired on after it was killed or beyond its available stages."""
    n = 20_000
    pk = np.tile([0.6, 0.5, 0.4], (n, 1))
    tof = np.tile([30.0, 20.0, 12.0], (n, 1))
    t_last = np.where(np.arange(n) % 2 == 0, 100.0, 40.0)  # half get 3 looks, half 2
    launch, avail = sls_schedule(0.0, t_last, tof, 8.0)
    for salvo in (1, 2):
        rng = np.random.default_rng(np.random.SeedSequence([7, salvo]))
        res = shoot_look_shoot(pk, launch, avail, tof, rng, salvo)
        exp = sls_expectation(pk, avail, salvo)
        lo, hi = binom.interval(0.99, n, exp.p_kill.mean())
        assert lo <= res.killed.sum() <= hi
        se = res.rounds_fired.std() / np.sqrt(n)
        assert abs(res.rounds_fired.mean() - exp.expected_rounds.mean()) < 4 * se
        assert np.all(res.stages_fired <= avail.sum(axis=1))
        assert np.all(res.rounds_fired == res.stages_fired * salvo)
        k = res.killed
        np.testing.assert_allclose(
            res.t_kill_s[k], launch[k, res.kill_stage[k]] + tof[k, res.kill_stage[k]]
        )
        assert np.all(np.isnan(res.t_kill_s[~k])) and np.all(res.kill_stage[~k] == -1)


def test_shoot_look_shoot_per_threat_streams():
    """With one generator per threat, a threat's outcome does not depend on the others."""
    pk = np.full((6, 3), 0.4)
    tof = np.full((6, 3), 10.0)
    launch, avail = sls_schedule(0.0, 1e3, tof, 2.0)
    seed = np.random.SeedSequence(5)
    full = shoot_look_shoot(pk, launch, avail, tof, shot_rngs(seed, np.arange(6)))
    part = shoot_look_shoot(pk[3:], launch[3:], avail[3:], tof[3:], shot_rngs(seed, np.arange(3, 6)))
    np.testing.assert_array_equal(full.kill_stage[3:], part.kill_stage)


def test_envelope_without_target_speed_limit():
    """No published max target speed: pass inf; NaN or negative limits are errors."""
    env = make_envelope(0.0, 40e3, 5.0, 20e3, np.inf)
    assert in_envelope([10e3, 0, 1e3], np.zeros(3), 5000.0, env)
    from iadsim.engagement import EngagementInputError

    with pytest.raises(EngagementInputError, match="target_speed_max_mps"):
        make_envelope(0.0, 40e3, 5.0, 20e3, np.nan)
