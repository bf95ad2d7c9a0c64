"""Exports of a finished run for other tools: KML/KMZ (Google Earth), CZML (Cesium), GeoPackage and
GeoParquet (QGIS, GeoPandas). ``iadsim export DIR --format … -o OUT`` is :func:`export_run`.

Layers and their sources: :mod:`iadsim.export.layers`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from iadsim.errors import InputError, OutputError, one_line, os_error
from iadsim.export.layers import LAYERS, RunLayers, read_run

__all__ = ["FORMATS", "LAYERS", "RunLayers", "export_results", "export_run", "read_run"]

#: format → file suffix of its default output ("" for a folder)
FORMATS = {"kml": ".kml", "kmz": ".kmz", "czml": ".czml", "gpkg": ".gpkg", "geoparquet": ""}


def check_format(fmt: str) -> str:
    """The format name in lower case; an unknown one is a one-line error naming the known ones."""
    name = str(fmt).strip().lower()
    if name not in FORMATS:
        raise InputError(f"unknown export format {one_line(fmt, 30)!r}; expected one of {', '.join(FORMATS)}",
                         field="--format")
    return name


def default_output(run_dir: str | Path, fmt: str) -> Path:
    """``<run folder name>.<suffix>`` (``<name>-geoparquet`` for GeoParquet) beside the run folder."""
    root = Path(run_dir).resolve()
    name = check_format(fmt)
    return root.parent / (f"{root.name}{FORMATS[name]}" if FORMATS[name] else f"{root.name}-geoparquet")


def export_run(run_dir: str | Path, out: str | Path, fmt: str, *, path_step_s: float = 5.0) -> Path:
    """Export the run folder ``run_dir`` to ``out`` in format ``fmt`` (:data:`FORMATS`); returns ``out``."""
    name = check_format(fmt)
    run = read_run(run_dir, path_step_s=path_step_s)
    return write(run, Path(out), name)


def write(run: RunLayers, out: Path, fmt: str) -> Path:
    """Write already read layers ``run`` to ``out`` in format ``fmt``."""
    from iadsim.export.czml import write_czml
    from iadsim.export.gis import write_geoparquet, write_gpkg
    from iadsim.export.kml import write_kml

    name = check_format(fmt)
    if out.exists() and (out.is_dir() != (name == "geoparquet")):
        raise OutputError(f"output exists and is {'not ' if name == 'geoparquet' else ''}a folder", file=one_line(out))
    writers = {"kml": lambda: write_kml(run, out), "kmz": lambda: write_kml(run, out, kmz=True),
               "czml": lambda: write_czml(run, out), "gpkg": lambda: write_gpkg(run, out),
               "geoparquet": lambda: write_geoparquet(run, out)}
    try:
        return writers[name]()
    except OSError as exc:
        raise os_error(exc, action=f"write the {name} export", file=out) from None


def export_results(results: Any, out: str | Path, fmt: str, *, path_step_s: float = 5.0) -> Path:
    """Export in-memory results (:func:`iadsim.run`'s ``Analysis``, or any object with
    ``to_folder(path, figures=False)``) by writing them to a temporary run folder first."""
    name = check_format(fmt)
    with tempfile.TemporaryDirectory(prefix="iadsim-export-") as tmp:
        folder = Path(results.to_folder(Path(tmp) / "run", figures=False))
        return write(read_run(folder, path_step_s=path_step_s), Path(out), name)
