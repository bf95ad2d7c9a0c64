"""``iadsim sweep`` (Monte Carlo replications over sweep points and catalog spreads) and
``iadsim report DIR`` (the report of a finished sweep); registers on the main app."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from iadsim.cli.main import ScenarioArg, app, console, err_console, lit


class _Bar:
    """A rich progress bar with rate and ETA on stderr (only on a terminal)."""

    def __init__(self) -> None:
        self.progress = None
        self.task = None
        self.t0 = time.perf_counter()

    def __enter__(self):
        if err_console.is_terminal:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.progress = Progress(TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                     TimeRemainingColumn(), console=err_console, transient=True)
            self.progress.__enter__()
        return self

    def __call__(self, done: int, total: int, new: int) -> None:
        if self.progress is None:
            return
        rate = new / max(time.perf_counter() - self.t0, 1e-9)
        if self.task is None:
            self.task = self.progress.add_task("sweep", total=total, completed=done, rate="")
        self.progress.update(self.task, completed=done, rate=f"{rate:.1f}/s" if new else "")

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)


@app.command("sweep")
def sweep(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Sweep folder (sweep.json, results/*.parquet).")],
    replications: Annotated[Optional[int], typer.Option(
        "--replications", "-n", min=1, help="Replications per sweep point (default: the scenario's sweep: section, "
                                            "else 100).")] = None,
    vary: Annotated[Optional[list[str]], typer.Option(
        "--vary", help="PATH=VALUES: a list 1,2 or a range START:STOP:STEP; PATH as in --set, raid.scale, or "
                       "catalog.ENTRY.FIGURE. Repeat: the points are the cross product.")] = None,
    uncertain: Annotated[Optional[str], typer.Option(
        "--uncertain", help="Sample catalog figures per replication from their low-high spread: 'catalog' (every "
                            "figure with a spread the scenario uses) or ENTRY.FIGURE,...")] = None,
    tornado: Annotated[Optional[str], typer.Option(
        "--tornado", help="One-at-a-time sensitivity: add a point with each figure at its catalog low and one at its "
                          "high, the others nominal, on the nominal point's seeds: 'catalog' (every figure with a "
                          "spread the scenario uses) or ENTRY.FIGURE,...")] = None,
    distribution: Annotated[Optional[str], typer.Option(
        "--distribution", help="triangular (mode at nominal; default) or uniform.")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Local worker processes (default: all cores).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT.")] = None,
    dask_local: Annotated[Optional[int], typer.Option("--dask-local", min=1, help="Start a local Dask cluster of N worker processes.")] = None,
    batch_size: Annotated[Optional[int], typer.Option("--batch-size", min=1, help="Replications per written batch.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the same sweep already in --out.")] = False,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write report.html when done.")] = True,
) -> None:
    """Monte Carlo: N seeded replications of the battle at every sweep point, optionally sampling the
    catalog's spreads, into a resumable Parquet dataset (one row per replication).

    Example: iadsim sweep examples/turkey-2019/scenario.yaml -o runs/sweep -n 200
    --vary raid.scale=0.5:2:0.5 --vary engagement.doctrine=salvo,shoot-look-shoot

    Tornado: iadsim sweep examples/turkey-2019/scenario.yaml -o runs/tornado -n 50 --tornado catalog
    """
    from iadsim.api.sweep import plan_sweep, _run
    from iadsim.errors import ScenarioError

    if scheduler is not None and dask_local is not None:
        raise ScenarioError("--scheduler and --dask-local exclude each other; choose one", field="--scheduler")
    plan = plan_sweep(scenario, vary=vary or None, replications=replications,
                      uncertain=uncertain, distribution=distribution, batch_size=batch_size, workers=workers,
                      tornado=tornado)
    n_points = len(plan.jobs)
    console.print(f"sweep: {n_points} point(s) × {plan.replications} replications"
                  + (f", {len(plan.manifest['uncertain'])} sampled figure(s)" if plan.manifest["uncertain"] else "")
                  + (f", a tornado of {len(plan.manifest['tornado'])} figure(s)" if plan.manifest["tornado"] else ""),
                  highlight=False)
    t0 = time.perf_counter()
    try:
        with _Bar() as bar:
            res = _run(plan, out, resume, workers, scheduler, dask_local, bar)
    except KeyboardInterrupt:
        from iadsim.montecarlo.dataset import read_results

        kept = len(read_results(out)) if (out / "results").is_dir() else 0
        err_console.print(f"interrupted: {kept} finished replications kept in {lit(out)}; continue with --resume",
                          highlight=False)
        raise typer.Exit(130) from None
    seconds = time.perf_counter() - t0
    _print_summary(res)
    new = plan.replications * n_points if not resume else None
    rate = f"; {new / seconds:.1f} replications/s" if new and seconds > 0 else ""
    if report:
        from iadsim.report.montecarlo import write_sweep_report

        page = write_sweep_report(out)
        console.print(f"report: {lit(page)}")
    console.print(f"[green]wrote[/green] {len(res.data)} replications to {lit(out / 'results')} "
                  f"in {seconds:.1f} s{rate}", highlight=False)


def _print_summary(res) -> None:
    s = res.summary()
    if s.empty:
        return
    vary_cols = [c for c in s.columns if c.startswith("vary:")]
    t = Table(title="Per sweep point: mean [95% bootstrap interval]; P(any leak) [95% Wilson]")
    for c in ["point", *[c.removeprefix("vary:") for c in vary_cols], "n", "killed", "leaked", "shots", "P(any leak)"]:
        t.add_column(lit(c), justify="right")
    for _, r in s.head(60).iterrows():
        def ci(m: str) -> str:
            return f"{r[m + '_mean']:.2f} [{r[m + '_lo']:.2f}, {r[m + '_hi']:.2f}]"

        t.add_row(str(r["point"]), *[lit(str(r[c])) for c in vary_cols], str(r["replications"]), ci("killed"),
                  ci("leaked"), ci("shots"), f"{r['p_any_leak']:.2f} [{r['p_any_leak_lo']:.2f}, {r['p_any_leak_hi']:.2f}]")
    console.print(t)


@app.command("report")
def report(
    folder: Annotated[Path, typer.Argument(help="A sweep folder written by iadsim sweep.")],
) -> None:
    """Rebuild the report (report.html and its figures) of a finished sweep from its dataset.

    Example: iadsim report runs/sweep
    """
    from iadsim.report.montecarlo import write_sweep_report

    page = write_sweep_report(folder)
    console.print(f"[green]wrote[/green] {lit(page)}")
    sys.stdout.flush()
