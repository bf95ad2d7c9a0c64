"""Routes sampled in time, and each radar's Pd of each threat sample (closed forms on smooth earth)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.geo.frames import geodesic_inverse
from iadsim.geo.refraction import radar_horizon_m, slant_range_elevation
from iadsim.scenario import parse_scenario
from iadsim.sim.sensing import radar_view
from iadsim.sim.trajectories import route_duration_s, sample_trajectories, time_grid
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5


def scenario(route_alt_m: float, alt_ref: str = "msl", count: int = 1, threat_class: str = "lo_fighter") -> str:
    return f"""\
name: outbound
run: {{time_step_s: 5}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: [{{equipment: 92N6E, mast_m: 20}}]
threats:
  - name: T
    class: {threat_class}
    count: {count}
    spacing_s: 30
    route:
      - {{lat_deg: {LAT + 0.01}, lon_deg: {LON}, alt_m: {route_alt_m}, alt_ref: {alt_ref}, speed_mps: 300}}
      - {{lat_deg: {LAT + 4.0}, lon_deg: {LON}, alt_m: {route_alt_m}, alt_ref: {alt_ref}, speed_mps: 300}}
coverage: {{max_range_km: 450, cell_m: 2000}}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def world_of(text, catalog):
    return compile_world(parse_scenario(text, "t.yaml", catalog=catalog), catalog)


def test_route_is_flown_along_the_geodesic_at_its_speed(catalog):
    world = world_of(scenario(10_000.0, count=3), catalog)
    t = time_grid(world)
    traj = sample_trajectories(world, t)
    assert traj.n_threats == 3 and traj.name == ["T#1", "T#2", "T#3"]
    leg, _ = geodesic_inverse(math.radians(LAT + 0.01), math.radians(LON), math.radians(LAT + 4), math.radians(LON))
    assert route_duration_s(world) == pytest.approx(60 + leg / 300.0)
    # member 2 starts 30 s after member 1; distance flown grows at 300 m/s
    i = np.searchsorted(t, 100.0)
    d, _ = geodesic_inverse(math.radians(LAT + 0.01), math.radians(LON), traj.lat_rad[1, i], traj.lon_rad[1, i])
    assert d == pytest.approx(300.0 * (t[i] - 30.0), rel=1e-9)
    assert not traj.active[2, 0] and traj.active[0, 0]
    speed = np.linalg.norm(traj.vel_enu_mps[0, 5:50], axis=-1)
    assert np.allclose(speed, 300.0, rtol=2e-3)  # straight-line ENU speed ≈ ground speed at 10 km up
    assert np.allclose(traj.alt_msl_m[traj.active], 10_000.0)


def test_terrain_following_leg_keeps_height_above_ground(catalog):
    world = world_of(scenario(40.0, "agl", threat_class="cruise_missile"), catalog)
    traj = sample_trajectories(world, time_grid(world))
    assert np.allclose(traj.height_agl_m[traj.active], 40.0)
    assert not traj.below_ground().any()


def test_high_flier_detected_out_to_calibrated_range(catalog):
    """A 10 km target flying outbound: Pd ≥ 0.5 exactly while the slant range is below
    R_ref·(σ/σ_ref)^¼ (the radar constant's calibration)."""
    world = world_of(scenario(10_000.0), catalog)
    traj = sample_trajectories(world, time_grid(world))
    view = radar_view(world, world.radars[0], traj)
    radar = world.radars[0]
    sigma = world.rcs_m2("lo_fighter", radar.band)
    r_det = radar.reference_range_m * (sigma / radar.reference_rcs_m2) ** 0.25
    slant, _ = slant_range_elevation(
        np.asarray(geodesic_inverse(radar.lat_rad, radar.lon_rad, traj.lat_rad[0], traj.lon_rad[0])[0]),
        radar.antenna_alt_msl_m, traj.alt_msl_m[0], world.k_factor)
    active = traj.active[0]
    inside = active & (slant < r_det * 0.995)
    outside = active & (slant > r_det * 1.005)
    assert inside.any() and outside.any()
    assert np.all(view.pd[0, inside] > 0.5) and np.all(view.pd[0, outside] < 0.5)
    assert np.all(view.pd[0, ~active] == 0.0)


def test_low_flier_lost_at_the_radar_horizon(catalog):
    world = world_of(scenario(30.0, "agl", threat_class="fighter_4gen"), catalog)
    traj = sample_trajectories(world, time_grid(world))
    view = radar_view(world, world.radars[0], traj)
    gr = np.asarray(geodesic_inverse(math.radians(LAT), math.radians(LON), traj.lat_rad[0], traj.lon_rad[0])[0])
    horizon = float(radar_horizon_m(20.0, 30.0, world.k_factor, form="ground"))
    seen = view.visible[0]
    assert seen[gr < horizon - 2500].all()
    assert not seen[gr > horizon + 2500].any()
