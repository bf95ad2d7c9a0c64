"""Mid-course guidance updates (issue 9 follow-up): while the guiding radar holds the target, the
aim point is refreshed from the site's track up to ``terminal_homing_s`` before intercept, and the
kill geometry compares the TRUE target at intercept with the last updated aim point.

A fighter flies a straight constant-velocity path at the radar; the track's velocity is biased
sideways at every step up to the first launch, so the launch-time prediction misses by more than
the missile's divert basket. With updates the round is killable; without (terminal phase longer
than the flight) it is ``outside basket``; with fire control lost in flight, ``lost fire control``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import IadsimError
from iadsim.scenario import parse_scenario
from iadsim.sim.battle import simulate
from iadsim.sim.battle_setup import prepare_battle
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5
BIAS_EAST_MPS = 60.0  # × a flight of ~100 s: several km, well beyond a 1 km basket


def text() -> str:
    return f"""\
name: midcourse
run: {{seed: 3, time_step_s: 1, duration_s: 900}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: [{{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}}]
    launchers: [{{equipment: 5P85SE2, count: 1, load: {{48N6E3: 4}}}}]
defended_assets: [{{name: City, lat_deg: {LAT}, lon_deg: {LON}, value: 10}}]
threats:
  - name: Straight
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT + 2.2}, lon_deg: {LON}, alt_m: 8000, speed_mps: 250}}
      - {{lat_deg: {LAT}, lon_deg: {LON}, alt_m: 8000, speed_mps: 250}}
coverage: {{max_range_km: 300, cell_m: 5000, threat_classes: [fighter_4gen], altitudes_m: [8000]}}
engagement: {{tracking: tracker, doctrine: shoot-look-shoot, salvo_size: 1}}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def world_of(src, catalog, name="mid.yaml"):
    return compile_world(parse_scenario(src, name, catalog=catalog), catalog)


@pytest.fixture(scope="module")
def biased(catalog):
    """The setup with the track velocity biased 60 m/s east at every step up to the unbiased run's
    first launch, and that biased run."""
    s = prepare_battle(world_of(text(), catalog))
    first = simulate(s).shots
    assert first["threat"].size
    k0 = int(np.searchsorted(s.t_s, first["t_launch_s"][0] + 1e-9, side="right") - 1)
    vel = s.est_vel_enu_mps.copy()
    vel[0, :k0 + 1, 0] += BIAS_EAST_MPS
    b = dataclasses.replace(s, est_vel_enu_mps=vel)
    return b, simulate(b)


def test_launch_time_prediction_misses_by_more_than_the_basket(biased):
    s, res = biased
    sh = res.shots
    assert sh["threat"].size
    basket = float(s.divert_basket_m[sh["missile"][0]])
    assert sh["launch_aim_error_m"][0] > 2.0 * basket
    launch = np.array([sh["launch_east_m"][0], sh["launch_north_m"][0], sh["launch_up_m"][0]])
    true = np.array([sh["true_east_m"][0], sh["true_north_m"][0], sh["true_up_m"][0]])
    assert np.linalg.norm(launch - true) == pytest.approx(sh["launch_aim_error_m"][0], rel=1e-9)


def test_updates_while_the_radar_holds_make_the_biased_shot_killable(biased):
    """The old code compared the launch-time aim point with the truth: ``outside basket``."""
    s, res = biased
    sh = res.shots
    m = int(sh["missile"][0])
    assert sh["cause"][0] in ("killed", "kill draw failed")
    assert sh["aim_updates"][0] > 0
    assert sh["miss_distance_m"][0] <= s.divert_basket_m[m]
    assert sh["last_update_s"][0] <= sh["t_intercept_s"][0] - s.terminal_homing_s[m] + 1e-9
    aim = np.array([sh["east_m"][0], sh["north_m"][0], sh["up_m"][0]])
    true = np.array([sh["true_east_m"][0], sh["true_north_m"][0], sh["true_up_m"][0]])
    assert np.linalg.norm(aim - true) == pytest.approx(sh["miss_distance_m"][0], rel=1e-9)
    ev = res.events
    row = np.flatnonzero(ev["shot"] == 0)
    row = row[np.isfinite(ev["launch_aim_error_m"][row])]
    assert ev["launch_aim_error_m"][row[0]] == pytest.approx(sh["launch_aim_error_m"][0])
    assert ev["miss_distance_m"][row[0]] == pytest.approx(sh["miss_distance_m"][0])


def test_a_terminal_phase_longer_than_the_flight_leaves_the_launch_aim_point(biased):
    s, _ = biased
    res = simulate(dataclasses.replace(s, terminal_homing_s=np.full_like(s.terminal_homing_s, 1e4)))
    sh = res.shots
    assert sh["cause"][0] == "outside basket" and sh["outcome"][0] == "miss"
    assert sh["aim_updates"][0] == 0
    assert sh["miss_distance_m"][0] == pytest.approx(sh["launch_aim_error_m"][0])


def test_a_track_lost_mid_flight_keeps_the_last_aim_point(biased):
    """No confirmed track for the site after launch: no update, the (biased) launch aim point stands."""
    s, _ = biased
    known = s.known_site.copy()
    t0 = simulate(s).shots["t_launch_s"][0]
    known[:, 0, s.t_s > t0 + 1e-9] = False
    res = simulate(dataclasses.replace(s, known_site=known))
    sh = res.shots
    assert sh["aim_updates"][0] == 0 and sh["cause"][0] == "outside basket"


def test_fire_control_lost_mid_flight_is_lost_fire_control(biased):
    s, res = biased
    sh = res.shots
    th, g = int(sh["threat"][0]), int(sh["guide"][0])
    k = int(np.searchsorted(s.t_s, sh["t_launch_s"][0] + 1e-9, side="right") - 1)
    assert sh["t_intercept_s"][0] > s.t_s[k + 5]
    hold = s.fc_hold.copy()
    hold[g, th, k + 2:k + 4] = False
    lost = simulate(dataclasses.replace(s, fc_hold=hold)).shots
    assert lost["t_launch_s"][0] == sh["t_launch_s"][0]
    assert lost["cause"][0] == "lost fire control" and lost["outcome"][0] == "miss"


def test_a_missile_without_terminal_homing_s_is_a_located_compile_error(tmp_path):
    from importlib import resources

    from iadsim.catalog import load_catalog as load

    src = resources.files("iadsim.catalog").joinpath("data/missiles/48N6E3.yaml").read_text(encoding="utf-8")
    cut = src.index("terminal_homing_s:")
    (tmp_path / "missiles").mkdir()
    (tmp_path / "missiles" / "48N6E3.yaml").write_text(src[:cut], encoding="utf-8")
    catalog = load([tmp_path])
    assert catalog.missile("48N6E3").terminal_homing_s is None
    assert catalog.missile("48N6E3").divert_basket_m is not None
    scen = text()
    with pytest.raises(IadsimError) as exc:
        world_of(scen, catalog, "noterm.yaml")
    msg = str(exc.value)
    assert msg.startswith("noterm.yaml:") and "terminal_homing_s" in msg and "48N6E3" in msg and "\n" not in msg
    line = int(msg.split(":")[1])
    assert "48N6E3" in scen.splitlines()[line - 1]
