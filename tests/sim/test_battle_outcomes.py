"""Outcome labels, the true position vs the aim point in the products, doctrine knobs (``fire_at``,
``magazine_reserve``) and located errors for bad fire-control settings (issue 9, items 2 and 4)."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from iadsim.api.battle import run_battle
from iadsim.catalog import load_catalog
from iadsim.errors import IadsimError, ScenarioError
from iadsim.scenario import parse_scenario
from iadsim.sim.battle import EVENTS, OUTCOMES, simulate
from iadsim.sim.battle_phases import true_state_at
from iadsim.sim.battle_setup import prepare_battle
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5


def threats() -> str:
    return f"""\
  - name: Leaker
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT + 1.0}, lon_deg: {LON + 0.1}, alt_m: 5000, speed_mps: 250}}
      - {{lat_deg: {LAT}, lon_deg: {LON + 0.1}, alt_m: 5000, speed_mps: 250}}
  - name: Ends away
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT + 1.0}, lon_deg: {LON - 0.3}, alt_m: 5000, speed_mps: 250}}
      - {{lat_deg: {LAT + 0.2}, lon_deg: {LON - 0.6}, alt_m: 5000, speed_mps: 250}}
  - name: Late
    class: fighter_4gen
    start_s: 1100
    count: 2
    spacing_s: 200
    route:
      - {{lat_deg: {LAT + 1.0}, lon_deg: {LON}, alt_m: 5000, speed_mps: 250}}
      - {{lat_deg: {LAT}, lon_deg: {LON + 0.1}, alt_m: 5000, speed_mps: 250}}
  - name: Far away
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT}, lon_deg: {LON + 5.0}, alt_m: 5000, speed_mps: 250}}
      - {{lat_deg: {LAT}, lon_deg: {LON + 7.0}, alt_m: 5000, speed_mps: 250}}
  - name: Slow
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT + 1.5}, lon_deg: {LON + 0.1}, alt_m: 5000, speed_mps: 100}}
      - {{lat_deg: {LAT}, lon_deg: {LON + 0.1}, alt_m: 5000, speed_mps: 100}}"""


def text(engagement: str = "") -> str:
    return f"""\
name: outcomes
run: {{seed: 11, time_step_s: 1, duration_s: 1200}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: [{{equipment: 92N6E, mast_m: 20}}]
    launchers: [{{equipment: 5P85SE2, count: 2, load: {{48N6E3: 4}}}}]
defended_assets: [{{name: City, lat_deg: {LAT}, lon_deg: {LON + 0.1}, value: 10}}]
threats:
{threats()}
coverage: {{max_range_km: 300, cell_m: 5000, threat_classes: [fighter_4gen], altitudes_m: [5000]}}
engagement: {{doctrine: shoot-look-shoot, salvo_size: 2{engagement}}}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def world_of(src, catalog, name="out.yaml"):
    return compile_world(parse_scenario(src, name, catalog=catalog), catalog)


def test_outcome_labels_without_a_shot(catalog):
    """A magazine reserve as large as the load keeps every round back: each threat's label then
    follows from its route alone."""
    s = prepare_battle(world_of(text(", magazine_reserve: 8"), catalog))
    res = simulate(s)
    assert res.shots["threat"].size == 0
    got = dict(zip(s.traj.name, res.status.tolist()))
    # a threat whose own start is after the run's end is refused at validation; a group member
    # spaced past the end (a warning at validation) is "not started"
    assert got == {"Leaker": "leaked", "Ends away": "route ended", "Late#1": "inbound at end",
                   "Late#2": "not started",
                   "Far away": "never within reach", "Slow": "inbound at end"}
    assert res.leak_asset[s.traj.name.index("Leaker")] == 0
    assert res.leak_asset[s.traj.name.index("Ends away")] == -1
    assert set(OUTCOMES) >= set(res.status.tolist())


def test_killed_threats_record_the_true_position_and_the_aim_point(catalog, tmp_path):
    loaded = parse_scenario(text(), "out.yaml", catalog=catalog)
    run = run_battle(loaded, tmp_path / "o", catalog=catalog, figures=False, report=False)
    res = run.result
    s = res.setup
    assert res.count("killed") >= 1
    rows = {r["name"]: r for r in csv.DictReader((run.out_dir / "outcomes.csv").open(encoding="utf-8"))}
    for i in np.flatnonzero(res.status == "killed").tolist():
        j = int(res.kill_shot[i])
        _, geo = true_state_at(s, i, np.array([res.shots["t_intercept_s"][j]]))
        r = rows[s.traj.name[i]]
        assert r["outcome"] == "killed"
        assert float(r["lat_deg"]) == pytest.approx(math.degrees(geo[0, 0]), abs=2e-5)
        assert float(r["lon_deg"]) == pytest.approx(math.degrees(geo[0, 1]), abs=2e-5)
        assert float(r["alt_msl_m"]) == pytest.approx(geo[0, 2], abs=1.0)
        aim = np.array([res.shots[k][j] for k in ("east_m", "north_m", "up_m")])
        true = np.array([res.shots[k][j] for k in ("true_east_m", "true_north_m", "true_up_m")])
        assert float(r["miss_distance_m"]) == pytest.approx(np.linalg.norm(aim - true), abs=1.0)
        assert r["aim_lat_deg"] != ""
    head = (run.out_dir / "shots.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    for col in ("cause", "aim_lat_deg", "true_lat_deg", "true_alt_msl_m", "miss_distance_m", "guiding_radar",
                "launch_aim_error_m", "aim_updates", "last_update_s"):
        assert col in head
    # a killed threat is never fired at again after its kill is assessed
    for i in np.flatnonzero(res.status == "killed").tolist():
        later = res.shots["t_launch_s"][res.shots["threat"] == i] > res.end_time_s[i]
        assert not later.any()


def test_fire_at_range_fraction_holds_fire_until_inside_the_fraction(catalog):
    s = prepare_battle(world_of(text(", fire_at: range_fraction, fire_range_fraction: 0.3"), catalog))
    res = simulate(s)
    sh = res.shots
    assert sh["threat"].size > 0
    gr = np.hypot(sh["east_m"] - s.site_pos_enu_m[0, 0], sh["north_m"] - s.site_pos_enu_m[0, 1])
    assert (gr <= 0.3 * s.envelope.range_max_m[0] + 1.0).all()
    first = simulate(prepare_battle(world_of(text(), catalog))).shots
    assert first["t_launch_s"].min() < sh["t_launch_s"].min()


def test_fire_at_best_pk_waits_no_less_than_max_range(catalog):
    early = simulate(prepare_battle(world_of(text(), catalog))).shots
    best = simulate(prepare_battle(world_of(text(", fire_at: best_pk"), catalog))).shots
    assert best["threat"].size > 0
    assert best["t_launch_s"].min() >= early["t_launch_s"].min()
    assert np.median(best["pk"]) >= np.median(early["pk"])


def test_magazine_reserve_keeps_rounds_back(catalog):
    """Rounds fired never exceed the rounds the site ever had (ready at start plus reloads
    completed) less the reserve, and a reserve fires fewer rounds than none."""
    from iadsim.sim.battle import EVENTS

    def fired_and_available(extra):
        s = prepare_battle(world_of(text(extra), catalog))
        res = simulate(s)
        reloads = int(np.count_nonzero(res.events["event"] == EVENTS.index("reload_done")))
        return res.shots["threat"].size, int(s.ready0.sum()) + reloads

    fired, available = fired_and_available(", magazine_reserve: 4")
    assert 0 < fired <= available - 4
    fired_none, _ = fired_and_available("")
    assert fired < fired_none


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.2"])
def test_bad_fire_control_pd_is_a_located_error(catalog, value):
    src = text(f", fire_control_pd: {value}")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(src, "bad.yaml", catalog=catalog)
    msg = str(exc.value)
    assert msg.startswith("bad.yaml:") and "engagement.fire_control_pd" in msg and "\n" not in msg
    line = int(msg.split(":")[1])
    assert "fire_control_pd" in src.splitlines()[line - 1]
    assert "greater than 0" in msg or "less than 1" in msg  # the bounds, not an unknown field
    assert parse_scenario(text(", fire_control_pd: 0.7"), "ok.yaml", catalog=catalog).scenario.engagement \
        .fire_control_pd == 0.7


@pytest.mark.parametrize("field, value", [("max_velocity_sigma_mps", "0"), ("fire_range_fraction", "1.2"),
                                          ("magazine_reserve", "-1"), ("fire_at", "later")])
def test_bad_doctrine_settings_are_located_errors(catalog, field, value):
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text(f", {field}: {value}"), "bad.yaml", catalog=catalog)
    assert f"engagement.{field}" in str(exc.value) and str(exc.value).startswith("bad.yaml:")
    assert "extra" not in str(exc.value).lower()  # a known field with a bad value


def test_a_missile_without_a_divert_basket_is_a_located_compile_error(tmp_path):
    from importlib import resources

    src = resources.files("iadsim.catalog").joinpath("data/missiles/48N6E3.yaml").read_text(encoding="utf-8")
    cut = src.index("divert_basket_m:")
    (tmp_path / "missiles").mkdir()
    (tmp_path / "missiles" / "48N6E3.yaml").write_text(src[:cut], encoding="utf-8")
    catalog = load_catalog([tmp_path])
    assert catalog.missile("48N6E3").divert_basket_m is None
    scen = text()
    with pytest.raises(IadsimError) as exc:
        world_of(scen, catalog, "nobasket.yaml")
    msg = str(exc.value)
    assert msg.startswith("nobasket.yaml:") and "divert_basket_m" in msg and "48N6E3" in msg and "\n" not in msg
    line = int(msg.split(":")[1])
    assert "48N6E3" in scen.splitlines()[line - 1]


def test_a_target_that_fades_from_fire_control_in_flight_is_lost(catalog):
    """The guiding radar stops holding the true target for two steps after launch: the round misses
    with its own cause, whatever its kill draw."""
    import dataclasses

    s = prepare_battle(world_of(text(), catalog))
    first = simulate(s).shots
    assert first["threat"].size
    th, g = int(first["threat"][0]), int(first["guide"][0])
    k = int(np.searchsorted(s.t_s, first["t_launch_s"][0] + 1e-9, side="right") - 1)
    assert first["t_intercept_s"][0] > s.t_s[k + 3]
    hold = s.fc_hold.copy()
    hold[g, th, k + 1:k + 3] = False
    res = simulate(dataclasses.replace(s, fc_hold=hold))
    assert res.shots["t_launch_s"][0] == first["t_launch_s"][0]
    assert res.shots["cause"][0] == "lost fire control" and res.shots["outcome"][0] == "miss"
    ev = res.events
    missed = ev["detail"][(ev["event"] == EVENTS.index("missed")) & (ev["shot"] == 0)].astype(str)
    assert missed.tolist() == ["lost fire control"]
