"""Radar plots over a scenario: scan times, Pd, clutter rate, seeding and located errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import ScenarioError
from iadsim.scenario import parse_scenario
from iadsim.sensors.detection import required_snr_db
from iadsim.sensors.measurements import simulate_scan
from iadsim.sim.measure import SPEED_OF_LIGHT_MPS, measure, scan_rng
from iadsim.sim.trajectories import sample_trajectories
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5


def scenario_text(*, radars: str = "[{equipment: 92N6E, mast_m: 20, revisit_s: 1.0}, {equipment: 96L6E, mast_m: 20}]",
                  clutter: str = "", threats: str | None = None, duration_s: float = 120.0, seed: int = 7,
                  extra: str = "") -> str:
    if threats is None:
        threats = f"""\
  - name: LO
    class: lo_fighter
    count: 3
    spacing_s: 5
    route:
      - {{lat_deg: {LAT + 1.1}, lon_deg: {LON}, alt_m: 8000, speed_mps: 250}}
      - {{lat_deg: {LAT + 0.3}, lon_deg: {LON}, alt_m: 8000, speed_mps: 250}}
"""
    return f"""\
name: small
run: {{seed: {seed}, time_step_s: 2, duration_s: {duration_s}}}
{clutter}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: {radars}
threats:
{threats}
coverage: {{max_range_km: 150, cell_m: 2000}}
{extra}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def world_of(text: str, catalog):
    return compile_world(parse_scenario(text, "t.yaml", catalog=catalog), catalog)


def test_scan_times_and_sorted_plots(catalog):
    world = world_of(scenario_text(extra="tracking: {scan_phase: aligned}"), catalog)
    meas = measure(world)
    r92, r96 = meas.radars
    assert np.allclose(r92.t_s, np.arange(121) * 1.0) and np.allclose(r96.t_s, np.arange(11) * 12.0)
    assert meas.n_scans == 132
    assert np.all(np.diff(meas.detections.t_s) >= 0)
    assert np.all(np.diff(meas.scan_t_s) >= 0)
    # every plot sits in its scan
    si = meas.scan_index()
    assert np.array_equal(meas.detections.t_s, meas.scan_t_s[si])
    assert np.array_equal(meas.detections.radar, meas.scan_radar[si])
    tgt = ~meas.detections.is_clutter
    assert set(np.unique(meas.detections.truth_id[tgt])) <= {0, 1, 2}
    assert np.all(meas.detections.truth_id[~tgt] == -1)


def test_detected_fraction_matches_view_pd(catalog):
    """Σ Pd over every (threat, scan) sample is the expected number of target plots (binomial)."""
    world = world_of(scenario_text(duration_s=300.0), catalog)
    meas = measure(world)
    det = meas.detections
    for rs in meas.radars:
        pd = rs.view.pd
        expected = pd.sum()
        var = (pd * (1 - pd)).sum()
        got = int(((det.radar == rs.radar.index) & ~det.is_clutter).sum())
        assert expected > 20
        assert abs(got - expected) < 4 * math.sqrt(var) + 1, (rs.radar.equipment, got, expected)
    # where Pd is 0 (not visible) there is never a plot
    assert ((pd > 0) | ~rs.view.visible).all()


def test_clutter_mean_matches_configured_rate(catalog):
    world = world_of(scenario_text(clutter="environment: {clutter: {false_alarms_per_scan: 4}}", duration_s=600.0),
                     catalog)
    meas = measure(world)
    det = meas.detections
    n_scans = meas.n_scans
    mean = det.is_clutter.sum() / n_scans
    assert mean == pytest.approx(4.0, abs=4 * math.sqrt(4.0 / n_scans))
    for rs in meas.radars:
        assert rs.clutter.source == "scenario" and rs.clutter.rate_per_scan == 4.0
        c = det.is_clutter & (det.radar == rs.radar.index)
        assert det.range_m[c].max() <= rs.radar.max_range_m
        assert det.el_rad[c].min() >= math.radians(-2) and det.el_rad[c].max() <= math.radians(30)


def test_clutter_rate_from_pfa_derivation(catalog):
    """λ = Pfa · (R/Δr) · min(angle cells, revisit·c/(2 R n)), Δ = σ·√(2·SNR50)."""
    world = world_of(scenario_text(), catalog)
    rs = measure(world, t_end_s=5.0).radars[0]
    r, cm = rs.radar, rs.clutter
    k = math.sqrt(2 * 10 ** (required_snr_db(0.5, r.pfa, r.n_pulses, r.swerling) / 10))
    cells_angle = (2 * math.pi / (rs.sigma_az_rad * k)) * (math.radians(32) / (rs.sigma_el_rad * k))
    beams = min(cells_angle, r.revisit_s * SPEED_OF_LIGHT_MPS / (2 * r.max_range_m * r.n_pulses))
    assert cm.source == "pfa"
    assert cm.rate_per_scan == pytest.approx(r.pfa * r.max_range_m / (rs.sigma_range_m * k) * beams, rel=1e-9)
    assert cm.as_dict()["n_cells"] == pytest.approx(cm.rate_per_scan / r.pfa)


def test_same_seed_same_plots_and_a_scan_reproduces_alone(catalog):
    text = scenario_text(clutter="environment: {clutter: {false_alarms_per_scan: 2}}")
    a = measure(world_of(text, catalog))
    b = measure(world_of(text, catalog))
    for f in ("t_s", "radar", "range_m", "az_rad", "el_rad", "truth_id"):
        assert np.array_equal(getattr(a.detections, f), getattr(b.detections, f))
    c = measure(world_of(scenario_text(clutter="environment: {clutter: {false_alarms_per_scan: 2}}", seed=8),
                         catalog))
    assert not np.array_equal(a.detections.range_m[:50], c.detections.range_m[:50])
    # scan 17 of the 92N6E, rebuilt from its own generator without running anything else
    world = world_of(text, catalog)
    rs = a.radars[0]
    k = 17
    rng = scan_rng(7, len(world.radars), 0, len(rs.t_s), k)
    traj = sample_trajectories(world, rs.t_s[k:k + 1])
    det = simulate_scan(traj.pos_enu_m[:, 0], rs.view.antenna_enu_m, rs.view.pd[:, k], rs.sigma_range_m,
                        rs.sigma_az_rad, rs.sigma_el_rad, 0.0, rs.radar.max_range_m, rng, rs.t_s[k], radar=0)
    mine = (a.detections.radar == 0) & (a.detections.t_s == rs.t_s[k]) & ~a.detections.is_clutter
    assert np.array_equal(det.range_m, a.detections.range_m[mine])


def test_radar_without_revisit_is_a_located_error(catalog):
    text = scenario_text(radars="\n      - {equipment: 96L6E, mast_m: 20}\n      - {equipment: 92N6E, mast_m: 20}")
    world = world_of(text, catalog)
    with pytest.raises(ScenarioError) as exc:
        measure(world)
    msg = str(exc.value)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "92N6E" in ln)
    assert msg.startswith(f"t.yaml:{line}:") and "sites[0].radars[1]" in msg and "revisit_s" in msg
    assert "\n" not in msg


def test_radar_without_accuracies_is_a_located_error(catalog, monkeypatch):
    world = world_of(scenario_text(), catalog)
    spec = catalog.radar("96L6E").model_copy(update={"sigma_elevation_mrad": None})
    real = world.catalog.radar
    monkeypatch.setattr(world.catalog, "radar", lambda name: spec if name == "96L6E" else real(name))
    with pytest.raises(ScenarioError) as exc:
        measure(world)
    msg = str(exc.value)
    assert "t.yaml:" in msg and "sites[0].radars[1].equipment" in msg and "sigma_elevation_mrad" in msg


def test_scan_phases_are_seeded_and_staggered(catalog):
    """Default ``scan_phase: random``: each radar starts at its own seeded offset in [0, revisit_s)
    (a named stream, so the plots of one seed are reproducible) instead of every radar at t = 0."""
    from iadsim.sim.measure import scan_phase_s

    world = world_of(scenario_text(), catalog)
    meas = measure(world)
    r92, r96 = meas.radars
    phases = [scan_phase_s(world, r) for r in world.radars]
    assert 0.0 <= phases[0] < 1.0 and 0.0 <= phases[1] < 12.0 and phases[1] > 0.0
    assert np.allclose(r92.t_s, phases[0] + np.arange(len(r92.t_s)) * 1.0)
    assert np.allclose(r96.t_s, phases[1] + np.arange(len(r96.t_s)) * 12.0)
    assert r96.t_s[-1] <= 120.0 < r96.t_s[-1] + 12.0
    # no two radars share a scan time, the same seed gives the same phases, another seed others
    assert not set(np.round(r92.t_s, 9)) & set(np.round(r96.t_s, 9))
    again = world_of(scenario_text(), catalog)
    assert [scan_phase_s(again, r) for r in again.radars] == phases
    other = world_of(scenario_text(seed=8), catalog)
    assert [scan_phase_s(other, r) for r in other.radars] != phases
    assert np.all(np.diff(meas.scan_t_s) >= 0)
