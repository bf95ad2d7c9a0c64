"""Reading run folders for the viewer: manifests, coverage layers as PNG overlays, tables as records."""

from __future__ import annotations

import io
import json
import math
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import HTTPException

PRODUCTS = ("detection", "track", "engagement", "pd")
TABLES = {
    "detections": "detections.parquet", "tracks": "tracks.parquet", "truth": "truth.parquet",
    "events": "events.parquet", "outcomes": "outcomes.csv", "shots": "shots.csv",
    "expended": "expended.csv", "gospa": "gospa.parquet",
}
MAX_ROWS = 200_000
_PNG_CACHE: OrderedDict[tuple, tuple[bytes, list[float]]] = OrderedDict()
_PNG_CACHE_SIZE = 128
_LOCK = threading.Lock()


def read_manifest(run: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HTTPException(422, f"{run.name}/manifest.json: unreadable ({type(exc).__name__})") from None
    if not isinstance(manifest, dict):
        raise HTTPException(422, f"{run.name}/manifest.json: not a JSON object")
    return manifest


def list_runs(root: Path) -> list[dict[str, Any]]:
    out = []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.name.startswith(".") or not (child / "manifest.json").is_file():
            continue
        try:
            m = json.loads((child / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(m, dict):
            continue
        out.append({"name": child.name, "job": m.get("job"), "complete": m.get("complete") is True,
                    "scenario": Path(str(m.get("scenario", ""))).name, "seed": m.get("seed"),
                    "threat_classes": m.get("threat_classes", []), "altitudes_m": m.get("altitudes_m", [])})
    return out


def _scenario_of(manifest: dict[str, Any]):
    """The run's scenario (site positions, launcher loads), or None when its file is gone or invalid."""
    from iadsim.errors import IadsimError
    from iadsim.scenario import load_scenario

    path = manifest.get("scenario")
    if not isinstance(path, str) or not Path(path).is_file():
        return None
    try:
        return load_scenario(path).scenario
    except (IadsimError, OSError):
        return None


def _rings(site, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Nominal rings of a site: each radar's published detection range, each missile's maximum range."""
    rings = [{"kind": "radar", "name": r["equipment"], "range_km": float(r["reference_range_km"])}
             for r in manifest.get("radars", []) if r.get("site") == site.name and "reference_range_km" in r]
    try:
        from iadsim.catalog import load_catalog

        cat = load_catalog()
        missiles = sorted({m for lp in site.launchers for m in (lp.load or {})})
        rings += [{"kind": "missile", "name": m, "range_km": float(cat.missile(m).range_max_km.nominal)}
                  for m in missiles]
    except Exception:  # noqa: BLE001  (a catalog change must not break the viewer; rings are optional)
        pass
    return rings


def run_detail(run: Path) -> dict[str, Any]:
    manifest = read_manifest(run)
    scenario = _scenario_of(manifest)
    sites, assets = [], []
    if scenario is not None:
        sites = [{"name": s.name, "lat_deg": s.lat_deg, "lon_deg": s.lon_deg,
                  "radars": [r.equipment for r in s.radars], "rings": _rings(s, manifest)} for s in scenario.sites]
        assets = [{"name": a.name, "lat_deg": a.lat_deg, "lon_deg": a.lon_deg} for a in scenario.defended_assets]
    tables = [name for name, f in TABLES.items() if (run / f).is_file()]
    return {"name": run.name, "job": manifest.get("job"), "complete": manifest.get("complete") is True,
            "seed": manifest.get("seed"), "threat_classes": manifest.get("threat_classes", []),
            "altitudes_m": manifest.get("altitudes_m", []), "altitude_ref": manifest.get("altitude_ref"),
            "sites": sites, "assets": assets, "layers": coverage_layers(run, manifest), "tables": tables,
            "warnings": manifest.get("warnings", [])}


def coverage_layers(run: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (site, class, product, altitude) with a GeoTIFF band behind it."""
    alts = [float(a) for a in manifest.get("altitudes_m", [])]
    layers = []
    cov = run / "coverage"
    for site_dir in sorted(p for p in cov.iterdir() if p.is_dir()) if cov.is_dir() else []:
        for cls in manifest.get("threat_classes", []):
            for product in PRODUCTS:
                if (site_dir / f"{cls}_{product}.tif").is_file():
                    layers += [{"site": site_dir.name, "threat_class": cls, "product": product, "altitude_m": a}
                               for a in alts]
    return layers


def _colour(product: str, band: np.ndarray) -> np.ndarray:
    """RGBA (uint8) of one band: Pd as a yellow→red ramp, 0/1 products as one translucent colour."""
    rgba = np.zeros(band.shape + (4,), np.uint8)
    valid = np.isfinite(band)
    if product == "pd":
        v = np.clip(np.where(valid, band, 0.0), 0.0, 1.0)
        rgba[..., 0] = 255
        rgba[..., 1] = (230 * (1.0 - v)).astype(np.uint8)
        rgba[..., 2] = 40
        rgba[..., 3] = np.where(valid & (v > 0.01), (60 + 150 * v).astype(np.uint8), 0)
    else:
        colour = {"detection": (40, 120, 255), "track": (30, 180, 90), "engagement": (230, 60, 40)}[product]
        on = valid & (band > 0)
        rgba[on] = (*colour, 140)
    return rgba


def coverage_png(run: Path, site: str, threat_class: str, product: str, altitude_m: float) -> tuple[bytes, list[float]]:
    """The layer reprojected to Web Mercator as PNG, and its WGS84 bounds [west, south, east, north]."""
    manifest = read_manifest(run)
    alts = [float(a) for a in manifest.get("altitudes_m", [])]
    matches = [i for i, a in enumerate(alts) if math.isclose(a, altitude_m, abs_tol=1e-6)]
    if product not in PRODUCTS or not matches:
        raise HTTPException(404, "no such coverage layer (see /api/runs/{run} 'layers')")
    tif = run / "coverage" / site / f"{threat_class}_{product}.tif"
    if not tif.is_file():
        raise HTTPException(404, "no such coverage layer (see /api/runs/{run} 'layers')")
    key = (str(tif), tif.stat().st_mtime_ns, matches[0])
    with _LOCK:
        if key in _PNG_CACHE:
            _PNG_CACHE.move_to_end(key)
            return _PNG_CACHE[key]
    try:
        result = _render(tif, matches[0] + 1, product)
    except HTTPException:
        raise
    except Exception as exc:  # noqa: BLE001  (a damaged GeoTIFF is the data's fault, not the server's)
        raise HTTPException(422, f"{tif.name}: unreadable ({type(exc).__name__})") from None
    with _LOCK:
        _PNG_CACHE[key] = result
        while len(_PNG_CACHE) > _PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
    return result


def _render(tif: Path, band_index: int, product: str) -> tuple[bytes, list[float]]:
    import rasterio
    from matplotlib.image import imsave
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    with rasterio.open(tif) as src:
        if band_index > src.count:
            raise HTTPException(404, "no such altitude band in the layer's GeoTIFF")
        data = src.read(band_index).astype(np.float32)
        if src.nodata is not None:
            data[data == src.nodata] = np.nan
        dst_crs = "EPSG:3857"
        transform, width, height = calculate_default_transform(src.crs, dst_crs, src.width, src.height, *src.bounds)
        out = np.full((height, width), np.nan, np.float32)
        reproject(data, out, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                  dst_crs=dst_crs, resampling=Resampling.nearest, src_nodata=np.nan, dst_nodata=np.nan)
    left, top = transform.c, transform.f
    right, bottom = left + transform.a * width, top + transform.e * height
    west, south, east, north = transform_bounds(dst_crs, "EPSG:4326", left, bottom, right, top)
    buf = io.BytesIO()
    imsave(buf, _colour(product, out), format="png")
    return buf.getvalue(), [west, south, east, north]


def table_records(run: Path, table: str, limit: int, offset: int) -> dict[str, Any]:
    """Rows ``offset .. offset+limit`` of a run table as JSON-safe records (NaN → null)."""
    import pandas as pd

    path = run / TABLES[table]
    if not path.is_file():
        raise HTTPException(404, f"run {run.name!r} has no {table} table")
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001  (a damaged file is the data's fault, not the server's)
        raise HTTPException(422, f"{run.name}/{path.name}: unreadable ({type(exc).__name__})") from None
    total = len(df)
    df = df.iloc[offset: offset + limit]
    records = json.loads(df.to_json(orient="records", double_precision=6, date_format="iso"))
    return {"table": table, "total": total, "offset": offset, "rows": records}


def list_sweeps(root: Path) -> list[dict[str, Any]]:
    out = []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.name.startswith(".") or not (child / "sweep.json").is_file():
            continue
        out.append({"name": child.name, "batches": len(list((child / "results").glob("p*.parquet")))})
    return out


def sweep_summary(folder: Path) -> dict[str, Any]:
    """``sweep.json`` and per-point statistics of every numeric result column (``results/p*.parquet``)."""
    import pandas as pd

    try:
        definition = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
        parts = sorted((folder / "results").glob("p*.parquet"))
        df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()
    except Exception as exc:  # noqa: BLE001  (a damaged sweep is the data's fault)
        raise HTTPException(422, f"{folder.name}: unreadable sweep ({type(exc).__name__})") from None
    summary: list[dict[str, Any]] = []
    if "point" in df.columns and len(df):
        metrics = [c for c in df.select_dtypes("number").columns if c not in ("point", "rep", "seed")]
        stats = df.groupby("point")[metrics].agg(["count", "mean", "std", "min", "max"]) if metrics else None
        for point, row in (stats.iterrows() if stats is not None else []):
            summary.append({"point": int(point), **{m: {k: _num(row[(m, k)]) for k in ("count", "mean", "std", "min", "max")}
                                                    for m in metrics}})
    return {"name": folder.name, "definition": definition, "rows": int(len(df)), "summary": summary}


def _num(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None
