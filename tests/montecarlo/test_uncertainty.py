"""Catalog spreads: sampled figures lie within low–high, the Latin hypercube puts one draw in each
stratum, a figure without a spread is refused, and a per-replication catalog copy changes only the
figure asked for."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import ScenarioError
from iadsim.montecarlo import uncertainty as U
from iadsim.montecarlo.spec import parse_values, parse_vary


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("distribution", U.DISTRIBUTIONS)
def test_sampled_figures_lie_within_their_spread(catalog, distribution):
    figs = U.spread_figures(catalog, ["48N6E3", "92N6E", "91N6E", "5P85SE2", "fighter_4gen"])
    assert len(figs) > 20
    x = U.sample(figs, 500, np.random.default_rng(3), distribution)
    lows = np.array([f.low for f in figs])
    highs = np.array([f.high for f in figs])
    assert ((x >= lows) & (x <= highs)).all()
    counts = [j for j, f in enumerate(figs) if f.integral]
    assert counts and np.all(x[:, counts] == np.round(x[:, counts]))


def test_latin_hypercube_one_draw_per_stratum():
    u = U.latin_hypercube(50, 4, np.random.default_rng(0))
    for j in range(4):
        assert sorted(np.floor(u[:, j] * 50).astype(int)) == list(range(50))


def test_triangular_mean(catalog):
    """Triangular(a, m, b) has mean (a + m + b) / 3 (e.g. Evans, Hastings & Peacock, Statistical
    Distributions); 4,000 LHS draws are within 1% of the range."""
    f = U.Uncertain("48N6E3", "pk.fighter_4gen", 0.3, 0.7, 0.9)
    x = U.sample([f], 4000, np.random.default_rng(1))[:, 0]
    assert abs(x.mean() - (0.3 + 0.7 + 0.9) / 3) < 0.006


def test_figure_without_spread_is_refused(catalog):
    with pytest.raises(ScenarioError, match="no spread") as e:
        U.select(catalog, [], ["92N6E.instrumented_range_km"])
    assert "\n" not in str(e.value)
    with pytest.raises(ScenarioError, match="did you mean 'pk.fighter_4gen'"):
        U.select(catalog, [], ["48N6E3.pk.fighter_4gn"])


def test_with_figures_changes_one_figure(catalog):
    cat = U.with_figures(catalog, {("48N6E3", "pk.fighter_4gen"): 0.95})
    assert cat.missile("48N6E3").pk["fighter_4gen"].nominal == 0.95
    assert cat.missile("48N6E3").pk["fighter_4gen"].high == 0.95
    assert cat.missile("48N6E3").pk["lo_fighter"] == catalog.missile("48N6E3").pk["lo_fighter"]
    assert catalog.missile("48N6E3").pk["fighter_4gen"].nominal == 0.7  # the original is untouched


@pytest.mark.parametrize("text, values", [("1,2", (1, 2)), ("4:12:4", (4, 8, 12)), ("0.5:1.5:0.5", (0.5, 1.0, 1.5)),
                                          ("greedy,optimal", ("greedy", "optimal")), ("3", (3,))])
def test_values(text, values):
    assert parse_values("p", text) == values


@pytest.mark.parametrize("text, message", [("", "no values"), ("5:1:1", "reversed"), ("1:5:0", "step"),
                                           ("1:5", "START:STOP:STEP"), ("a:5:1", "not a number"), ("1,,2", "empty")])
def test_bad_values(text, message):
    with pytest.raises(ScenarioError, match=message) as e:
        parse_values("p", text)
    assert "\n" not in str(e.value)


def test_vary_paths(catalog):
    assert parse_vary("raid.scale=0.5:1:0.5", catalog).values == (0.5, 1.0)
    assert parse_vary("catalog.48N6E3.pk.fighter_4gen=0.5,0.9", catalog).kind == "catalog"
    with pytest.raises(ScenarioError, match="did you mean '48N6E3'"):
        parse_vary("catalog.48N6E4.pk.fighter_4gen=0.5", catalog)
    with pytest.raises(ScenarioError, match="raid.scale"):
        parse_vary("raid.sclae=1", catalog)
