"""RadarPd (the Pd of a radar on predicted track positions per class hypothesis): computing the
geometry once per position gives exactly what the original per-class evaluation through
``radar_view`` on tiled positions gave (kept here as the reference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.geo.frames import enu_to_aer, geodesic_inverse
from iadsim.geo.refraction import slant_range_elevation
from iadsim.scenario import load_scenario
from iadsim.sensors.radar_equation import snr_from_constant
from iadsim.sim.sensing import antenna_enu_m
from iadsim.sim.track_pd import RadarPd, class_hypotheses
from iadsim.world import compile_world

DEMO = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019" / "scenario.yaml"


def _reference_pd(rp: RadarPd, pos, var_up):
    """iadsim ≤ the replication-speed work: the per-class radar view of tiled positions (sea factor
    everywhere), masked by the 2σ-lowered terrain test."""
    w, radar = rp.world, rp.radar
    n, c = len(pos), rp.n_classes
    out = np.zeros((n, c))
    i = np.flatnonzero(rp.in_volume(pos))
    p = pos[i]
    lat, lon, h = (np.asarray(v, float).reshape(-1) for v in w.frame.enu_to_geodetic(p[:, 0], p[:, 1], p[:, 2]))
    ground = np.asarray(w.dem.sample_height_m(lat, lon), float).reshape(-1)
    ground = np.where(np.isfinite(ground), ground, 0.0)
    lat2, lon2, h2 = (np.tile(a, (c, 1)) for a in (lat, lon, h))
    agl2 = np.tile(h - ground, (c, 1))
    shape = lat2.shape
    lvh = w.radar_terrain(radar).sample_nearest(lat2, lon2)
    gr, az_geo = geodesic_inverse(np.full(shape, radar.lat_rad), np.full(shape, radar.lon_rad), lat2, lon2)
    gr = np.asarray(gr, float).reshape(shape)
    slant, el_refr = slant_range_elevation(gr, radar.antenna_alt_msl_m, h2, w.k_factor)
    d = np.tile(p, (c, 1, 1)) - antenna_enu_m(w, radar)
    az, _, _ = enu_to_aer(d[..., 0], d[..., 1], d[..., 2])
    visible = ((agl2 >= 0.0) & (agl2 >= lvh) & radar.in_sector(np.asarray(az).reshape(shape))
               & (el_refr >= radar.elevation_min_rad) & (el_refr <= radar.elevation_max_rad)
               & (slant <= radar.max_range_m))
    rcs = np.array([ov if np.isfinite(ov) else w.rcs_m2(k, radar.band) for k, ov in zip(rp.classes, rp.override)])
    snr = snr_from_constant(radar.radar_constant_m2, np.maximum(slant, 1.0), rcs[:, None])
    snr = snr * w.sea_factor4(radar, ground_range_m=gr, az_rad=np.asarray(az_geo, float).reshape(shape),
                              alt_msl_m=h2)
    pd = np.where(visible, w.pd_table(radar)(snr), 0.0)
    low = h - ground - 2.0 * np.sqrt(np.maximum(var_up[i], 0.0))
    out[i] = (pd * (low >= w.radar_terrain(radar).sample_nearest(lat, lon))[None, :]).T
    return out


@pytest.fixture(scope="module")
def demo_world():
    catalog = load_catalog()
    return compile_world(load_scenario(DEMO, catalog=catalog), catalog)


def test_track_pd_equals_the_per_class_reference(demo_world):
    """3 000 random track positions per demo radar (out to 500 km, 20 m to 14 km up, some over the
    Black Sea), vertical variances up to (300 m)²: identical Pd for every class hypothesis."""
    w = demo_world
    hyp = class_hypotheses(w)
    assert len(hyp) > 1
    rng = np.random.default_rng(9)
    n = 3000
    r = rng.uniform(0, 500e3, n)
    a = rng.uniform(0, 2 * np.pi, n)
    up = np.exp(rng.uniform(np.log(20.0), np.log(14_000.0), n))
    var = rng.uniform(0, 300.0**2, n)
    for radar in w.radars:
        rp = RadarPd(w, radar, antenna_enu_m(w, radar), hyp)
        ant = rp.ant
        pos = np.column_stack([ant[0] + r * np.sin(a), ant[1] + r * np.cos(a), up])
        got = rp.pd(pos, var)
        ref = _reference_pd(rp, pos, var)
        np.testing.assert_array_equal(got, ref)
        assert (got > 0.5).any() and (got == 0).any()
