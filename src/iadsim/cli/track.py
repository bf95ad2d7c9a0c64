"""``iadsim track``: radar plots through one tracker, scored against truth (registers on the main app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iadsim.cli.main import ForceOpt, ScenarioArg, app, console, err_console, preflight_load, progress_reporter
from iadsim.cli.main import OverwriteOpt, lit


def _num(v, nd: int = 1, scale: float = 1.0) -> str:
    return "—" if v is None else f"{v * scale:.{nd}f}"


@app.command()
def track(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created if missing).")] = Path("runs/track"),
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip the PNG plots.")] = False,
    force: ForceOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    """Simulate every radar's plots (Pd, noise, clutter), track them with one fused tracker and score the
    tracks against truth (GOSPA, RMSE, continuity, confirmation time); write parquet tables, metrics,
    plots and a report.

    Example: iadsim track examples/turkey-2019/scenario.yaml -o runs/turkey-2019-track
    """

    from iadsim.api.track import run_tracking

    loaded = preflight_load(scenario, ("tracking",), force)
    with progress_reporter(bar=True) as report:
        run = run_tracking(loaded, out, progress=report, figures=not no_figures, force=True,
            overwrite=overwrite)
    for w in run.warnings:
        err_console.print(f"[bold yellow]warning:[/bold yellow] {lit(w)}", highlight=False, soft_wrap=True)
    m = run.metrics
    table = Table(title=f"Tracking: {m['tracker']['filter'].upper()} + {m['tracker']['association'].upper()}, "
                        f"{m['scans']} scans, {m['plots']} plots ({m['clutter_plots']} clutter)")
    for col in ("threats", "detected", "tracks", "false", "GOSPA km", "GOSPA det. km", "RMSE m", "ID sw.",
                "plot→track s"):
        table.add_column(col, justify="right")
    table.add_row(str(m["threats"]), str(m["threats_detected"]), str(m["confirmed_tracks"]), str(m["false_tracks"]),
                  _num(m["gospa"]["mean_m"], 2, 1e-3), _num(m["gospa_detectable"]["mean_m"], 2, 1e-3),
                  _num(m["rmse_m"], 0), str(m["continuity"]["id_switches"]),
                  _num(m["mean_detection_to_confirmation_s"], 1))
    console.print(table)
    console.print(f"[green]wrote[/green] {len(run.files) + 1} files to {lit(run.out_dir)} in "
                  f"{run.manifest['timings_s']['total']:.1f} s; report: {lit(run.report)}")
