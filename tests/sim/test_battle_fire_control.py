"""Fire control and kill geometry on the truth (issue 9, items 1–2).

* An LO-only raid (the demo's 12 F-35-class aircraft, perfect and tracker perception): no launch
  while the guiding radar's Pd on the TRUE target is below ``engagement.fire_control_pd`` (Pd from
  the tracking job's own sensing, :func:`iadsim.sim.sensing.radar_view`), and every kill lies inside
  the engagement envelope that the coverage job reports for that class and altitude (within 5 %).
* A target masked to its guiding radar at intercept (a dive behind a ridge) is never killed.
* Coverage, tracking and battle agree on who can be engaged where: the battle's fire-control
  decision for a threat equals coverage's engagement layer at the threat's cell and altitude.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from iadsim.catalog import load_catalog
from iadsim.coverage.compute import compute_coverage, sector_reach
from iadsim.geo.dem import synthetic_dem, write_geotiff
from iadsim.scenario import parse_scenario
from iadsim.sim.battle import simulate
from iadsim.sim.battle_phases import true_state_at
from iadsim.sim.battle_setup import prepare_battle
from iadsim.sim.sensing import radar_view
from iadsim.world import compile_world

DEMO = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019"
LO_ALTS_MSL = (8000, 9000, 10000)  # the LO routes fly 10 km and descend to 8 km on their last leg


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def lo_world(catalog, tracking: str):
    d = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    d["threats"] = [t for t in d["threats"] if t["class"] == "lo_fighter"]
    d["engagement"] = {**(d.get("engagement") or {}), "tracking": tracking}
    d["coverage"].update(threat_classes=["lo_fighter"], altitudes_m=list(LO_ALTS_MSL), altitude_ref="msl")
    text = yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
    return compile_world(parse_scenario(text, "lo.yaml", base_dir=DEMO, catalog=catalog), catalog)


@pytest.fixture(scope="module", params=["perfect", "tracker"])
def lo_raid(request, catalog):
    w = lo_world(catalog, request.param)
    s = prepare_battle(w)
    return w, s, simulate(s)


@pytest.fixture(scope="module")
def lo_coverage(catalog):
    return compute_coverage(lo_world(catalog, "perfect"))


def test_lo_raid_no_launch_below_the_fire_control_pd(lo_raid):
    w, s, res = lo_raid
    assert len(s.traj.name) == 12 and set(s.traj.threat_class) == {"lo_fighter"}
    assert res.shots["threat"].size > 0, "the raid must be engaged at all for the test to mean something"
    thr = w.scenario.engagement.fire_control_pd
    views = {}
    for i in range(res.shots["threat"].size):
        g = int(res.shots["guide"][i])
        ri = int(s.eng_radar[g])
        if ri not in views:
            views[ri] = radar_view(w, w.radars[ri], s.traj)  # the tracking job's sensing physics
        th = int(res.shots["threat"][i])
        k = int(np.searchsorted(s.t_s, res.shots["t_launch_s"][i] + 1e-9, side="right") - 1)  # the decision step
        assert views[ri].pd[th, k] >= thr, (i, views[ri].pd[th, k])


def test_lo_raid_kills_lie_inside_the_coverage_engagement_envelope(lo_raid, lo_coverage):
    w, s, res = lo_raid
    sc = lo_coverage.sites[0]
    kills = np.flatnonzero(res.shots["outcome"] == "kill")
    if s.tracker_mode:
        assert res.shots["threat"].size > 0
    else:
        assert kills.size > 0
    sector = math.radians(5.0)
    for i in kills.tolist():
        th, ti = int(res.shots["threat"][i]), float(res.shots["t_intercept_s"][i])
        _, geo = true_state_at(s, th, np.array([ti]))
        lat, lon, alt = geo[0]
        a = int(np.argmin(np.abs(np.array(LO_ALTS_MSL) - alt)))
        reach, _ = sector_reach(sc.engagement[0, a], sc.ground_range_m, sc.az_rad, sc.valid, sector,
                                sc.nominal_detection_m)
        from iadsim.geo.frames import geodesic_inverse

        gr, az = geodesic_inverse(sc.site.lat_rad, sc.site.lon_rad, lat, lon)
        sec = min(int((float(az) % (2 * math.pi)) / sector), reach.size - 1)
        assert reach[sec] > 0 and float(gr) <= 1.05 * reach[sec], (i, float(gr), reach[sec])


def test_every_kill_is_held_by_its_guiding_radar_at_intercept(lo_raid):
    w, s, res = lo_raid
    for i in np.flatnonzero(res.shots["outcome"] == "kill").tolist():
        th = int(res.shots["threat"][i])
        _, geo = true_state_at(s, th, np.array([res.shots["t_intercept_s"][i]]))
        radar = w.radars[int(s.eng_radar[res.shots["guide"][i]])]
        rcs = w.rcs_m2("lo_fighter", radar.band)
        assert w.fire_control_at(radar, geo[:, 0], geo[:, 1], geo[:, 2], rcs)[0]


# --- a dive behind a ridge ----------------------------------------------------------------------

LAT, LON = 40.0, 32.5


def ridge_world(catalog, tmp_path, *, fire_control_pd=0.5, threats: str, extra: str = "", cls="cruise_missile"):
    dem = synthetic_dem((181, 181), 1000.0, flat=True, base_height_m=100.0,
                        center_lat_rad=math.radians(LAT), center_lon_rad=math.radians(LON))
    h = dem.height_m.copy()
    north_rows = slice(55, 60) if dem.transform.e < 0 else slice(121, 126)
    h[north_rows, :] = 900.0  # an east-west ridge ~ 30–35 km north of the site
    path = write_geotiff(type(dem)(height_m=h, transform=dem.transform, crs=dem.crs, source="ridge"),
                         tmp_path / "ridge.tif")
    text = f"""\
name: ridge battle
run: {{seed: 3, time_step_s: 1, duration_s: 400}}
environment: {{dem: {path.name}}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: [{{equipment: 92N6E, mast_m: 20, revisit_s: 1.0}}]
    launchers: [{{equipment: 5P85SE2, count: 4, load: {{48N6E3: 4}}}}]
defended_assets: [{{name: Base, lat_deg: {LAT}, lon_deg: {LON}, value: 10}}]
threats:
{threats}
coverage: {{max_range_km: 85, cell_m: 1000, threat_classes: [{cls}], altitudes_m: [3000], altitude_ref: msl}}
engagement: {{doctrine: shoot-look-shoot, salvo_size: 2, fire_control_pd: {fire_control_pd}{extra}}}
"""
    return compile_world(parse_scenario(text, "ridge.yaml", base_dir=tmp_path, catalog=catalog), catalog)


def km_north(km: float) -> float:
    return LAT + km / 111.0


DIVE = """\
  - name: Diver
    class: cruise_missile
    count: 6
    spacing_s: 40
    route:
      - {{lat_deg: {a:.4f}, lon_deg: 32.5, alt_m: 3000, speed_mps: 250}}
      - {{lat_deg: {b:.4f}, lon_deg: 32.5, alt_m: 3000, speed_mps: 250}}
      - {{lat_deg: {c:.4f}, lon_deg: 32.5, alt_m: 60, alt_ref: agl, speed_mps: 250}}
      - {{lat_deg: {d:.4f}, lon_deg: 32.5, alt_m: 60, alt_ref: agl, speed_mps: 250}}""".format(
    a=km_north(70), b=km_north(56), c=km_north(52), d=km_north(36))


def test_no_kill_of_a_target_masked_to_its_guiding_radar_at_intercept(catalog, tmp_path):
    """Cruise missiles held high above a ridge dive behind it after launch: the truth at intercept
    is below the guiding radar's lowest visible height, so the shot misses however the draw falls."""
    w = ridge_world(catalog, tmp_path, threats=DIVE)
    s = prepare_battle(w)
    res = simulate(s)
    sh = res.shots
    assert sh["threat"].size > 0
    radar = w.radars[int(s.eng_radar[0])]
    masked = np.zeros(sh["threat"].size, dtype=bool)
    for i in range(sh["threat"].size):
        _, geo = true_state_at(s, int(sh["threat"][i]), np.array([sh["t_intercept_s"][i]]))
        masked[i] = not w.fire_control_at(radar, geo[:, 0], geo[:, 1], geo[:, 2],
                                          w.rcs_m2("cruise_missile", radar.band))[0]
    assert masked.any(), "the scenario must produce intercepts behind the ridge"
    assert not (sh["outcome"][masked] == "kill").any()
    causes = set(sh["cause"][masked].astype(str)) - {"target already destroyed"}
    assert causes <= {"masked at intercept", "lost fire control"}, causes
    # and such a target is still killed where its radar holds it (south of the ridge, later)
    assert (sh["outcome"] == "kill").any() or res.count("killed") == 0


# --- one predicate across jobs ------------------------------------------------------------------

RADIAL = """\
  - name: Inbound
    class: lo_fighter
    route:
      - {{lat_deg: {a:.4f}, lon_deg: 32.62, alt_m: 3000, speed_mps: 250}}
      - {{lat_deg: {b:.4f}, lon_deg: 32.62, alt_m: 3000, speed_mps: 250}}
  - name: Crossing
    class: lo_fighter
    route:
      - {{lat_deg: {c:.4f}, lon_deg: 31.6, alt_m: 3000, speed_mps: 250}}
      - {{lat_deg: {c:.4f}, lon_deg: 33.4, alt_m: 3000, speed_mps: 250}}""".format(
    a=km_north(-84), b=km_north(84), c=km_north(60))


def test_coverage_tracking_and_battle_agree_on_who_can_be_engaged_where(catalog, tmp_path):
    """The coverage engagement layer at each threat's cell and altitude equals the battle's
    fire-control decision (``fc_hold`` ∧ the missile envelope) and the tracking job's Pd on the
    threat; a fire-control Pd above the coverage threshold must bind in both jobs."""
    w = ridge_world(catalog, tmp_path, fire_control_pd=0.9, threats=RADIAL, cls="lo_fighter")
    s = prepare_battle(w)
    cov = compute_coverage(w).sites[0]
    view = radar_view(w, w.radars[0], s.traj)
    env = s.envelope
    agree, total, held_somewhere, pd_between = 0, 0, 0, 0
    for n in range(s.n_threats):
        for k in np.flatnonzero(s.traj.active[n]).tolist():
            x, y = cov.dem.latlon_to_xy(np.array([s.traj.lat_rad[n, k]]), np.array([s.traj.lon_rad[n, k]]))
            r, c = (int(np.asarray(v).reshape(-1)[0]) for v in cov.dem.rowcol(x, y))
            if not (0 <= r < cov.valid.shape[0] and 0 <= c < cov.valid.shape[1]) or not cov.valid[r, c]:
                continue
            gr = np.hypot(*(s.traj.pos_enu_m[n, k, :2] - s.site_pos_enu_m[0, :2]))
            if abs(gr - cov.ground_range_m[r, c]) > 1500:  # cell quantisation at the window edge
                continue
            battle = bool(s.fc_hold[0, n, k]) and env.range_min_m[0] <= gr <= env.range_max_m[0]
            coverage = bool(cov.engagement[0, 0, r, c])
            total += 1
            agree += battle == coverage
            held_somewhere += battle
            pd_between += 0.5 <= view.pd[n, k] < 0.9
            assert (view.pd[n, k] >= 0.9) == bool(s.fc_hold[0, n, k])  # tracking job's Pd, same predicate
    assert total > 100 and held_somewhere > 10 and pd_between > 0
    assert agree / total >= 0.98, (agree, total)
