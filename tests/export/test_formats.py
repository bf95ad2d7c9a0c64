"""Each export format reads back with an independent reader, with its features in the right place."""

from __future__ import annotations

import datetime
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from iadsim.export import export_run



def _walk(feature, depth=0):
    for f in getattr(feature, "features", []) or []:
        yield f, depth
        yield from _walk(f, depth + 1)


# ----------------------------------------------------------------------------- KML / KMZ
def test_kml_parses_back_with_fastkml(small_run, layers, tmp_path):
    from fastkml import KML, Folder, Placemark

    out = export_run(small_run.dir, tmp_path / "run.kml", "kml")
    kml = KML.parse(out)
    doc = kml.features[0]
    items = list(_walk(doc))
    folders = [f for f, _ in items if isinstance(f, Folder)]
    marks = [f for f, _ in items if isinstance(f, Placemark)]
    top = {f.name for f in doc.features}
    assert {"Coverage", "Threats (truth)", "Tracks", "Interceptor fly-outs", "Intercepts (true target position)",
            "Sites", "Defended assets"} <= top
    cov = len(layers.layers["coverage"])
    assert cov >= 2
    # one placemark per coverage row, one per threat / track / fly-out path, one per point
    n_paths = len(layers.paths)
    n_points = sum(len(layers.layers[k]) for k in ("intercepts", "sites", "assets"))
    assert len(marks) == cov + n_paths + n_points
    tracks = [m for m in marks if type(m.kml_geometry).__name__ == "Track"] if hasattr(marks[0], "kml_geometry") else []
    stamped = [m for m in marks if getattr(m, "times", None) is not None]
    assert stamped, "intercepts carry a TimeStamp"
    del tracks
    coverage = next(f for f in doc.features if f.name == "Coverage")
    depth = 0
    node = coverage
    while getattr(node, "features", None) and isinstance(node.features[0], Folder):
        node, depth = node.features[0], depth + 1
    assert depth == 4 and node.name.endswith("m AGL")
    text = out.read_text(encoding="utf-8")
    assert text.count("<gx:Track") == n_paths and "<when>2020-01-02T02:00:00.000Z</when>" in text
    assert text.count("<TimeStamp>") == len(layers.layers["intercepts"]) > 0
    assert len(folders) >= 4


def test_kml_threat_track_is_timestamped_from_the_epoch(expect, small_run, layers, tmp_path):
    from lxml import etree

    out = export_run(small_run.dir, tmp_path / "run.kml", "kml")
    ns = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}
    root = etree.parse(str(out))
    truth = pd.read_parquet(small_run.dir / "truth.parquet")
    first = truth[truth["active"]].sort_values(["threat_id", "t_s"]).iloc[0]
    pm = root.xpath("//k:Placemark[k:name=$n]", namespaces=ns, n=first["threat"])[0]
    when = pm.xpath(".//k:when", namespaces=ns)[0].text
    coord = [float(v) for v in pm.xpath(".//gx:coord", namespaces=ns)[0].text.split()]
    assert when == (expect.epoch + datetime.timedelta(seconds=float(first["t_s"]))).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert coord == pytest.approx([first["lon_deg"], first["lat_deg"], first["alt_msl_m"]], abs=1e-6)


def test_kmz_is_a_zip_with_doc_kml(small_run, tmp_path):
    from fastkml import KML

    out = export_run(small_run.dir, tmp_path / "run.kmz", "kmz")
    with zipfile.ZipFile(out) as z:
        kml_name = next(n for n in z.namelist() if n.endswith(".kml"))
        assert kml_name == "doc.kml"
        (tmp_path / "doc.kml").write_bytes(z.read(kml_name))
    doc = KML.parse(tmp_path / "doc.kml")
    plain = KML.parse(export_run(small_run.dir, tmp_path / "run.kml", "kml"))
    assert [f.name for f in doc.features[0].features] == [f.name for f in plain.features[0].features]


# ----------------------------------------------------------------------------- CZML
def test_czml_parses_back_with_czml3_and_is_well_formed(expect, small_run, layers, tmp_path):
    from czml3 import Packet

    out = export_run(small_run.dir, tmp_path / "run.czml", "czml")
    packets = json.loads(out.read_text(encoding="utf-8"))
    for p in packets:
        Packet.model_validate(p)
    assert packets[0]["id"] == "document" and packets[0]["version"] == "1.0"
    ids = [p["id"] for p in packets]
    assert len(ids) == len(set(ids))
    clock = packets[0]["clock"]
    start, end = (datetime.datetime.fromisoformat(x.replace("Z", "+00:00")) for x in clock["interval"].split("/"))
    assert start == expect.epoch and end > start and clock["currentTime"].startswith("2020-01-02T02:00:00")
    timed = [p for p in packets if "availability" in p]
    assert len(timed) == len(layers.paths) > 0
    for p in timed:
        a, b = (datetime.datetime.fromisoformat(x.replace("Z", "+00:00")) for x in p["availability"].split("/"))
        assert start <= a <= b <= end + datetime.timedelta(seconds=1)
        assert p["position"]["epoch"] == p["availability"].split("/")[0]
        assert len(p["position"]["cartographicDegrees"]) % 4 == 0
    kinds = {p["id"].split("/")[0] for p in packets}
    assert {"threat", "track", "shot", "site", "asset", "coverage"} <= kinds


def test_czml_positions_are_in_the_right_place(expect, small_run, tmp_path):
    out = export_run(small_run.dir, tmp_path / "run.czml", "czml")
    packets = {p["id"]: p for p in json.loads(out.read_text(encoding="utf-8"))}
    site = packets["site/0"]["position"]["cartographicDegrees"]
    assert site[:2] == pytest.approx([expect.site[1], expect.site[0]])
    asset = packets["asset/0"]["position"]["cartographicDegrees"]
    assert asset[:2] == pytest.approx([expect.asset[1], expect.asset[0]])
    truth = pd.read_parquet(small_run.dir / "truth.parquet")
    t0 = truth[(truth["threat_id"] == 0) & truth["active"]].sort_values("t_s")
    samples = np.array(packets["threat/0"]["position"]["cartographicDegrees"]).reshape(-1, 4)
    assert samples[0, 1:] == pytest.approx(t0[["lon_deg", "lat_deg", "alt_msl_m"]].iloc[0].to_numpy(), abs=1e-5)
    assert samples[-1, 1:] == pytest.approx(t0[["lon_deg", "lat_deg", "alt_msl_m"]].iloc[-1].to_numpy(), abs=1e-5)
    shots = pd.read_csv(small_run.dir / "shots.csv")
    s0 = shots.iloc[0]
    fly = np.array(packets["shot/0"]["position"]["cartographicDegrees"]).reshape(-1, 4)
    assert fly[0, 1:3] == pytest.approx([expect.site[1], expect.site[0]])  # from the launcher's site …
    assert fly[-1, 1:] == pytest.approx([s0.true_lon_deg, s0.true_lat_deg, s0.true_alt_msl_m], abs=1e-5)  # … to the kill
    assert fly[-1, 0] - fly[0, 0] == pytest.approx(s0.t_intercept_s - s0.t_launch_s)


# ----------------------------------------------------------------------------- GeoPackage / GeoParquet
def test_geopackage_opens_with_pyogrio_in_epsg4326_around_the_demo(expect, small_run, tmp_path):
    import pyogrio

    out = export_run(small_run.dir, tmp_path / "run.gpkg", "gpkg")
    names = {row[0] for row in pyogrio.list_layers(out)}
    assert {"coverage", "routes", "tracks", "detections", "intercepts", "sites", "assets"} <= names
    for name in names:
        info = pyogrio.read_info(out, layer=name)
        assert info["crs"] == "EPSG:4326", name
        x0, y0, x1, y1 = info["total_bounds"]
        reach = 8.0 if name == "detections" else 3.5  # coverage: 260 km; clutter plots: the 600 km radar
        lat, lon = expect.site
        assert lon - reach < x0 <= x1 < lon + reach and lat - reach < y0 <= y1 < lat + reach, (name, (x0, y0, x1, y1))
    sites = pyogrio.read_dataframe(out, layer="sites")
    assert sites.geometry.iloc[0].x == pytest.approx(expect.site[1]) and sites["name"].iloc[0] == "S"


def test_geoparquet_reads_back_with_geopandas(expect, small_run, tmp_path):
    import geopandas as gpd

    out = export_run(small_run.dir, tmp_path / "gp", "geoparquet")
    files = {p.stem for p in out.glob("*.parquet")}
    assert {"coverage", "routes", "tracks", "detections", "intercepts", "sites", "assets"} <= files
    for name in files:
        gdf = gpd.read_parquet(out / f"{name}.parquet")
        assert gdf.crs.to_epsg() == 4326 and len(gdf), name
    inter = gpd.read_parquet(out / "intercepts.parquet")
    shots = pd.read_csv(small_run.dir / "shots.csv")
    assert inter["t_intercept_utc"].iloc[0] == pd.Timestamp(expect.epoch) + pd.to_timedelta(shots["t_intercept_s"].iloc[0], "s")
    cov = gpd.read_parquet(out / "coverage.parquet")
    assert set(cov.geom_type) == {"MultiPolygon"} and set(cov["altitude_m"]) == {1000.0, 5000.0}


def test_in_memory_results_export(expect, tmp_path):
    import iadsim
    from iadsim.export import export_results

    scen = tmp_path / "s.yaml"
    scen.write_text(expect.scenario, encoding="utf-8")
    res = iadsim.run(str(scen))
    out = export_results(res, tmp_path / "mem.czml", "czml")
    packets = json.loads(out.read_text(encoding="utf-8"))
    assert packets[0]["clock"]["currentTime"].startswith("2020-01-02T02:00:00")
    assert any(p["id"].startswith("threat/") for p in packets)
    # the in-memory tables carry the same UTC columns as the files
    epoch = pd.Timestamp(expect.epoch)
    b, tr = res.battle, res.tracking
    ok = b.outcomes["end_time_s"].notna()
    for df, sec, utc in ((b.events, "t_s", "t_utc"), (b.shots, "t_launch_s", "t_launch_utc"),
                         (b.outcomes[ok], "end_time_s", "t_utc"), (tr.tracks, "t_s", "t_utc"),
                         (tr.truth, "t_s", "t_utc"), (tr.detections, "t_s", "t_utc")):
        assert len(df)
        got = (df[utc] - epoch).dt.total_seconds().to_numpy()
        assert got == pytest.approx(df[sec].to_numpy(float), abs=1e-3), utc


def test_a_coverage_only_run_exports_planned_routes(expect, tmp_path):
    import geopandas as gpd

    from iadsim.api import run_coverage

    scen = tmp_path / "s.yaml"
    scen.write_text(expect.scenario, encoding="utf-8")
    run_coverage(str(scen), tmp_path / "cov", figures=False)
    out = export_run(tmp_path / "cov", tmp_path / "gp", "geoparquet")
    assert {p.stem for p in out.glob("*.parquet")} == {"coverage", "routes", "sites", "assets"}
    routes = gpd.read_parquet(out / "routes.parquet")
    assert routes["planned"].all() and list(routes.geometry.iloc[0].coords)[0][:2] == (32.6, 41.5)
    packets = json.loads(export_run(tmp_path / "cov", tmp_path / "c.czml", "czml").read_text(encoding="utf-8"))
    assert packets[0]["id"] == "document" and not any("availability" in p for p in packets)
