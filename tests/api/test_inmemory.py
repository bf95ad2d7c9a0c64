"""The in-memory API (issue 11, item 1): results as xarray/pandas/GeoPandas objects with no output
folder, ``to_folder`` writing what the CLI writes, short reprs, a curated ``iadsim.__all__``."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iadsim
from iadsim.cli.main import main

from ..conftest import small_scenario_yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"

SMALL = small_scenario_yaml("api test", engagement="{doctrine: shoot-look-shoot, salvo_size: 2, tracking: tracker}")


def _horizon_km(h_radar_m: float, h_target_m: float) -> float:
    """Radar horizon on the 4/3 earth: d ≈ 4.12 (√h_r + √h_t) km, heights in metres (Skolnik,
    *Introduction to Radar Systems*, 3rd ed., §8.2; 4.12 = √(2·(4/3)·6371 km)/√1000)."""
    return 4.12 * (math.sqrt(h_radar_m) + math.sqrt(h_target_m))


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("scen") / "small.yaml"
    p.write_text(SMALL)
    return p


@pytest.fixture(scope="module")
def analysis(small) -> iadsim.Analysis:
    return iadsim.run(small)


# ----------------------------------------------------------------------------- notebook-style
def test_mast_height_moves_the_30m_reach_as_the_horizon_rule_says_all_in_memory(tmp_path, monkeypatch):
    """Load the demo, raise the 96L6E mast from 25 m to 40 m, recompute coverage in memory: on the
    smooth 4/3 earth the 30 m detection reach is 4.12(√h_r + √h_t) km (Skolnik §8.2) within one
    500 m cell at both heights, so it grows by 4.12(√40 − √25) ≈ 5.4 km; on the demo's terrain it
    grows in the median and shrinks in no sector, and the other radars do not move. Nothing is
    written anywhere (the run happens in an empty working directory)."""
    monkeypatch.chdir(tmp_path)
    sc = iadsim.load_scenario(DEMO)
    base = sc.with_({"coverage.threat_classes": ["cruise_missile"], "coverage.altitudes_m": [30]})
    smooth = base.with_({"environment.dem": None, "environment.surface": "land", "coverage.cell_m": 500})
    reach: dict[tuple[str, float], pd.DataFrame] = {}
    for label, scen in (("smooth", smooth), ("terrain", base)):
        for mast in (25.0, 40.0):
            edited = scen.copy()
            edited.sites["Murted"].radars[2].mast_m = mast  # the 96L6E
            assert edited.sites["Murted"].radars[2].equipment == "96L6E"
            ds = iadsim.coverage(edited)
            assert float(ds["radar_mast_m"].sel(radar="Murted/96L6E")) == mast
            rings = iadsim.range_rings(ds)
            reach[(label, mast)] = rings[rings["product"] == "detection"].set_index(["radar", "sector_from_deg"])
    assert sc.sites["Murted"].radars[2].mast_m == 25  # copies were edited, not the loaded scenario
    cell_km = 0.5 * math.sqrt(2)
    for mast in (25.0, 40.0):
        r = reach[("smooth", mast)].loc["96L6E", "reach_km"]
        assert np.all(np.abs(r - _horizon_km(mast, 30.0)) <= cell_km), (mast, r.min(), r.max())
    growth = (reach[("smooth", 40.0)].loc["96L6E", "reach_km"] - reach[("smooth", 25.0)].loc["96L6E", "reach_km"])
    expected = _horizon_km(40.0, 30.0) - _horizon_km(25.0, 30.0)
    assert abs(float(np.median(growth)) - expected) <= cell_km, (float(np.median(growth)), expected)
    lo, hi = reach[("terrain", 25.0)], reach[("terrain", 40.0)]
    assert np.all(hi.loc["96L6E", "reach_km"].to_numpy() >= lo.loc["96L6E", "reach_km"].to_numpy() - 1e-9)
    assert np.median(hi.loc["96L6E", "reach_km"]) > np.median(lo.loc["96L6E", "reach_km"])
    for other in ("91N6E", "92N6E"):
        np.testing.assert_array_equal(hi.loc[other, "reach_km"], lo.loc[other, "reach_km"])
    assert list(tmp_path.iterdir()) == []


def test_coverage_dataset_round_trips_through_netcdf_and_rioxarray(analysis, tmp_path):
    import rioxarray
    import xarray as xr

    ds = analysis.coverage
    assert set(ds["pd"].dims) == {"site", "class", "altitude", "y", "x"}
    assert {"pd", "detection", "track", "engagement", "radar_detection", "valid"} <= set(ds.data_vars)
    assert ds.rio.crs is not None and ds.attrs["pd_threshold"] == 0.5 and ds["pd"].attrs["units"] == "1"
    assert "k_factor" in ds.attrs and ds.attrs["sources"]
    path = tmp_path / "coverage.nc"
    ds.to_netcdf(path)
    back = xr.open_dataset(path, decode_coords="all")
    assert back.rio.crs == ds.rio.crs
    assert back.rio.transform() == ds.rio.transform()
    for name in ("pd", "detection", "engagement", "radar_detection"):
        assert back[name].dtype == ds[name].dtype
        xr.testing.assert_equal(back[name].load(), ds[name])
    pd.testing.assert_frame_equal(iadsim.range_rings(back, summary=True), analysis.range_ring_summary)
    tif = tmp_path / "pd.tif"
    back["pd"].isel(site=0, altitude=0, **{"class": 0}).rio.to_raster(tif)
    raster = rioxarray.open_rasterio(tif)
    assert raster.rio.crs == ds.rio.crs and raster.rio.transform() == ds.rio.transform()
    terrain = rioxarray.open_rasterio(path, variable="terrain_m")
    assert terrain.rio.crs == ds.rio.crs


def test_reprs_are_short_and_html_exists(analysis, small):
    objects = [analysis, analysis.tracking, analysis.battle, iadsim.load_scenario(small)]
    for obj in objects:
        text = repr(obj)
        assert len(text) < 1000 and "\n" not in text, text
        assert "<" in obj._repr_html_()
    assert "killed" in repr(analysis.battle) and "tracked" in repr(analysis.tracking)


# ----------------------------------------------------------------------------- to_folder
def test_to_folder_writes_the_files_iadsim_run_writes(analysis, small, tmp_path):
    cli = tmp_path / "cli"
    assert main(["run", str(small), "-o", str(cli)]) == 0
    mem = analysis.to_folder(tmp_path / "mem")
    assert _files(mem) == _files(cli)
    for name in ("outcomes.csv", "shots.csv", "expended.csv", "range_ring_vs_physics.csv"):
        assert (mem / name).read_bytes() == (cli / name).read_bytes(), name
    for name in ("events.parquet", "tracks.parquet", "detections.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(mem / name), pd.read_parquet(cli / name))
    m_mem, m_cli = (json.loads((d / "metrics.json").read_text()) for d in (mem, cli))
    assert m_mem["battle"]["killed"] == m_cli["battle"]["killed"] and m_mem["tracking"] == {
        **m_cli["tracking"], **{k: m_mem["tracking"][k] for k in m_mem["tracking"] if "timing" in k}}


def test_to_folder_of_coverage_and_track_match_their_commands(small, tmp_path):
    cov = iadsim.run(small, jobs="coverage")
    assert cov.tracking is None and cov.battle is None
    assert main(["coverage", str(small), "-o", str(tmp_path / "c_cli")]) == 0
    assert _files(cov.to_folder(tmp_path / "c_mem")) == _files(tmp_path / "c_cli")
    tr = iadsim.track(small)
    assert main(["track", str(small), "-o", str(tmp_path / "t_cli")]) == 0
    out = tr.to_folder(tmp_path / "t_mem")
    assert _files(out) == _files(tmp_path / "t_cli")
    for name in ("detections", "tracks", "truth", "gospa"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"),
                                      pd.read_parquet(tmp_path / "t_cli" / f"{name}.parquet"))
        pd.testing.assert_frame_equal(getattr(tr, name), pd.read_parquet(out / f"{name}.parquet"))
    b = iadsim.battle(small)
    files = _files(b.to_folder(tmp_path / "b_mem"))
    assert {"events.parquet", "outcomes.csv", "shots.csv", "expended.csv", "metrics.json", "report.html"} <= set(files)


# ----------------------------------------------------------------------------- tables
def test_tables_are_dataframes_from_the_results_arrays(analysis, tmp_path):
    import geopandas as gpd

    b, t = analysis.battle, analysis.tracking
    n = b.result.n_threats
    assert len(b.outcomes) == n and set(b.outcomes["outcome"]) <= {"killed", "leaked", "survived"} | set(
        np.asarray(b.result.status).astype(str))
    assert len(b.shots) == b.metrics["shots"] and set(b.result.shots) <= set(b.shots.columns)
    assert b.expended["expended"].sum() == b.metrics["shots"]
    assert len(b.events) == len(b.result.events["t_s"])
    assert isinstance(b.intercepts, gpd.GeoDataFrame) and b.intercepts.crs.to_epsg() == 4326
    assert len(b.routes) == n and (b.routes.geom_type == "LineString").all()
    kill = b.intercepts[b.intercepts["outcome"] == "kill"]
    assert len(kill) == b.metrics["killed"] and kill.geometry.notna().all()
    assert isinstance(t.tracks, pd.DataFrame) and {"track_id", "lat_deg", "lon_deg", "truth_id"} <= set(t.tracks)
    assert t.track_lines["track_id"].nunique() == t.tracks["track_id"].nunique()
    assert (t.track_lines.geom_type == "LineString").any() and t.track_lines.crs.to_epsg() == 4326
    assert (t.detections["truth_id"] == -1).sum() == t.metrics["clutter_plots"]
    polys = analysis.coverage_polygons("engagement")
    assert len(polys) == 1 and polys.crs.to_epsg() == 4326 and polys["area_km2"].iloc[0] > 0
    assert polys.geometry.iloc[0].contains(gpd.points_from_xy([32.5], [40.3])[0])
    assert analysis.metrics["battle"] == b.metrics and analysis.metrics["tracking"] == t.metrics


def test_range_rings_from_the_dataset_equal_the_in_memory_table(analysis):
    from_ds = iadsim.range_rings(analysis.coverage)
    pd.testing.assert_frame_equal(from_ds, analysis.range_rings)
    assert set(from_ds["product"]) == {"detection", "track", "engagement"}
    assert set(from_ds.loc[from_ds["product"] == "detection", "radar"]) == {"92N6E", "91N6E"}
    with pytest.raises(iadsim.IadsimError):
        iadsim.range_rings("not a dataset")


# ----------------------------------------------------------------------------- editing
def test_editing_by_path_and_by_attribute(small):
    sc = iadsim.load_scenario(small)
    assert sc.sites["S"].radars[0].mast_m == 20 and sc.engagement.salvo_size == 2
    edited = sc.with_({"sites[S].radars[0].mast_m": 40, "engagement.salvo_size": 1, "threats[0].count": 2,
                       "sites[S].launchers[0].count": 4, "tracking.filter": "ukf"})
    assert sc.sites["S"].radars[0].mast_m == 20 and not sc.edited
    loaded = edited.validate().scenario
    assert (loaded.sites[0].radars[0].mast_m, loaded.engagement.salvo_size, loaded.threats[0].count,
            loaded.sites[0].launchers[0].count, loaded.tracking.filter) == (40, 1, 2, 4, "ukf")
    assert sc.tracking.filter == "ekf"  # an omitted block reads as its defaults
    sc.threats["F"]["class"] = "lo_fighter"
    assert sc.validate().scenario.threats[0].threat_class == "lo_fighter"
    again = iadsim.load_scenario(edited.to_dict())
    assert again.validate().scenario == loaded
    assert iadsim.load_scenario(small).get("sites[0].radars[1].equipment") == "91N6E"


def test_overrides_read_values_as_yaml(small):
    sc = iadsim.load_scenario(small)
    edited = sc.with_overrides(["engagement.salvo_size=1", "sites[S].launchers[0].load={48N6E2: 2}",
                                "coverage.altitudes_m=[30, 300]", "sites[S].radars[1].mast_m=12.5",
                                "engagement.tracking=perfect"])
    loaded = edited.validate().scenario
    assert loaded.engagement.salvo_size == 1 and loaded.sites[0].launchers[0].load == {"48N6E2": 2}
    assert loaded.coverage.altitudes_m == [30, 300] and loaded.sites[0].radars[1].mast_m == 12.5
    assert loaded.engagement.tracking == "perfect"
    for bad, word in (("engagement.salvo_size", "PATH=VALUE"), ("=3", "PATH=VALUE"),
                      ("coverage.altitudes_m=[30,", "not valid YAML"), ("engagement..x=1", "cannot read the path")):
        with pytest.raises(iadsim.errors.ScenarioError, match=re.escape(word)) as err:
            sc.with_overrides([bad])
        assert "\n" not in str(err.value)


@pytest.mark.parametrize(("path", "words"), [
    ("sites[S].radars[0].mastm", ["sites[0].radars[0].mastm", "did you mean 'mast_m'"]),
    ("sites[Murted].radars[0].mast_m", ["no site named 'Murted'", "names: S"]),
    ("engagment.salvo_size", ["did you mean 'engagement'"]),
    ("threats[5].count", ["index 5 is out of range"]),
    ("sites[S].radars.mast_m", ["is a list"]),
    ("sites[S]radars", ["cannot read the path"]),
])
def test_unknown_paths_are_one_line_errors_with_a_hint(small, path, words):
    sc = iadsim.load_scenario(small)
    with pytest.raises(iadsim.errors.ScenarioError) as err:
        sc.with_({path: 1})
    text = str(err.value)
    assert "\n" not in text and all(w in text for w in words), text


def test_validation_errors_are_located_in_the_file_or_by_field_path(small, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("mast_m: 20", "mast_m: -20"))
    with pytest.raises(iadsim.errors.ScenarioError) as err:
        iadsim.load_scenario(bad)
    assert str(err.value).startswith(f"{bad}:7:") and "sites[0].radars[0].mast_m" in str(err.value)
    sc = iadsim.load_scenario(small)
    sc.sites["S"].radars[0].mast_m = -5  # edited: no file line; its field path says where
    with pytest.raises(iadsim.errors.ScenarioError) as err:
        sc.validate()
    assert str(err.value).startswith(f"{small}: sites[0].radars[0].mast_m: ")
    sc.sites["S"].radars[0].mast_m = 20
    sc.run.seed = -1  # an unedited neighbour keeps its file position
    with pytest.raises(iadsim.errors.ScenarioError, match=r"run\.seed"):
        sc.validate()
    data = iadsim.load_scenario(small).to_dict()
    data["engagement"]["salvo_size"] = 99
    with pytest.raises(iadsim.errors.ScenarioError) as err:
        iadsim.load_scenario(data)
    assert str(err.value).startswith("<dict>: engagement.salvo_size: ") and "\n" not in str(err.value)


def test_relative_dem_resolves_against_the_file_or_the_working_directory(tmp_path, monkeypatch):
    terrain = DEMO.parent / "terrain" / "globe-ankara.tif"
    data = iadsim.load_scenario(DEMO).to_dict()
    assert data["environment"]["dem"] == "terrain/globe-ankara.tif"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(iadsim.errors.ScenarioError, match="environment.dem"):
        iadsim.load_scenario(data)  # relative to the working directory, where it is not
    monkeypatch.chdir(DEMO.parent)
    sc = iadsim.load_scenario(data)
    assert sc.validate().dem_path.resolve() == terrain.resolve()
    monkeypatch.chdir(tmp_path)
    assert sc.validate().dem_path.resolve() == terrain.resolve()  # fixed at load time
    out = tmp_path / "elsewhere" / "copy.yaml"
    out.parent.mkdir()
    sc.to_yaml(out)  # a relative DEM path is rewritten to stay valid from the new folder
    assert iadsim.load_scenario(out).validate().dem_path.resolve() == terrain.resolve()


def test_public_names_resolve_and_the_coverage_package_still_works():
    for name in iadsim.__all__:
        assert getattr(iadsim, name) is not None, name
    import iadsim.coverage.compute as compute

    assert callable(iadsim.coverage) and iadsim.coverage.compute is compute
    assert {"load_scenario", "coverage", "track", "battle", "run", "load_catalog", "errors",
            "__version__"} <= set(iadsim.__all__)
    assert os.fspath(Path(iadsim.__file__).parent).endswith("iadsim")


def test_two_sites_share_one_grid_with_a_site_dimension(small):
    """Sites 100 km apart: the Dataset spans the union of their windows on the one DEM grid, each
    site's cells sit where its own window put them (the range-ring table from the Dataset equals the
    one from the per-site arrays; each site's nearest cell is at its own position), and products of
    one site do not leak into the other's slice."""
    from pyproj import CRS, Transformer

    data = iadsim.load_scenario(small).to_dict()
    data["sites"].append(dict(data["sites"][0], name="T", lon_deg=33.7, launchers=[]))
    data["coverage"]["max_range_km"] = 150
    a = iadsim.run(data, jobs="coverage")
    ds = a.coverage
    assert list(ds["site"].values) == ["S", "T"] and ds.sizes["radar"] == 4
    pd.testing.assert_frame_equal(iadsim.range_rings(ds), a.range_rings)
    to_ll = Transformer.from_crs(CRS.from_wkt(ds.rio.crs.to_wkt()), "EPSG:4326", always_xy=True)
    cell_m = abs(ds.rio.transform().a)
    for site in ("S", "T"):
        gr = ds["ground_range_m"].sel(site=site).values
        iy, ix = np.unravel_index(int(np.nanargmin(gr)), gr.shape)
        lon, lat = to_ll.transform(float(ds["x"][ix]), float(ds["y"][iy]))
        assert abs(lon - float(ds["site_lon_deg"].sel(site=site))) * 85e3 < cell_m
        assert abs(lat - float(ds["site_lat_deg"].sel(site=site))) * 111e3 < cell_m
        assert gr[iy, ix] < cell_m and ds["valid"].sel(site=site).values[iy, ix]
    assert int(ds["engagement"].sel(site="T").sum()) == 0 and int(ds["engagement"].sel(site="S").sum()) > 0
    assert (ds["valid"].sel(site="S") & ~ds["valid"].sel(site="T")).any()
    assert (ds["valid"].sel(site="T") & ~ds["valid"].sel(site="S")).any()
