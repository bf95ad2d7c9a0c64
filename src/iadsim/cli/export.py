"""``iadsim export``: a finished run folder as KML/KMZ, CZML, GeoPackage or GeoParquet (registers on the main app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from iadsim.cli.main import app, console, lit


@app.command("export")
def export(
    run_dir: Annotated[Path, typer.Argument(help="A run folder written by 'iadsim run'.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="kml, kmz, czml, gpkg or geoparquet.")] = "kml",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output file (a folder for geoparquet); "
                                                "default: beside the run folder, named after it.")] = None,
    step: Annotated[float, typer.Option("--path-step", help="Seconds between samples of exported paths.",
                                        min=0.0)] = 5.0,
) -> None:
    """Export a finished run for Google Earth (KML/KMZ: coverage per class and altitude, time-stamped
    tracks and threats for the time slider), Cesium (CZML: time-dynamic threats, tracks, interceptor
    fly-outs, coverage) or QGIS (GeoPackage / GeoParquet layers: coverage, routes, tracks, detections,
    intercepts, sites, assets; EPSG:4326; UTC time from the scenario epoch).

    Example: iadsim export runs/turkey-2019 --format kmz -o turkey-2019.kmz
    """
    from iadsim.errors import InputError
    from iadsim.export import check_format, default_output, export_run

    try:
        name = check_format(fmt)
    except InputError as exc:  # a bad option value is a usage error (exit 2), like Click's own
        raise typer.BadParameter(exc.message if hasattr(exc, "message") else str(exc),
                                 param_hint="'--format'") from None
    target = out if out is not None else default_output(run_dir, name)
    written = export_run(run_dir, target, name, path_step_s=step)
    console.print(f"[green]wrote[/green] {name} export of {lit(run_dir)} to {lit(written)}")
