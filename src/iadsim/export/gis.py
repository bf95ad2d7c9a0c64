"""GeoPackage (one file, one layer per :data:`~iadsim.export.layers.LAYERS`) and GeoParquet (one
file per layer) for QGIS and GeoPandas; EPSG:4326, UTC time columns beside seconds."""

from __future__ import annotations

from pathlib import Path

from iadsim.export.layers import LAYERS, RunLayers


def _nonempty(run: RunLayers) -> dict:
    return {name: run.layers[name] for name in LAYERS if len(run.layers[name])}


def write_gpkg(run: RunLayers, out: Path) -> Path:
    """Write every non-empty layer of ``run`` into the GeoPackage ``out`` (replaced if present)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    for name, gdf in _nonempty(run).items():
        gdf.to_file(out, layer=name, driver="GPKG", engine="pyogrio")
    return out


def write_geoparquet(run: RunLayers, out: Path) -> Path:
    """Write every non-empty layer of ``run`` as ``out/<layer>.parquet`` (GeoParquet)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, gdf in _nonempty(run).items():
        gdf.to_parquet(out / f"{name}.parquet", index=False)
    return out
