"""``iadsim track``: radar plots through one tracker, scored against truth (registers on the main app)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iadsim.cli.main import ForceOpt, ScenarioArg, app, console, err_console, preflight_load, progress_reporter  # noqa: F401
from iadsim.cli.main import EXIT_CODES_HELP, JsonOpt, OutputOpt, OverwriteOpt, QuietOpt, SeedOpt, SetOpt
from iadsim.cli.main import check_output, compile_for, is_quiet, job_summary, print_json, warn, wrote_line


def _num(v, nd: int = 1, scale: float = 1.0) -> str:
    return "—" if v is None else f"{v * scale:.{nd}f}"


def tracking_headline(m: dict) -> dict:
    """The headline tracking metrics of ``metrics.json`` (what ``--json`` summaries hold)."""
    return {"filter": m["tracker"]["filter"], "association": m["tracker"]["association"], "scans": m["scans"],
            "plots": m["plots"], "clutter_plots": m["clutter_plots"], "threats": m["threats"],
            "threats_detected": m.get("threats_detected"), "threats_tracked": m.get("threats_tracked"),
            "confirmed_tracks": m["confirmed_tracks"], "false_tracks": m["false_tracks"],
            "gospa_mean_m": m["gospa"]["mean_m"], "gospa_detectable_mean_m": (m.get("gospa_detectable") or {}).get("mean_m"),
            "rmse_m": m["rmse_m"], "id_switches": m["continuity"]["id_switches"],
            "mean_detection_to_confirmation_s": m.get("mean_detection_to_confirmation_s")}


@app.command(epilog=EXIT_CODES_HELP)
def track(
    scenario: ScenarioArg,
    out: OutputOpt = Path("runs/track"),
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip the PNG plots.")] = False,
    force: ForceOpt = False,
    overwrite: OverwriteOpt = False,
    overrides: SetOpt = None,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Simulate every radar's plots (Pd, noise, clutter), track them with one fused tracker and score the
    tracks against truth (GOSPA, RMSE, continuity, confirmation time); write parquet tables, metrics,
    plots and a report.

    Example: iadsim track examples/turkey-2019/scenario.yaml -o runs/turkey-2019-track
    """
    import iadsim

    t0 = time.perf_counter()
    loaded = preflight_load(scenario, ("tracking",), force, overrides, seed)
    check_output(out, loaded, overwrite)
    with progress_reporter(bar=True) as report:
        world = compile_for(loaded, ("tracking",), report)
        result = iadsim.track(world, progress=report)
        out_dir = result.to_folder(out, figures=not no_figures, overwrite=overwrite, progress=report)
    for w in result.warnings:
        warn(w)
    m = result.metrics
    summary = job_summary("track", loaded, out_dir, time.perf_counter() - t0, overrides,
                          list(world.notes) + list(result.warnings))
    summary["tracking"] = tracking_headline(m)
    if as_json:
        print_json(summary)
        return
    if not is_quiet():
        table = Table(title=f"Tracking: {m['tracker']['filter'].upper()} + {m['tracker']['association'].upper()}, "
                            f"{m['scans']} scans, {m['plots']} plots ({m['clutter_plots']} clutter)")
        for col in ("threats", "detected", "tracks", "false", "GOSPA km", "GOSPA det. km", "RMSE m", "ID sw.",
                    "plot→track s"):
            table.add_column(col, justify="right")
        table.add_row(str(m["threats"]), str(m["threats_detected"]), str(m["confirmed_tracks"]),
                      str(m["false_tracks"]), _num(m["gospa"]["mean_m"], 2, 1e-3),
                      _num(m["gospa_detectable"]["mean_m"], 2, 1e-3), _num(m["rmse_m"], 0),
                      str(m["continuity"]["id_switches"]), _num(m["mean_detection_to_confirmation_s"], 1))
        console.print(table)
    wrote_line(summary)
