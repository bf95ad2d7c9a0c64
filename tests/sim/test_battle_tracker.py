"""The battle engaging from tracks (``engagement.tracking: tracker``) on a small smooth-earth scenario:
only threats with confirmed tracks are engaged, never before the track is confirmed, deterministically,
and never earlier than with perfect perception; an aim point farther from the true target than the
missile's divert basket misses (``outside basket``), and no launch on a track with a poor velocity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import ScenarioError
from iadsim.scenario import parse_scenario
from iadsim.sim.battle import EVENTS, OUTCOMES, simulate
from iadsim.sim.battle_setup import prepare_battle
from iadsim.sim.measure import measure
from iadsim.sim.track_run import run_tracker
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5
EV = {name: i for i, name in enumerate(EVENTS)}


def text(tracking: str, seed: int = 5, revisit: str = ", revisit_s: 2.0") -> str:
    """Three low fighters (300 m: the radar horizon, ~90 km, is well inside the missile's reach, so
    detection decides when they can be engaged) and one cruise missile that stays below the horizon."""
    fighters = "\n".join(f"""  - name: F{i}
    class: fighter_4gen
    start_s: {20 * i}
    route:
      - {{lat_deg: {LAT + 1.2}, lon_deg: {LON + 0.05 * (i - 1):.3f}, alt_m: 300, speed_mps: 250}}
      - {{lat_deg: {LAT}, lon_deg: {LON + 0.1}, alt_m: 300, speed_mps: 250}}""" for i in range(3))
    return f"""\
name: tracker battle
run: {{seed: {seed}, time_step_s: 2}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: [{{equipment: 92N6E, mast_m: 20{revisit}}}]
    launchers: [{{equipment: 5P85SE2, count: 2, load: {{48N6E3: 4}}}}]
defended_assets: [{{name: City, lat_deg: {LAT}, lon_deg: {LON + 0.1}, value: 10}}]
threats:
{fighters}
  - name: Hidden
    class: cruise_missile
    route:
      - {{lat_deg: {LAT - 2.0}, lon_deg: {LON - 1.0}, alt_m: 30, alt_ref: agl, speed_mps: 240}}
      - {{lat_deg: {LAT - 2.0}, lon_deg: {LON + 1.0}, alt_m: 30, alt_ref: agl, speed_mps: 240}}
coverage: {{max_range_km: 200, cell_m: 4000, threat_classes: [fighter_4gen], altitudes_m: [300]}}
engagement: {{tracking: {tracking}, doctrine: shoot-look-shoot, salvo_size: 2}}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def world_of(src, catalog):
    return compile_world(parse_scenario(src, "trk.yaml", catalog=catalog), catalog)


@pytest.fixture(scope="module")
def tracker(catalog):
    s = prepare_battle(world_of(text("tracker"), catalog))
    return s, simulate(s)


@pytest.fixture(scope="module")
def perfect(catalog):
    s = prepare_battle(world_of(text("perfect"), catalog))
    return s, simulate(s)


def first_launch(res) -> dict[int, float]:
    out: dict[int, float] = {}
    for th, t in zip(res.shots["threat"].tolist(), res.shots["t_launch_s"].tolist()):
        out[th] = min(out.get(th, np.inf), t)
    return out


def test_tracker_battle_runs_and_engages_from_tracks(tracker):
    s, res = tracker
    assert s.tracker_mode and s.tracked is not None and len(s.tracked.track_id) > 0
    assert res.shots["threat"].size > 0
    assert sum(res.count(k) for k in OUTCOMES) == res.n_threats
    # the estimate engaged from is a track's, not the truth: close to it but not equal
    launched = first_launch(res)
    for th, t in launched.items():
        k = int(np.searchsorted(s.t_s, t - 1e-9))
        err = np.linalg.norm(s.est_pos_enu_m[th, k] - s.traj.pos_enu_m[th, k])
        assert 0.0 < err < 2_000.0


def test_only_confirmed_tracks_are_engaged_and_never_before_confirmation(tracker):
    s, res = tracker
    tr = s.tracked
    hidden = s.traj.name.index("Hidden")
    assert np.isnan(s.first_confirmed_s[hidden]) and hidden not in first_launch(res)
    for th, t in first_launch(res).items():
        # a confirmed track of this threat existed (tracked-run rows hold confirmed tracks only)
        rows = np.flatnonzero(tr.truth_id == th)
        assert rows.size and tr.t_s[rows].min() <= t
        assert t >= s.first_confirmed_s[th]
        k = int(np.searchsorted(s.t_s, t - 1e-9))
        assert s.known_site[0, th, k]
    # every assignment was made while the site held a confirmed track of its threat
    ev = res.events
    for th, t in zip(ev["threat"][ev["event"] == EV["assigned"]], ev["t_s"][ev["event"] == EV["assigned"]]):
        assert s.known_site[0, th, int(np.searchsorted(s.t_s, t - 1e-9))]


def test_same_seed_same_events(catalog, tracker):
    s2 = prepare_battle(world_of(text("tracker"), catalog))
    res2 = simulate(s2)
    _, res = tracker
    for key, col in res.events.items():
        assert np.array_equal(col, res2.events[key], equal_nan=col.dtype.kind == "f"), key
    assert np.array_equal(res.shots["kill_draw"], res2.shots["kill_draw"])


def test_perfect_engages_no_later_than_tracker(tracker, perfect):
    _, res_t = tracker
    _, res_p = perfect
    lt, lp = first_launch(res_t), first_launch(res_p)
    assert lt and set(lt) <= set(lp)
    for th, t in lt.items():
        assert lp[th] <= t, (th, lp[th], t)


def test_a_tracking_run_can_be_passed_in(catalog, tracker):
    w = world_of(text("tracker"), catalog)
    meas = measure(w)
    s = prepare_battle(w, tracking=(meas, run_tracker(w, meas)))
    res = simulate(s)
    assert np.array_equal(res.events["t_s"], tracker[1].events["t_s"])


def test_an_aim_point_outside_the_divert_basket_misses(tracker):
    """The old 3-σ check scaled with the track's own covariance (it never triggered); the basket is
    a property of the missile, checked against the TRUE target at intercept."""
    s, _ = tracker
    shifted = s.est_pos_enu_m.copy()
    shifted[..., 0] += 15_000.0  # every estimate 15 km east of the threat
    res = simulate(dataclasses.replace(s, est_pos_enu_m=shifted))
    causes = res.shots["cause"].astype(str)
    assert res.shots["threat"].size and (causes == "outside basket").any()
    assert res.count("killed") == 0
    assert (res.shots["miss_distance_m"] > 10_000).all()
    # the recorded true position is the threat's, not the aim point
    true = np.stack([res.shots["true_east_m"], res.shots["true_north_m"]], axis=-1)
    aim = np.stack([res.shots["east_m"], res.shots["north_m"]], axis=-1)
    assert (np.linalg.norm(true - aim, axis=-1) > 10_000).all()


def test_no_launch_on_a_track_whose_velocity_sigma_is_above_the_threshold(tracker):
    s, res = tracker
    assert res.shots["threat"].size
    for th, t in zip(res.shots["threat"].tolist(), res.shots["t_launch_s"].tolist()):
        k = int(np.searchsorted(s.t_s, t - 1e-9))
        assert s.est_vel_sigma_mps[th, k] < s.settings.max_velocity_sigma_mps
    poor = dataclasses.replace(s, est_vel_sigma_mps=np.full_like(s.est_vel_sigma_mps, 80.0))
    assert simulate(poor).shots["threat"].size == 0


def test_tracker_mode_without_a_revisit_time_is_a_located_error(catalog):
    src = text("tracker", revisit="")
    with pytest.raises(ScenarioError) as exc:
        prepare_battle(world_of(src, catalog))
    msg = str(exc.value)
    assert msg.startswith("trk.yaml:") and "sites[0].radars[0]" in msg and "revisit_s" in msg
    assert "engagement.tracking is tracker" in msg and "\n" not in msg
    line = int(msg.split(":")[1])
    assert "92N6E" in src.splitlines()[line - 1]
