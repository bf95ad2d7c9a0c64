"""Intervals and Sobol indices against known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iadsim.montecarlo import stats


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function():
    """Ishigami & Homma (1990), a = 7, b = 0.1 on [−π, π]³: analytic S1 = (0.3139, 0.4424, 0),
    ST = (0.5576, 0.4424, 0.2437) (e.g. Saltelli et al., Global Sensitivity Analysis, 2008);
    tolerance 0.05 with 4,096 base samples."""
    res = stats.sobol(["x1", "x2", "x3"], [(-np.pi, np.pi)] * 3, ishigami, n=4096, seed=1)
    np.testing.assert_allclose(res["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(res["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)


def test_given_data_first_order_index_ranks_ishigami_inputs():
    rng = np.random.default_rng(0)
    x = rng.uniform(-np.pi, np.pi, size=(20000, 3))
    df = pd.DataFrame({"sampled:x1": x[:, 0], "sampled:x2": x[:, 1], "sampled:x3": x[:, 2], "y": ishigami(x)})
    r = stats.sobol_from_samples(df, "y").set_index("figure")["S1_y"]
    assert list(r.index) == ["x2", "x1", "x3"]
    assert abs(r["x2"] - 0.4424) < 0.05 and abs(r["x1"] - 0.3139) < 0.05 and r["x3"] < 0.03


def test_rbd_fast_on_a_latin_hypercube_sample_of_ishigami():
    """RBD-FAST (SALib) on a given LHS sample of the Ishigami function (a = 7, b = 0.1): analytic
    S1 = (0.3139, 0.4424, 0) (Ishigami & Homma 1990); tolerance 0.05 with 4,000 samples; a figure
    that does not vary gets 0."""
    from iadsim.montecarlo.uncertainty import latin_hypercube

    u = latin_hypercube(4000, 3, np.random.default_rng(5))
    x = -np.pi + 2 * np.pi * u
    df = pd.DataFrame({"sampled:x1": x[:, 0], "sampled:x2": x[:, 1], "sampled:x3": x[:, 2],
                       "sampled:fixed": 1.0, "y": ishigami(x)})
    r = stats.rbd_fast_from_samples(df, "y").set_index("figure")
    np.testing.assert_allclose(r.loc[["x1", "x2", "x3"], "S1_y"], [0.3139, 0.4424, 0.0], atol=0.05)
    assert r.loc["fixed", "S1_y"] == 0.0 and (r["S1_y_conf"] >= 0).all()
    assert list(r.index[:2]) == ["x2", "x1"]


def test_wilson_interval():
    """Wilson (1927): 0 of 10 → [0, 0.2775]; 5 of 10 → [0.2366, 0.7634] (z = 1.96)."""
    np.testing.assert_allclose(stats.wilson(0, 10), (0.0, 0.27754), atol=1e-4)
    np.testing.assert_allclose(stats.wilson(5, 10), (0.23659, 0.76341), atol=1e-4)


def test_bootstrap_interval_covers_the_mean_and_shrinks():
    rng = np.random.default_rng(2)
    small = stats.bootstrap_mean(rng.normal(3.0, 1.0, 50))
    big = stats.bootstrap_mean(rng.normal(3.0, 1.0, 5000))
    assert small[0] < 3.0 < small[1] or abs(np.mean(small) - 3.0) < 0.5
    assert big[0] < 3.0 < big[1]
    assert big[1] - big[0] < (small[1] - small[0]) / 5


def test_tornado_sorts_by_swing():
    df = pd.DataFrame({"vary:catalog.A.x": [1, 1, 2, 2, None, None], "vary:catalog.B.y": [None] * 4 + [0.1, 0.9],
                       "leaked": [0, 0, 1, 1, 0, 5]})
    t = stats.tornado(df)
    assert list(t["figure"]) == ["B.y", "A.x"]
    assert t.loc[0, "swing"] == pytest.approx(5.0)
