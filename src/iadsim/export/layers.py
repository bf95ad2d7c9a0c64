"""Read a finished run folder (``iadsim run``/``coverage``/``track``/``battle``) into GIS layers.

Every layer is a ``geopandas.GeoDataFrame`` in EPSG:4326 (lon, lat, height in metres: MSL for
truth, tracks, detections and intercepts; above the ``altitude_ref`` of the run for coverage).
Layers a run did not produce are empty. Time-dynamic objects (threat truth, tracks, interceptor
fly-outs) are also kept as :class:`Path4D` samples for the KML time slider and Cesium.

Layers: ``coverage`` (MultiPolygon per site × product × class × altitude), ``routes`` (the truth
path of each threat as flown, or the planned route when the run has no truth table), ``tracks``
(one line per track id), ``detections`` (plot points), ``intercepts`` (true target position at
each shot's intercept time), ``sites``, ``assets``.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.errors import InputError, one_line

CRS = "EPSG:4326"
LAYERS = ("coverage", "routes", "tracks", "detections", "intercepts", "sites", "assets")
PRODUCTS = ("detection", "track", "engagement")


@dataclass
class Path4D:
    """One moving object: times (s from the epoch) and WGS84 positions (degrees, metres MSL)."""

    id: str
    name: str
    kind: str  # "threat", "track" or "flyout"
    t_s: np.ndarray
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    alt_m: np.ndarray
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunLayers:
    """The GIS layers of one run folder, its epoch and its time-dynamic paths."""

    source: Path
    name: str
    epoch_utc: datetime.datetime
    t_end_s: float
    layers: dict[str, Any]
    paths: list[Path4D]
    altitude_ref: str = "agl"

    def utc(self, t_s: float) -> datetime.datetime:
        return self.epoch_utc + datetime.timedelta(seconds=float(t_s))

    def iso(self, t_s: float) -> str:
        return self.utc(t_s).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ----------------------------------------------------------------------------- entry
def read_run(run_dir: str | Path, *, path_step_s: float = 5.0) -> RunLayers:
    """Read ``run_dir`` (a folder written by ``iadsim run``) into layers; a missing folder or one
    that is not an iadsim run is a one-line :class:`~iadsim.errors.InputError`. Paths are thinned
    to one sample per ``path_step_s`` (the last sample always kept)."""
    root = Path(run_dir)
    manifest = _manifest(root)
    epoch = _epoch(manifest, root)
    places = _places(manifest, root)
    truth_paths, routes = _truth(root, epoch, places, path_step_s)
    track_paths, tracks = _tracks(root, epoch, path_step_s)
    flyouts, intercepts = _shots(root, epoch, places)
    layers = {
        "coverage": _coverage(root), "routes": routes, "tracks": tracks, "detections": _detections(root, epoch),
        "intercepts": intercepts, "sites": _points(places.get("sites", []), ("radars", "launchers", "ground_alt_m")),
        "assets": _points(places.get("defended_assets", []), ("value",)),
    }
    paths = truth_paths + track_paths + flyouts
    t_end = max([float(p.t_s[-1]) for p in paths if len(p.t_s)] + [0.0])
    return RunLayers(root, str(manifest.get("scenario", root.name)), epoch, t_end, layers, paths,
                     str(manifest.get("altitude_ref", "agl")))


def _manifest(root: Path) -> dict[str, Any]:
    if not root.exists():
        raise InputError("run folder not found; give a folder written by 'iadsim run'", file=one_line(root))
    if not root.is_dir():
        raise InputError("not a folder; give a folder written by 'iadsim run'", file=one_line(root))
    path = root / "manifest.json"
    if not path.is_file():
        raise InputError("not an iadsim run folder (no manifest.json); give a folder written by 'iadsim run'",
                         file=one_line(root))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"manifest.json is not readable JSON ({one_line(exc, 80)}); is this an iadsim run?",
                         file=one_line(path)) from None
    if not isinstance(data, dict) or "iadsim_version" not in data:
        raise InputError("manifest.json is not an iadsim run manifest (no iadsim_version)", file=one_line(path))
    return data


def _epoch(manifest: dict[str, Any], root: Path) -> datetime.datetime:
    from iadsim.scenario.models import DEMO_EPOCH_UTC, parse_epoch_utc

    text = manifest.get("epoch_utc")
    if text is None:
        return DEMO_EPOCH_UTC
    try:
        return parse_epoch_utc(text)
    except ValueError as exc:
        raise InputError(str(exc), file=one_line(root / "manifest.json"), field="epoch_utc") from None


def _places(manifest: dict[str, Any], root: Path) -> dict[str, Any]:
    """Sites, assets and routes from the manifest, or (older runs) from the scenario file it names."""
    if isinstance(manifest.get("places"), dict):
        return manifest["places"]
    scenario = Path(str(manifest.get("scenario", "")))
    for candidate in (scenario, root / scenario, root.parent / scenario):
        if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
            from iadsim.api._staging import scenario_places
            from iadsim.scenario import load_scenario

            return scenario_places(load_scenario(candidate))
    return {}


# ----------------------------------------------------------------------------- helpers
def _gdf(records: list[dict[str, Any]], geoms: list[Any], columns: tuple[str, ...] = ()) -> Any:
    import geopandas as gpd

    if not records:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    return gpd.GeoDataFrame(records, geometry=geoms, crs=CRS)


def _utc_col(epoch: datetime.datetime, seconds: Any) -> Any:
    import pandas as pd

    from iadsim.api._common import utc_times

    return pd.to_datetime(utc_times(epoch, np.asarray(seconds, float))).tz_localize("UTC")


def _thin(t: np.ndarray, step_s: float) -> np.ndarray:
    """Indices of samples at least ``step_s`` apart, first and last always kept."""
    if len(t) <= 2 or step_s <= 0:
        return np.arange(len(t))
    keep = np.unique(np.searchsorted(t, np.arange(t[0], t[-1], step_s)))
    return np.unique(np.append(keep, len(t) - 1))


def _read_parquet(path: Path) -> Any | None:
    if not path.is_file():
        return None
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(f"cannot read this table ({one_line(exc, 80)})", file=one_line(path)) from None


def _read_csv(path: Path) -> Any | None:
    if not path.is_file():
        return None
    import pandas as pd

    try:
        return pd.read_csv(path, keep_default_na=True)
    except Exception as exc:
        raise InputError(f"cannot read this table ({one_line(exc, 80)})", file=one_line(path)) from None


# ----------------------------------------------------------------------------- layers
def _coverage(root: Path) -> Any:
    from shapely.geometry import MultiPolygon, shape

    records, geoms = [], []
    for product in PRODUCTS:
        path = root / "coverage" / f"{product}.geojson"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read this GeoJSON ({one_line(exc, 80)})", file=one_line(path)) from None
        for feat in data.get("features", []):
            if not feat.get("geometry"):
                continue
            g = shape(feat["geometry"])
            geoms.append(g if g.geom_type == "MultiPolygon" else MultiPolygon([g]))
            records.append(dict(feat.get("properties") or {}, product=product))
    return _gdf(records, geoms, ("site", "product", "threat_class", "altitude_m"))


def _truth(root: Path, epoch: datetime.datetime, places: dict[str, Any],
           step_s: float) -> tuple[list[Path4D], Any]:
    from shapely.geometry import LineString

    df = _read_parquet(root / "truth.parquet")
    if df is None:
        return [], _planned_routes(places)
    if "active" in df.columns:
        df = df[df["active"]]
    paths, records, geoms = [], [], []
    for tid, g in df.sort_values(["threat_id", "t_s"]).groupby("threat_id", sort=True):
        if len(g) < 2:
            continue
        t = g["t_s"].to_numpy(float)
        lon, lat, alt = (g[c].to_numpy(float) for c in ("lon_deg", "lat_deg", "alt_msl_m"))
        name, cls = str(g["threat"].iloc[0]), str(g["class"].iloc[0])
        keep = _thin(t, step_s)
        paths.append(Path4D(f"threat/{tid}", name, "threat", t[keep], lon[keep], lat[keep], alt[keep],
                            {"class": cls}))
        records.append({"threat_id": int(tid), "threat": name, "class": cls, "t_start_s": t[0], "t_end_s": t[-1]})
        geoms.append(LineString(np.column_stack([lon[keep], lat[keep], alt[keep]])))
    gdf = _gdf(records, geoms, ("threat_id", "threat", "class", "t_start_s", "t_end_s"))
    if len(gdf):
        gdf["t_start_utc"], gdf["t_end_utc"] = _utc_col(epoch, gdf["t_start_s"]), _utc_col(epoch, gdf["t_end_s"])
    return paths, gdf


def _planned_routes(places: dict[str, Any]) -> Any:
    from shapely.geometry import LineString

    records, geoms = [], []
    for r in places.get("threat_routes", []):
        pts = [(w[0], w[1], w[2]) for w in r.get("route", [])]
        if len(pts) >= 2:
            records.append({"threat": r.get("name", ""), "class": r.get("class", ""), "count": r.get("count", 1),
                            "planned": True})
            geoms.append(LineString(pts))
    return _gdf(records, geoms, ("threat", "class"))


def _tracks(root: Path, epoch: datetime.datetime, step_s: float) -> tuple[list[Path4D], Any]:
    from shapely.geometry import LineString

    df = _read_parquet(root / "tracks.parquet")
    if df is None or not len(df):
        return [], _gdf([], [], ("track_id", "truth_id", "t_start_s", "t_end_s"))
    paths, records, geoms = [], [], []
    df = df.sort_values(["track_id", "t_s"]).drop_duplicates(["track_id", "t_s"], keep="last")
    for tid, g in df.groupby("track_id", sort=True):
        t = g["t_s"].to_numpy(float)
        lon, lat, alt = (g[c].to_numpy(float) for c in ("lon_deg", "lat_deg", "alt_msl_m"))
        truth = int(g["truth_id"].mode().iloc[0]) if "truth_id" in g else -1
        if len(g) >= 2:
            keep = _thin(t, step_s)
            paths.append(Path4D(f"track/{tid}", f"track {tid}", "track", t[keep], lon[keep], lat[keep], alt[keep],
                                {"truth_id": truth}))
            geoms.append(LineString(np.column_stack([lon[keep], lat[keep], alt[keep]])))
            records.append({"track_id": int(tid), "truth_id": truth, "t_start_s": t[0], "t_end_s": t[-1],
                            "updates": len(g)})
    gdf = _gdf(records, geoms, ("track_id", "truth_id", "t_start_s", "t_end_s"))
    if len(gdf):
        gdf["t_start_utc"], gdf["t_end_utc"] = _utc_col(epoch, gdf["t_start_s"]), _utc_col(epoch, gdf["t_end_s"])
    return paths, gdf


def _detections(root: Path, epoch: datetime.datetime) -> Any:
    import geopandas as gpd

    df = _read_parquet(root / "detections.parquet")
    cols = ("t_s", "radar", "is_clutter", "truth_id")
    if df is None or not len(df) or "lat_deg" not in df.columns:  # runs before plots had lat/lon
        return _gdf([], [], cols)
    keep = [c for c in ("t_s", "scan", "radar", "radar_equipment", "range_m", "az_rad", "el_rad", "is_clutter",
                        "truth_id", "alt_msl_m") if c in df.columns]
    out = df[keep].copy()
    out["t_utc"] = _utc_col(epoch, out["t_s"])
    geom = gpd.points_from_xy(df["lon_deg"], df["lat_deg"], df["alt_msl_m"], crs=CRS)
    return gpd.GeoDataFrame(out, geometry=geom, crs=CRS)


def _site_of(launcher: str, sites: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    return sites.get(str(launcher).split("/")[0])


def _shots(root: Path, epoch: datetime.datetime, places: dict[str, Any]) -> tuple[list[Path4D], Any]:
    from shapely.geometry import Point

    df = _read_csv(root / "shots.csv")
    cols = ("shot", "threat", "launcher", "missile", "outcome", "t_launch_s", "t_intercept_s")
    if df is None or not len(df) or "true_lat_deg" not in df.columns:
        return [], _gdf([], [], cols)
    sites = {s["name"]: s for s in places.get("sites", [])}
    flyouts, records, geoms = [], [], []
    for r in df.itertuples(index=False):
        lon, lat, alt = float(r.true_lon_deg), float(r.true_lat_deg), float(r.true_alt_msl_m)
        if not np.isfinite([lon, lat, alt]).all():
            lon, lat, alt = float(r.aim_lon_deg), float(r.aim_lat_deg), float(r.aim_alt_msl_m)
        if not np.isfinite([lon, lat, alt]).all():
            continue
        rec = {c: getattr(r, c) for c in cols + ("pk", "cause", "miss_distance_m") if hasattr(r, c)}
        records.append(rec)
        geoms.append(Point(lon, lat, alt))
        site = _site_of(r.launcher, sites)
        if site is not None:
            h0 = float(site.get("ground_alt_m") or 0.0)
            flyouts.append(Path4D(f"shot/{int(r.shot)}", f"shot {int(r.shot)}: {r.missile} at {r.threat}", "flyout",
                                  np.array([float(r.t_launch_s), float(r.t_intercept_s)]),
                                  np.array([site["lon_deg"], lon]), np.array([site["lat_deg"], lat]),
                                  np.array([h0, alt]), {"outcome": str(r.outcome), "launcher": str(r.launcher)}))
    gdf = _gdf(records, geoms, cols)
    if len(gdf):
        gdf["t_launch_utc"] = _utc_col(epoch, gdf["t_launch_s"])
        gdf["t_intercept_utc"] = _utc_col(epoch, gdf["t_intercept_s"])
    return flyouts, gdf


def _points(items: list[dict[str, Any]], extra: tuple[str, ...]) -> Any:
    from shapely.geometry import Point

    records, geoms = [], []
    for it in items:
        rec = {"name": it.get("name", "")}
        for k in extra:
            v = it.get(k)
            rec[k] = ", ".join(map(str, v)) if isinstance(v, list) else v
        records.append(rec)
        geoms.append(Point(float(it["lon_deg"]), float(it["lat_deg"])))
    return _gdf(records, geoms, ("name",))
