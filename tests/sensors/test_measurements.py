"""Radar plot simulation: detection fraction, clutter statistics, noise, reproducibility."""

import numpy as np
import pytest

from iadsim.errors import MeasurementError
from iadsim.sensors.measurements import Detections, clutter_rate_from_pfa, simulate_scan


def scan(rng, pd=0.8, clutter=5.0, n=200, **kw):
    truth = np.column_stack(
        [rng.uniform(-50e3, 50e3, n), rng.uniform(-50e3, 50e3, n), rng.uniform(100, 10e3, n)]
    )
    args = dict(sigma_range_m=20.0, sigma_az_rad=1e-3, sigma_el_rad=2e-3, clutter_rate=clutter,
                max_range_m=100e3, rng=rng, t_s=3.0)
    args.update(kw)
    return truth, simulate_scan(truth, np.zeros(3), pd, **args)


def test_pd_fraction_and_clutter_mean_within_statistical_bounds():
    """Over 200 scans of 200 targets: detected fraction within 4σ of Pd (binomial) and the
    clutter count's mean and variance within 4σ of the Poisson λ."""
    rng = np.random.default_rng(0)
    ndet = 0
    counts = []
    for _ in range(200):
        _, d = scan(rng, pd=0.8, clutter=7.5)
        ndet += (~d.is_clutter).sum()
        counts.append(d.is_clutter.sum())
    n = 200 * 200
    assert abs(ndet / n - 0.8) < 4 * np.sqrt(0.8 * 0.2 / n)
    counts = np.array(counts)
    assert abs(counts.mean() - 7.5) < 4 * np.sqrt(7.5 / 200)
    assert abs(counts.var(ddof=1) / 7.5 - 1) < 4 * np.sqrt(2 / 199)


def test_noise_and_geometry():
    rng = np.random.default_rng(1)
    truth, d = scan(rng, pd=1.0, clutter=0.0, n=5000)
    t = truth[d.truth_id]
    r = np.linalg.norm(t, axis=1)
    assert np.all(d.truth_id >= 0) and not d.is_clutter.any()
    assert abs(np.std(d.range_m - r) / 20.0 - 1) < 0.05
    daz = np.angle(np.exp(1j * (d.az_rad - np.arctan2(t[:, 0], t[:, 1]))))
    assert abs(np.std(daz) / 1e-3 - 1) < 0.05
    assert abs(np.mean(d.el_rad - np.arctan2(t[:, 2], np.hypot(t[:, 0], t[:, 1])))) < 1e-4
    assert np.all((d.az_rad > -np.pi) & (d.az_rad <= np.pi))
    assert np.all(d.t_s == 3.0) and np.all(d.sigma_el_rad == 2e-3)


def test_clutter_uniform_in_range_az_el_and_targets_beyond_range_missed():
    rng = np.random.default_rng(2)
    far = np.array([[0.0, 200e3, 0.0]])
    d = simulate_scan(far, np.zeros(3), 1.0, 10.0, 1e-3, 1e-3, 2000.0, 100e3, rng, 0.0,
                      el_min_rad=0.0, el_max_rad=0.5)
    assert not (~d.is_clutter).any()
    c = d[d.is_clutter]
    assert np.all(c.truth_id == -1)
    assert np.all((c.range_m >= 0) & (c.range_m <= 100e3))
    assert np.all((c.el_rad >= 0) & (c.el_rad <= 0.5))
    assert abs(c.range_m.mean() / 50e3 - 1) < 0.05 and abs(c.az_rad.mean()) < 0.15


def test_same_seed_same_detections():
    a = scan(np.random.default_rng(42))[1]
    b = scan(np.random.default_rng(42))[1]
    c = scan(np.random.default_rng(43))[1]
    for f in ("range_m", "az_rad", "el_rad", "truth_id", "is_clutter"):
        assert np.array_equal(getattr(a, f), getattr(b, f))
    assert len(a) != len(c) or not np.array_equal(a.range_m, c.range_m)
    t = Detections.concat([a, b]).to_arrow()
    assert t.num_rows == 2 * len(a)


def test_clutter_rate_from_pfa():
    assert clutter_rate_from_pfa(1e-6, 2e6) == pytest.approx(2.0)
    with pytest.raises(MeasurementError):
        clutter_rate_from_pfa(2.0, 10)


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(sigma_range_m=0.0), "sigma_range_m"),
        (dict(sigma_az_rad=np.nan), "sigma_az_rad"),
        (dict(clutter_rate=-1.0), "clutter_rate"),
        (dict(pd=1.5), "pd"),
        (dict(t_s=np.inf), "t_s"),
    ],
)
def test_bad_input(kw, field):
    rng = np.random.default_rng(0)
    pd = kw.pop("pd", 0.9)
    with pytest.raises(MeasurementError) as e:
        scan(rng, pd=pd, **kw)
    assert e.value.field == field
    with pytest.raises(MeasurementError):
        simulate_scan([[np.nan, 0, 0]], np.zeros(3), 0.9, 1.0, 1e-3, 1e-3, 0.0, 1e3, rng, 0.0)


def test_empty_truth_gives_clutter_only():
    d = simulate_scan(np.zeros((0, 3)), np.zeros(3), 0.9, 1.0, 1e-3, 1e-3, 3.0, 1e4,
                      np.random.default_rng(0), 1.0)
    assert d.is_clutter.all()
