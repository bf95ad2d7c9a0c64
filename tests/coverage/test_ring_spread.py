"""The range-ring table with the catalog's low–high spread and the fire-control Pd 0.9 reach."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from iadsim.api import run_coverage
from iadsim.catalog import load_catalog
from iadsim.coverage.compute import compute_coverage
from iadsim.coverage.products import range_ring_rows
from iadsim.geo.refraction import slant_range_elevation
from iadsim.scenario import parse_scenario
from iadsim.sensors.detection import required_snr_db
from iadsim.world import compile_world

TEXT = """\
name: spread test
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars:
      - {equipment: 92N6E, mast_m: 20}
    launchers:
      - {equipment: 5P85SE2, count: 2, load: {48N6E3: 4}}
coverage:
  threat_classes: [lo_fighter, fighter_4gen]
  altitudes_m: [30, 10000]
  max_range_km: 420
  cell_m: 2000
  sector_deg: 30
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def rows(catalog):
    world = compile_world(parse_scenario(TEXT, "t.yaml", catalog=catalog), catalog)
    return world, range_ring_rows(compute_coverage(world), 30.0)


def _ground_range_at_slant(world, radar, slant_m: float, alt_m: float) -> float:
    grid = np.linspace(1e3, 450e3, 200_001)
    r, _ = slant_range_elevation(grid, radar.antenna_alt_msl_m, alt_m, world.k_factor)
    return float(grid[np.argmin(np.abs(r - slant_m))])


def test_low_and_high_reach_follow_the_radar_equation(rows, catalog):
    """High up the reach is power-limited: SNR = K σ/R⁴ at the reference SNR gives
    R = R_ref (σ/σ_ref)^¼ (K calibrated on the published claim, K ∝ R_ref⁴). With the catalog's
    low case (σ_low, R_ref,low) and high case (σ_high, R_ref,high) the same closed form must give
    the table's low and high reach (on the smooth 4/3 earth, within 1.5 cells)."""
    world, ring = rows
    radar = world.radars[0]
    ref = catalog.radar("92N6E").detection_reference
    sig = catalog.threat("lo_fighter").rcs_m2["X"]
    row = next(r for r in ring if r.product == "detection" and r.threat_class == "lo_fighter"
               and r.altitude_m == 10000)
    for got, r_ref, sigma in ((row.reach_low_km, ref.range_km.low, sig.low),
                              (row.reach_high_km, ref.range_km.high, sig.high),
                              (row.reach_km, ref.range_km.nominal, sig.nominal)):
        slant = r_ref * 1e3 * (sigma / ref.rcs_m2.nominal) ** 0.25
        expected = _ground_range_at_slant(world, radar, slant, 10_000.0)
        assert float(np.median(got)) * 1e3 == pytest.approx(expected, abs=1.5 * 2000)
    assert np.all(row.reach_low_km <= row.reach_km) and np.all(row.reach_km <= row.reach_high_km)
    assert row.reach_low_km.max() < row.reach_high_km.min()  # the spread is real, not a copy


def test_fire_control_reach_at_pd_09(rows, catalog):
    """Pd 0.9 needs more SNR than Pd 0.5 (Swerling 1, Pfa 1e-6): the fire-control reach shrinks by
    (SNR_0.5/SNR_0.9)^¼ in the power-limited regime, and never exceeds the Pd 0.5 reach."""
    world, ring = rows
    radar = world.radars[0]
    eng = [r for r in ring if r.product == "engagement"]
    assert eng and all(r.fc_pd == 0.9 and r.pd_threshold == 0.5 for r in eng)
    for r in eng:
        assert np.all(r.reach_fc_km <= r.reach_km + 1e-9)
    row = next(r for r in eng if r.threat_class == "lo_fighter" and r.altitude_m == 10000)
    ratio = 10 ** ((required_snr_db(0.5, radar.pfa, 1, radar.swerling)
                    - required_snr_db(0.9, radar.pfa, 1, radar.swerling)) / 40.0)
    slant50 = radar.reference_range_m * (world.rcs_m2("lo_fighter", "X") / radar.reference_rcs_m2) ** 0.25
    expected = _ground_range_at_slant(world, radar, slant50 * ratio, 10_000.0)
    assert float(np.median(row.reach_fc_km)) * 1e3 == pytest.approx(expected, abs=1.5 * 2000)


def test_low_flier_spread_is_the_horizon(rows):
    """At 30 m the reach is the horizon whatever the RCS: low = nominal = high for the fighter."""
    _, ring = rows
    row = next(r for r in ring if r.product == "detection" and r.threat_class == "fighter_4gen"
               and r.altitude_m == 30)
    np.testing.assert_allclose(row.reach_low_km, row.reach_km)
    np.testing.assert_allclose(row.reach_high_km, row.reach_km)


def test_tables_name_the_threshold_and_carry_the_spread(catalog, tmp_path):
    loaded = parse_scenario(TEXT.replace("cell_m: 2000", "cell_m: 5000"), "t.yaml", catalog=catalog)
    out = run_coverage(loaded, tmp_path / "out", catalog=catalog, figures=False).out_dir
    summary = list(csv.DictReader((out / "range_ring_summary.csv").open()))
    assert summary
    for r in summary:
        assert float(r["pd_threshold"]) == 0.5 and float(r["fire_control_pd"]) == 0.9
        lo, nom, hi = (float(r[k]) for k in ("reach_median_low_km", "reach_median_km", "reach_median_high_km"))
        assert lo <= nom <= hi
        assert float(r["reach_median_fire_control_km"]) <= nom
    per_sector = list(csv.DictReader((out / "range_ring_vs_physics.csv").open()))
    assert {"reach_low_km", "reach_high_km", "pd_threshold", "reach_fire_control_km"} <= set(per_sector[0])
    html = (out / "report.html").read_text()
    assert "engagement (fire control)" in html and "Pd ≥ 0.5" in html and "catalog low–high" in html
    assert not math.isnan(float(summary[0]["reach_median_low_km"]))


@pytest.mark.parametrize(("m", "n", "p_track"), [(2, 3, 0.5), (3, 5, 0.9), (1, 1, 0.5), (4, 4, 0.7)])
def test_m_of_n_threshold_is_the_binomial_rule(m, n, p_track):
    """P(≥ M of N) = binom.sf(M − 1, N, Pd) is increasing in Pd, so the track product's test
    P ≥ threshold equals Pd ≥ the single-scan threshold the bisection finds (except within 1e-9)."""
    from scipy.stats import binom

    from iadsim.coverage.compute import m_of_n_pd_threshold

    pd = np.random.default_rng(7).random(100_000)
    thr = m_of_n_pd_threshold(m, n, p_track)
    assert binom.sf(m - 1, n, thr) == pytest.approx(p_track, abs=1e-9)
    far = np.abs(pd - thr) > 1e-9
    np.testing.assert_array_equal((binom.sf(m - 1, n, pd) >= p_track)[far], (pd >= thr)[far])
