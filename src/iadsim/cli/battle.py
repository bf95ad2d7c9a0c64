"""``iadsim run``: coverage, tracking, the time-stepped battle and one report (registers itself on the app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iadsim.cli.main import ForceOpt, ScenarioArg, app, console, preflight_load, progress_reporter
from iadsim.cli.main import OverwriteOpt, lit


@app.command("run")
def run(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created if missing).")] = Path("runs/run"),
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip PNG maps, diagrams and battle figures.")] = False,
    force: ForceOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    """Coverage, tracking (plots, tracker, GOSPA), then the time-stepped battle (perception, threat
    evaluation, weapon assignment, fly-out, seeded kill draws, leaks), with events.parquet, outcomes.csv,
    tracks.parquet, metrics.json and one report.html.

    Example: iadsim run examples/turkey-2019/scenario.yaml -o runs/turkey-2019
    """

    from iadsim.api.battle import run_all

    loaded = preflight_load(scenario, ("coverage", "tracking", "battle"), force)
    with progress_reporter() as report:
        full = run_all(loaded, out, progress=report, figures=not no_figures, force=True,
            overwrite=overwrite)
    if full.tracking is not None:
        tm = full.tracking.metrics
        g = tm["gospa"]["mean_m"]
        tt = Table(title=f"Tracking ({tm['tracker']['filter'].upper()} + {tm['tracker']['association'].upper()}, "
                         f"{tm['scans']} scans)")
        for col in ("threats tracked", "confirmed tracks", "false tracks", "mean GOSPA, km", "RMSE, m"):
            tt.add_column(col, justify="right")
        tt.add_row(f"{tm['threats_tracked']} / {tm['threats']}", str(tm["confirmed_tracks"]), str(tm["false_tracks"]),
                   "—" if g is None else f"{g / 1e3:.2f}",
                   "—" if tm["rmse_m"] is None else f"{tm['rmse_m']:.0f}")
        console.print(tt)
    elif full.tracking_skipped:
        console.print(f"[yellow]{lit(full.tracking_skipped)}[/yellow]", highlight=False)
    m = full.battle.metrics
    table = Table(title=f"Battle (one replication, seed {m['seed']}, tracking: {m['settings']['tracking']})")
    for col in ("threats", "killed", "leaked", "survived"):
        table.add_column(col, justify="right")
    expended = m["interceptors_expended"]
    for name in expended:
        table.add_column(f"{name} expended", justify="right")
    table.add_row(str(m["threats"]), str(m["killed"]), str(m["leaked"]), str(m["survived"]),
                  *[str(v) for v in expended.values()])
    console.print(table)
    if m["leaked_at"]:
        console.print("leaked at: " + ", ".join(f"{lit(k)} {v}" for k, v in m["leaked_at"].items()))
    for w in full.battle.warnings:
        console.print(f"[yellow]warning:[/yellow] {lit(w)}", highlight=False)
    console.print(f"[green]wrote[/green] {len(full.coverage.manifest.get('files', []))} files to {lit(full.out_dir)}; "
                  f"battle loop {m['timings_s']['battle_loop']:.2f} s; report: {lit(full.report)}")
