"""One-at-a-time (tornado) sweeps: the points, their common random numbers, the swing and its
interval, and the bad input of ``--tornado``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iadsim.api.sweep import plan_sweep, sweep
from iadsim.errors import ScenarioError
from iadsim.montecarlo import stats

from .conftest import small_scenario

PK = "48N6E3.pk.fighter_4gen"
RCS = "fighter_4gen.rcs_m2.X"


def test_tornado_points_are_nominal_then_each_figure_low_and_high(small):
    plan = plan_sweep(small, replications=4, tornado=[PK, RCS])
    values = [j.values for j in plan.jobs]
    assert values == [{}, {f"catalog.{PK}": 0.3}, {f"catalog.{PK}": 0.9},
                      {f"catalog.{RCS}": 1.0}, {f"catalog.{RCS}": 6.0}]
    assert [j.catalog_values for j in plan.jobs][1] == {("48N6E3", "pk.fighter_4gen"): 0.3}
    # every point reuses the nominal point's seeds: common random numbers
    assert [j.seed_point for j in plan.jobs] == [None, 0, 0, 0, 0]
    assert plan.manifest["definition"]["tornado"] == [PK, RCS]
    assert [p.get("seeds_of_point") for p in plan.manifest["points"]] == [None, 0, 0, 0, 0]


def test_tornado_crosses_with_other_swept_paths(small):
    plan = plan_sweep(small, replications=2, tornado=PK, vary=["engagement.salvo_size=1,2"])
    assert len(plan.jobs) == 2 * 3
    assert [j.seed_point for j in plan.jobs] == [None, 0, 0, None, 3, 3]
    assert plan.jobs[4].values == {"engagement.salvo_size": 2, f"catalog.{PK}": 0.3}


def test_tornado_catalog_takes_the_figures_the_scenario_uses(small):
    plan = plan_sweep(small, replications=2, tornado="catalog")
    names = plan.manifest["definition"]["tornado"]
    assert PK in names and RCS in names
    # the small scenario's radars are X (92N6E) and S (91N6E) band: no VHF/UHF/L/C RCS figure
    assert not [n for n in names if n.endswith((".VHF", ".UHF", ".L", ".C"))]
    assert "fighter_4gen.rcs_m2.S" in names
    assert len(plan.jobs) == 1 + 2 * len(names)


@pytest.mark.parametrize("kw, message", [
    (dict(tornado=PK, uncertain="catalog"), "cannot be combined with --uncertain"),
    (dict(tornado=PK, vary=[f"catalog.{PK}=0.5,0.6"]), "both varied and in --tornado"),
    (dict(tornado="48N6E3.pk.fightr_4gen"), "did you mean 'pk.fighter_4gen'"),
    (dict(tornado="48N6E3.range_max_km"), None),
])
def test_tornado_bad_input_is_one_line(small, kw, message):
    if message is None:  # 48N6E3.range_max_km has a spread (250–257): accepted
        assert len(plan_sweep(small, replications=2, **kw).jobs) == 3
        return
    with pytest.raises(ScenarioError) as e:
        plan_sweep(small, replications=2, **kw)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_a_figure_without_spread_is_refused_for_the_tornado(small):
    with pytest.raises(ScenarioError) as e:
        plan_sweep(small, replications=2, tornado="5P85SE2.loads[0].count")
    assert "--tornado" in str(e.value) and "\n" not in str(e.value)


def test_swing_interval_is_paired_under_common_random_numbers():
    """Paired rows (same seeds) whose difference is constant: the swing interval is that constant,
    although each side alone has a wide interval."""
    rng = np.random.default_rng(3)
    noise = rng.normal(10.0, 3.0, 200)
    seeds = np.arange(200)
    df = pd.concat([
        pd.DataFrame({"seed": seeds, "vary:catalog.A.x": np.nan, "leaked": noise}),
        pd.DataFrame({"seed": seeds, "vary:catalog.A.x": 1.0, "leaked": noise - 1.0}),
        pd.DataFrame({"seed": seeds, "vary:catalog.A.x": 2.0, "leaked": noise + 1.0}),
    ], ignore_index=True)
    row = stats.tornado(df).iloc[0]
    assert row["swing"] == pytest.approx(2.0)
    assert row["swing_lo"] == pytest.approx(2.0) and row["swing_hi"] == pytest.approx(2.0)
    assert row["base"] == pytest.approx(noise.mean())
    # unpaired (different seeds), the same data give an interval as wide as the noise
    df2 = df.assign(seed=np.arange(len(df)))
    r2 = stats.tornado(df2).iloc[0]
    assert r2["swing_hi"] - r2["swing_lo"] > 1.0


def test_tornado_blocks_per_other_swept_value():
    df = pd.DataFrame({"vary:raid.scale": [1, 1, 1, 2, 2, 2], "vary:catalog.A.x": [np.nan, 0, 1] * 2,
                       "seed": [1, 1, 1, 2, 2, 2], "leaked": [1, 0, 2, 5, 1, 9]})
    t = stats.tornado(df)
    assert list(t["vary:raid.scale"]) == [1, 2]
    assert list(t["swing"]) == [2.0, 8.0] and list(t["base"]) == [1.0, 5.0]


@pytest.mark.slow
def test_tornado_sweep_end_to_end(tmp_path):
    """A higher Pk never gives more leakers on the same draws (common random numbers)."""
    path = small_scenario(tmp_path / "s", count=6)
    res = sweep(path, replications=20, tornado=[PK], workers=1, out=tmp_path / "t")
    d = res.data
    lo = d[d[f"vary:catalog.{PK}"] == 0.3].set_index("rep")
    hi = d[d[f"vary:catalog.{PK}"] == 0.9].set_index("rep")
    nominal = d[d[f"vary:catalog.{PK}"].isna()].set_index("rep")
    assert (lo["seed"] == hi["seed"]).all() and (lo["seed"] == nominal["seed"]).all()
    assert hi["killed"].sum() > lo["killed"].sum()
    t = stats.tornado(d)
    assert t.loc[0, "figure"] == PK and t.loc[0, "swing"] < 0
    from iadsim.report.montecarlo import write_sweep_report

    page = write_sweep_report(tmp_path / "t").read_text(encoding="utf-8")
    assert "Tornado" in page and PK in page


@pytest.mark.slow
def test_sampled_sweep_report_ranks_by_rbd_fast(tmp_path):
    """With Pk and an accuracy figure that perfect perception never reads sampled together, RBD-FAST
    (SALib) puts the Pk first; the report shows the ranking."""
    path = small_scenario(tmp_path / "s", count=6)
    res = sweep(path, replications=60, uncertain=[PK, "91N6E.sigma_range_m"], workers=1, out=tmp_path / "u")
    r = stats.rbd_fast_from_samples(res.data, "killed").set_index("figure")
    assert r.loc[PK, "S1_killed"] > r.loc["91N6E.sigma_range_m", "S1_killed"]
    from iadsim.report.montecarlo import write_sweep_report

    page = write_sweep_report(tmp_path / "u").read_text(encoding="utf-8")
    assert "RBD-FAST" in page and "S1_leaked_binned" in page
