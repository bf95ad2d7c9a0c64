"""Tables carry absolute UTC time beside seconds (scenario ``run.epoch_utc``), and plots their position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.mark.parametrize("table,pairs", [
    ("events.parquet", {"t_s": "t_utc", "t_intercept_s": "t_intercept_utc"}),
    ("tracks.parquet", {"t_s": "t_utc"}),
    ("detections.parquet", {"t_s": "t_utc"}),
    ("truth.parquet", {"t_s": "t_utc"}),
    ("shots.csv", {"t_launch_s": "t_launch_utc", "t_intercept_s": "t_intercept_utc"}),
    ("outcomes.csv", {"t_s": "t_utc"}),
])
def test_utc_beside_seconds(small_run, expect, table, pairs):
    path = small_run.dir / table
    df = pd.read_parquet(path) if table.endswith(".parquet") else pd.read_csv(path)
    assert len(df)
    epoch = pd.Timestamp(expect.epoch)
    for sec, utc in pairs.items():
        t = pd.to_datetime(df[utc], utc=True, format="ISO8601")
        ok = df[sec].notna()
        assert ok.any()
        got = (t[ok] - epoch).dt.total_seconds().to_numpy()
        tol = 1e-3 if table.endswith(".parquet") else 5.1e-3  # the CSV writes seconds to 10 ms, UTC to 1 ms
        assert got == pytest.approx(df.loc[ok, sec].to_numpy(float), abs=tol)
        assert t[~ok].isna().all()


def test_target_plots_are_where_the_target_was(small_run):
    """A target plot's lat/lon/height (antenna + measured range/az/el) lies within a few km of the
    truth of its threat at that time (σ_az ~ 1 mrad and σ_range ~ 20–600 m at ≤ 200 km)."""
    det = pd.read_parquet(small_run.dir / "detections.parquet")
    truth = pd.read_parquet(small_run.dir / "truth.parquet")
    det = det[~det["is_clutter"]]
    assert len(det) > 10
    for _, d in det.iloc[:: max(1, len(det) // 25)].iterrows():
        tr = truth[truth["threat_id"] == d["truth_id"]]
        lat = np.interp(d["t_s"], tr["t_s"], tr["lat_deg"])
        lon = np.interp(d["t_s"], tr["t_s"], tr["lon_deg"])
        alt = np.interp(d["t_s"], tr["t_s"], tr["alt_msl_m"])
        dn = (d["lat_deg"] - lat) * 111_000.0
        de = (d["lon_deg"] - lon) * 111_000.0 * np.cos(np.radians(lat))
        assert np.hypot(dn, de) < 5_000.0 and abs(d["alt_msl_m"] - alt) < 3_000.0


def test_manifest_names_epoch_and_places(small_run):
    import json

    m = json.loads((small_run.dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["epoch_utc"] == "2020-01-02T02:00:00Z"
    assert m["places"]["sites"][0]["name"] == "S" and m["places"]["defended_assets"][0]["name"] == "City"
    assert m["places"]["threat_routes"][0]["route"][0][:2] == [32.6, 41.5]
