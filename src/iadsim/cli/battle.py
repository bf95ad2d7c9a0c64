"""``iadsim run``: coverage, tracking, the time-stepped battle and one report (registers itself on the app)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iadsim.cli.main import ForceOpt, ScenarioArg, app, console, preflight_load, progress_reporter
from iadsim.cli.main import EXIT_CODES_HELP, JsonOpt, OutputOpt, OverwriteOpt, QuietOpt, SeedOpt, SetOpt, lit
from iadsim.cli.main import check_output, compile_for, is_quiet, job_summary, print_json, warn, wrote_line
from iadsim.cli.track import tracking_headline


def battle_headline(m: dict) -> dict:
    """The headline battle metrics of ``metrics.json`` (what ``--json`` summaries hold)."""
    return {"seed": m["seed"], "tracking": m["settings"]["tracking"], "threats": m["threats"], "killed": m["killed"],
            "leaked": m["leaked"], "survived": m["survived"], "shots": m.get("shots"),
            "kills_per_shot": m.get("kills_per_shot"), "interceptors_expended": m["interceptors_expended"],
            "leaked_at": m["leaked_at"], "outcomes": m.get("outcomes", {})}


@app.command("run", epilog=EXIT_CODES_HELP)
def run(
    scenario: ScenarioArg,
    out: OutputOpt = Path("runs/run"),
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip PNG maps, diagrams and battle figures.")] = False,
    force: ForceOpt = False,
    overwrite: OverwriteOpt = False,
    overrides: SetOpt = None,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Coverage, tracking (plots, tracker, GOSPA), then the time-stepped battle (perception, threat
    evaluation, weapon assignment, fly-out, seeded kill draws, leaks), with events.parquet, outcomes.csv,
    tracks.parquet, metrics.json and one report.html.

    Example: iadsim run examples/turkey-2019/scenario.yaml -o runs/turkey-2019
    """
    import iadsim

    t0 = time.perf_counter()
    jobs = ("coverage", "tracking", "battle")
    loaded = preflight_load(scenario, jobs, force, overrides, seed)
    check_output(out, loaded, overwrite)
    with progress_reporter() as report:
        world = compile_for(loaded, jobs, report)
        analysis = iadsim.run(world, progress=report)
        out_dir = analysis.to_folder(out, figures=not no_figures, overwrite=overwrite, progress=report)
    m = analysis.battle.metrics
    summary = job_summary("run", loaded, out_dir, time.perf_counter() - t0, overrides,
                          list(world.notes) + list(analysis.battle.warnings))
    summary["battle"] = battle_headline(m)
    summary["tracking"] = tracking_headline(analysis.tracking.metrics) if analysis.tracking is not None else None
    summary["tracking_skipped"] = analysis.tracking_skipped
    if as_json:
        print_json(summary)
        return
    if not is_quiet():
        _print_tables(analysis, m)
    for w in analysis.battle.warnings:
        warn(w)
    wrote_line(summary)


def _print_tables(analysis, m: dict) -> None:
    if analysis.tracking is not None:
        tm = analysis.tracking.metrics
        det = tm.get("gospa_detectable") or {}
        g, rmse = det.get("mean_m"), det.get("rmse_m")
        title = (f"Tracking ({tm['tracker']['filter'].upper()} + {tm['tracker']['association'].upper()}, "
                 f"{tm['scans']} scans)")
        tt = Table(title=title, min_width=len(title) + 4,
                   caption=f"GOSPA and RMSE over threats some radar detects with Pd ≥ {det.get('pd_threshold', 0.5):g}")
        for col in ("threats tracked", "confirmed tracks", "false tracks", "mean GOSPA, km", "RMSE, m"):
            tt.add_column(col, justify="right")
        tt.add_row(f"{tm['threats_tracked']} / {tm['threats']}", str(tm["confirmed_tracks"]), str(tm["false_tracks"]),
                   "—" if g is None else f"{g / 1e3:.2f}", "—" if rmse is None else f"{rmse:.0f}")
        console.print(tt)
    elif analysis.tracking_skipped:
        console.print(f"[yellow]{lit(analysis.tracking_skipped)}[/yellow]", highlight=False)
    title = f"Battle (one replication, seed {m['seed']}, tracking: {m['settings']['tracking']})"
    table = Table(title=title, min_width=len(title) + 4)
    outcomes = {k: v for k, v in (m.get("outcomes") or {}).items() if k not in ("killed", "leaked") and v}
    for col in ("threats", "killed", "leaked", *outcomes):
        table.add_column(col, justify="right")
    expended = m["interceptors_expended"]
    for name in expended:
        table.add_column(f"{name} expended", justify="right")
    table.add_row(str(m["threats"]), str(m["killed"]), str(m["leaked"]), *[str(v) for v in outcomes.values()],
                  *[str(v) for v in expended.values()])
    console.print(table)
    if m["leaked_at"]:
        console.print("leaked at: " + ", ".join(f"{lit(k)} {v}" for k, v in m["leaked_at"].items()))
