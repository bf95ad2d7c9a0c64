"""A scenario's plots through one tracker, scored against truth; run_tracking's files."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from iadsim.api.track import run_tracking
from iadsim.catalog import load_catalog
from iadsim.scenario import parse_scenario

LAT, LON = 40.0, 32.5


def text(tracking: str = "", threats: bool = True, clutter: str = "", seed: int = 11) -> str:
    raid = f"""\
threats:
  - name: F
    class: fighter_4gen
    count: 2
    spacing_s: 20
    route:
      - {{lat_deg: {LAT + 1.0}, lon_deg: {LON - 0.4}, alt_m: 7000, speed_mps: 250}}
      - {{lat_deg: {LAT + 0.2}, lon_deg: {LON + 0.2}, alt_m: 7000, speed_mps: 250}}
  - name: W
    class: fighter_4gen
    start_s: 61
    route:
      - {{lat_deg: {LAT - 0.8}, lon_deg: {LON + 0.8}, alt_m: 5000, speed_mps: 220}}
      - {{lat_deg: {LAT - 0.2}, lon_deg: {LON - 0.3}, alt_m: 5000, speed_mps: 220}}
""" if threats else ""
    return f"""\
name: small raid
run: {{seed: {seed}, time_step_s: 2, duration_s: 240}}
{clutter}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars:
      - {{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}}
      - {{equipment: 96L6E, mast_m: 20}}
{raid}
{tracking}
coverage: {{max_range_km: 150, cell_m: 2000}}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def run(tmp_path, catalog, src: str, name: str = "out", figures: bool = False):
    return run_tracking(parse_scenario(src, "t.yaml", catalog=catalog), tmp_path / name, catalog=catalog,
                        figures=figures)


def test_detectable_threats_are_tracked_and_gospa_falls(tmp_path, catalog):
    r = run(tmp_path, catalog, text(), figures=True)
    m = r.metrics
    assert m["threats"] == 3 and m["threats_detected"] == 3 and m["threats_tracked"] == 3
    assert m["false_tracks"] <= 1
    assert m["rmse_m"] < 300.0
    for p in m["per_threat"]:
        assert p["detection_to_confirmation_s"] is not None and 0 <= p["detection_to_confirmation_s"] <= 14
        assert p["time_tracked_s"] > 0.8 * p["time_detectable_s"]
    # GOSPA against detectable truth: high before the first confirmation, small once every threat is tracked
    g = r.score.gospa_detectable["distance"]
    t = r.score.t_s
    w = m["per_threat"][2]  # W starts at 61 s, is first seen by the 92N6E at 62 s
    t1 = w["first_detection_s"]  # the first 92N6E scan after 61 s (scan phases are random)
    assert w["threat"] == "W" and 61.0 <= t1 <= 64.0 and w["confirmed_s"] > t1
    before = g[(t >= t1) & (t < w["confirmed_s"])]
    after = g[(t >= w["confirmed_s"] + 10) & (t < w["confirmed_s"] + 100)]
    assert before.size and before.min() >= 10_000 / np.sqrt(2) - 1  # W missed: c/√2 at least
    assert np.median(after) < 1000.0
    for f in ("detections", "tracks", "truth", "gospa"):
        assert (r.out_dir / f"{f}.parquet").is_file()
    for f in ("metrics.json", "manifest.json", "report.html", "tracking/gospa.png", "tracking/tracks_over_truth.png"):
        assert (r.out_dir / f).is_file(), f
    man = json.loads((r.out_dir / "manifest.json").read_text())
    assert man["seed"] == 11 and len(man["scenario_sha256"]) == 64 and man["clutter"][0]["source"] == "pfa"
    assert "Tracking" in (r.out_dir / "report.html").read_text()


@pytest.mark.parametrize("filt, assoc", [("ukf", "gnn"), ("imm", "gnn"), ("ekf", "jpda"), ("imm", "jpda")])
def test_filters_and_association(tmp_path, catalog, filt, assoc):
    r = run(tmp_path, catalog, text(f"tracking: {{filter: {filt}, association: {assoc}}}"))
    m = r.metrics
    assert m["tracker"]["filter"] == filt and m["tracker"]["association"] == assoc
    assert m["threats_tracked"] == 3 and m["rmse_m"] < 400.0


def test_same_seed_identical_tables(tmp_path, catalog):
    a = run(tmp_path, catalog, text(), "a")
    b = run(tmp_path, catalog, text(), "b")
    c = run(tmp_path, catalog, text(seed=12), "c")
    for f in ("detections", "tracks", "truth", "gospa"):
        assert pq.read_table(a.out_dir / f"{f}.parquet").equals(pq.read_table(b.out_dir / f"{f}.parquet")), f
    assert not pq.read_table(a.out_dir / "detections.parquet").equals(pq.read_table(c.out_dir / "detections.parquet"))


def test_no_threats_warns_and_writes_empty_outputs(tmp_path, catalog):
    r = run(tmp_path, catalog, text(threats=False, clutter="environment: {clutter: {false_alarms_per_scan: 0}}"),
            figures=True)
    assert any("no threats" in w for w in r.warnings)
    assert r.metrics["warnings"] and r.metrics["threats"] == 0 and r.metrics["gospa"]["mean_m"] is None
    for f in ("detections", "tracks", "truth"):
        assert pq.read_table(r.out_dir / f"{f}.parquet").num_rows == 0
    assert (r.out_dir / "tracking/gospa.png").is_file()
    # with clutter it still runs
    r2 = run(tmp_path, catalog, text(threats=False), "clutter")
    assert r2.metrics["clutter_plots"] > 0 and r2.metrics["threats"] == 0


def test_ukf_as_statistical_linear_regression_equals_the_ukf_update():
    """H = P_xzᵀP⁻¹ and R + Ω in the Kalman update reproduce ``ukf_update`` exactly."""
    from iadsim.sim.track_run import ScenarioTracker
    from iadsim.tracking import ConstantVelocity, Spherical3D, ukf_update, wrap_angle

    model = Spherical3D((100.0, -50.0, 20.0))
    tr = ScenarioTracker(ConstantVelocity(3, 1.0), measurement_model=model, filter_kind="ukf")
    rng = np.random.default_rng(0)
    x = np.array([[3000.0, 8000.0, 2500.0, -100.0, 50.0, 0.0], [-2000.0, -7000.0, 900.0, 80.0, 10.0, 5.0]])
    A = rng.normal(size=(2, 6, 6))
    P = A @ np.swapaxes(A, 1, 2) * 400.0 + np.eye(6) * 100.0
    tr.x, tr.P = x.copy(), P.copy()
    z = model.h(x) + np.array([30.0, 0.01, -0.02])
    R = np.diag([50.0**2, 0.003**2, 0.004**2])
    idx = np.arange(2)
    zhat, S0, H = tr._predict_meas(idx, model)
    nu = z - zhat
    nu[:, 1:] = wrap_angle(nu[:, 1:])
    tr._update(idx, H, nu, np.broadcast_to(R, (2, 3, 3)))
    xu, Pu = ukf_update(x, P, z, R, model)
    assert np.allclose(tr.x, xu, rtol=1e-9, atol=1e-6)
    assert np.allclose(tr.P, Pu, rtol=1e-7, atol=1e-6)


def lo_text(management: str = "score") -> str:
    """An LO fighter crossing 133 km north of a 91N6E + 92N6E site (the 92N6E, looking every second,
    has Pd ≈ 0 on it; the 91N6E detects it now and then), and a fighter whose route ends 45 km from
    the site, where every class would be seen."""
    return f"""\
name: lo held
run: {{seed: 3, time_step_s: 2, duration_s: 400}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars:
      - {{equipment: 91N6E, mast_m: 10}}
      - {{equipment: 92N6E, mast_m: 25, revisit_s: 1.0}}
threats:
  - name: LO
    class: lo_fighter
    route:
      - {{lat_deg: {LAT + 1.2}, lon_deg: {LON - 1.2}, alt_m: 10000, speed_mps: 260}}
      - {{lat_deg: {LAT + 1.2}, lon_deg: {LON + 1.2}, alt_m: 10000, speed_mps: 260}}
  - name: F
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT - 0.9}, lon_deg: {LON - 1.2}, alt_m: 8000, speed_mps: 250}}
      - {{lat_deg: {LAT - 0.4}, lon_deg: {LON - 0.5}, alt_m: 8000, speed_mps: 250}}
tracking: {{management: {management}}}
coverage: {{max_range_km: 250, cell_m: 4000}}
"""


@pytest.fixture(scope="module")
def lo_runs(tmp_path_factory, catalog):
    tmp = tmp_path_factory.mktemp("lo")
    return {m: run(tmp, catalog, lo_text(m), m) for m in ("score", "m_of_n")}


def test_a_scan_with_pd_near_zero_does_not_delete_a_held_track(lo_runs):
    """Issue 9, finding 3: the 92N6E scanning every second at Pd ≈ 0 deleted the LO track the 91N6E
    holds. With the Pd-aware score one track holds the LO from its confirmation to the end; with
    geometry-only miss counting (``management: m_of_n``) it is never even confirmed."""
    r = lo_runs["score"]
    det = r.measurements.detections
    lo = 0
    assert r.score.truth.name[lo].startswith("LO")
    assert r.measurements.radars[1].view.pd[lo].max() < 0.05  # the 92N6E: Pd ≈ 0 at every scan
    assert ((det.truth_id == lo) & (det.radar == 0)).sum() >= 10  # the 91N6E sees it now and then
    p = r.metrics["per_threat"][lo]
    assert p["confirmed_s"] is not None and p["confirmed_tracks"] == 1 and p["id_switches_by_plots"] == 0
    tid = r.tracked.track_id[r.tracked.truth_id == lo][0]
    rows = r.tracked.t_s[r.tracked.track_id == tid]
    assert rows.min() == p["confirmed_s"] and rows.max() >= 390.0  # held to the end of the run
    old = lo_runs["m_of_n"].metrics["per_threat"][lo]
    assert old["confirmed_s"] is None or old["confirmed_tracks"] > 1


def test_score_still_deletes_a_track_whose_target_is_gone(lo_runs):
    """The fighter's route ends 45 km from the site (the target is gone); the 92N6E, whose Pd there is
    ≈ 1 for every class, keeps missing it: the track is deleted within a few seconds."""
    r = lo_runs["score"]
    f = 1
    end_s = float(r.score.truth.end_s[f])
    tid = np.unique(r.tracked.track_id[r.tracked.truth_id == f])
    assert len(tid) == 1 and end_s < 390.0
    last = r.tracked.t_s[r.tracked.track_id == tid[0]].max()
    assert end_s - 2.0 <= last <= end_s + 6.0


def test_headline_gospa_counts_only_detectable_threats_per_class(lo_runs):
    """A threat counts in the headline GOSPA only where some radar has Pd ≥ 0.5 on it: the LO is in
    line of sight of both radars for most of the run, but detectable (91N6E Pd ≥ 0.5) far less;
    per class, the GOSPA is that class's share (localisation + c^p/2 per missed threat)."""
    from iadsim.sim.sensing import radar_view

    r = lo_runs["score"]
    sc, m = r.score, r.metrics
    w = r.world
    pd = np.max([radar_view(w, rad, sc.truth).pd for rad in w.radars], axis=0)
    vis = np.any([radar_view(w, rad, sc.truth).visible for rad in w.radars], axis=0)
    assert np.array_equal(sc.detectable, sc.in_area & (pd >= 0.5))
    assert 0 < sc.detectable[0].sum() < (vis[0] & sc.in_area[0]).sum()
    pc = m["per_class"]
    assert set(pc) == {"lo_fighter", "fighter_4gen"}
    assert pc["fighter_4gen"]["threats"] == 1 and pc["fighter_4gen"]["gospa_detectable_mean_m"] < 1000.0
    assert pc["lo_fighter"]["mean_confirmed_tracks_per_threat"] == 1.0
    assert m["gospa_detectable"]["pd_threshold"] == 0.5
    # a missed detectable threat costs c^p/2 of the headline GOSPA^p; undetectable ones cost nothing
    c, p = m["gospa"]["c_m"], m["gospa"]["p"]
    missed = (sc.detectable & (sc.matched_track_detectable < 0)).sum(axis=0)
    assert np.allclose(sc.gospa_detectable["missed"], missed * c**p / 2)


def test_demo_lo_tracks_per_threat_and_id_switches(tmp_path, catalog):
    """Issue 9, finding 3, on the demo (examples/turkey-2019): before the Pd-aware score the 12 LO
    fighters had 11.9 confirmed tracks each (tracks that ever carried their plots) and 131 changes
    of the track carrying a threat's plots (138 ID switches by GOSPA assignment). Now ≤ 2 tracks per
    LO threat and at least 5× fewer switches by data association; every threat is tracked."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019" / "scenario.yaml"
    from iadsim.scenario import load_scenario

    r = run_tracking(load_scenario(src, catalog=catalog), tmp_path / "demo", catalog=catalog, figures=False)
    m = r.metrics
    lo = m["per_class"]["lo_fighter"]
    assert lo["threats"] == 12 and lo["threats_confirmed"] == 12
    assert lo["mean_confirmed_tracks_per_threat"] <= 2.0
    assert m["continuity_by_plots"]["id_switches"] <= 131 / 5
    assert m["continuity"]["id_switches"] < 138 / 2
    assert m["threats_tracked"] == m["threats"]


@pytest.mark.parametrize("bad, field", [("{confirm_score: 0}", "tracking.confirm_score"),
                                        ("{delete_score_drop: -1}", "tracking.delete_score_drop"),
                                        ("{max_coast_s: 0}", "tracking.max_coast_s"),
                                        ("{management: sprt}", "tracking.management"),
                                        ("{scan_phase: lockstep}", "tracking.scan_phase")])
def test_bad_track_management_settings_are_located_errors(catalog, bad, field):
    from iadsim.errors import IadsimError

    with pytest.raises(IadsimError) as e:
        parse_scenario(text(f"tracking: {bad}"), "t.yaml", catalog=catalog)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("t.yaml:") and field in msg
