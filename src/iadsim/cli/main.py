"""The ``iadsim`` command: a thin Typer front end over :mod:`iadsim.api`.

Every error a user can cause prints one line (``file:line:col: field: what was expected``)
and exits with status 2; an unexpected exception prints one line asking for a bug report
(set ``IADSIM_DEBUG=1`` for the traceback) and exits with status 3.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from iadsim.errors import IadsimError

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="iadsim",
    help=(
        "Simulate and analyse integrated air-defence systems from public figures.\n\n"
        "Examples:\n\n"
        "  iadsim validate examples/turkey-2019/scenario.yaml\n\n"
        "  iadsim coverage examples/turkey-2019/scenario.yaml -o runs/turkey-2019\n\n"
        "  iadsim catalog list --kind radar\n\n"
        "  iadsim catalog show 92N6E\n\n"
        "  iadsim schema -o scenario.schema.json"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
catalog_app = typer.Typer(help="Browse the equipment catalog and its sources.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Run even when the resource estimate is above the hard memory or time limit.")]


def preflight_load(scenario: Path, jobs: tuple[str, ...], force: bool):
    """Load ``scenario`` once, check its resource budget for ``jobs`` (refusing above a hard limit
    unless ``force``) and print its warnings; the jobs then reuse the loaded scenario."""
    from iadsim.catalog import load_catalog
    from iadsim.scenario import load_scenario

    loaded = load_scenario(scenario)
    from iadsim.world.budget import check_budget

    catalog = load_catalog()
    for w in list(loaded.warnings) + check_budget(loaded, catalog, jobs, force=force):
        err_console.print(f"[bold yellow]warning:[/bold yellow] {escape(w)}", highlight=False, soft_wrap=True)
    return loaded


OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty output folder whole (also one "
                                            "that is not an iadsim run of this scenario).")]


def lit(value: object) -> str:
    """A user string (scenario name, path, site name, warning) made safe for rich markup."""
    return escape(str(value))


@contextmanager
def progress_reporter(bar: bool = False) -> Iterator[Callable[[str, float], None]]:
    """A rich spinner (and optional bar) on stderr, shown only on a terminal; yields the
    ``progress(message, fraction)`` callback the jobs in :mod:`iadsim.api` accept."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}")] + ([BarColumn()] if bar else [])
    with Progress(*columns, TimeElapsedColumn(), console=err_console, transient=True,
                  disable=not err_console.is_terminal) as progress:
        task = progress.add_task("loading the scenario", total=1.0 if bar else None)

        def report(message: str, fraction: float) -> None:
            if bar:
                progress.update(task, description=escape(message), completed=fraction)
            else:
                progress.update(task, description=escape(message))

        yield report


def _version(value: bool) -> None:
    if value:
        import iadsim

        console.print(f"iadsim {iadsim.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """Simulate and analyse integrated air-defence systems from public figures."""


@app.command()
def validate(scenario: ScenarioArg, force: ForceOpt = False) -> None:
    """Check a scenario file against the format and the catalog, open its DEM (which must cover every
    site; the share of each radar's range it covers is reported) and estimate the run's memory and
    time (above a hard limit this is an error, shown as a warning with --force).

    Example: iadsim validate examples/turkey-2019/scenario.yaml
    """
    from iadsim.catalog import load_catalog
    from iadsim.scenario import load_scenario

    loaded = load_scenario(scenario)  # the YAML front end first: a hostile file stops here, cheaply
    from iadsim.world.budget import preflight  # numpy/scipy/numba only for a file that parsed

    catalog = load_catalog()
    pre = preflight(loaded, catalog, force=force)
    for site, radar, range_km, frac in pre.dem_coverage:
        console.print(f"DEM covers {100 * frac:.0f} % of the {range_km:.0f} km range of {escape(radar)} at "
                      f"{escape(site)}", highlight=False)
    for w in pre.warnings:
        err_console.print(f"[bold yellow]warning:[/bold yellow] {escape(w)}", highlight=False, soft_wrap=True)
    console.print(f"estimate: {escape(pre.estimate.summary())}", highlight=False)
    sc = loaded.scenario
    n_radars = sum(len(s.radars) for s in sc.sites)
    n_launchers = sum(lp.count for s in sc.sites for lp in s.launchers)
    n_threats = sum(t.count for t in sc.threats)
    console.print(
        f"[green]ok[/green] {lit(scenario)}: {lit(repr(sc.name))} — {len(sc.sites)} site(s), {n_radars} radar(s), "
        f"{n_launchers} launcher(s), {n_threats} threat(s), {len(sc.defended_assets)} defended asset(s)"
    )


@app.command()
def coverage(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory (created if missing).")] = Path("runs/coverage"),
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip PNG maps and diagrams.")] = False,
    force: ForceOpt = False,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compute detection, track and engagement coverage and write maps, GeoTIFF, GeoJSON and a report.

    Example: iadsim coverage examples/turkey-2019/scenario.yaml -o runs/turkey-2019
    """
    from iadsim.api import run_coverage

    loaded = preflight_load(scenario, ("coverage",), force)
    with progress_reporter() as report:
        run = run_coverage(loaded, out, progress=report, figures=not no_figures, force=True,
                           overwrite=overwrite)
    alts = run.result.sites[0].altitudes_m if run.result.sites else []
    ref = run.result.sites[0].altitude_ref.value.upper() if run.result.sites else ""
    table = Table(title="Range ring vs physics: median reach over sectors, km (nominal ring in brackets)")
    for col in ("site", "product", "radar", "class"):
        table.add_column(col)
    for alt in alts:
        table.add_column(f"{alt:g} m {ref}", justify="right")
    grouped: dict[tuple, dict[float, str]] = {}
    for r in run.rows:
        key = (r.site, r.product, r.radar, r.threat_class, r.nominal_km)
        grouped.setdefault(key, {})[r.altitude_m] = f"{float(np.median(r.reach_km)):.0f}"
    for (site, product, radar, cls, nominal_km), cells in grouped.items():
        table.add_row(lit(site), product, lit(radar), lit(f"{cls} [{nominal_km:.0f}]"), *[cells.get(a, "") for a in alts])
    console.print(table)
    console.print(f"[green]wrote[/green] {len(run.files) + 2} files to {lit(run.out_dir)} in "
                  f"{run.manifest['timings_s']['total']:.1f} s; report: {lit(run.report)}")


@catalog_app.command("list")
def catalog_list(
    kind: Annotated[Optional[str], typer.Option("--kind", "-k", help="radar, launcher, missile, threat or system.")] = None,
) -> None:
    """List catalog entries.

    Example: iadsim catalog list --kind radar
    """
    from iadsim.catalog import load_catalog

    cat = load_catalog()
    kinds = ("radar", "launcher", "missile", "threat", "system")
    if kind is not None and kind not in kinds:
        raise typer.BadParameter(f"expected one of {', '.join(kinds)}", param_hint="--kind")
    table = Table(title="iadsim equipment catalog")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("system / description")
    table.add_column("sources by grade (A-F)")
    for k in (kind,) if kind else kinds:
        for name in cat.names(k):
            e = cat.get(name)
            table.add_row(k, name, str(getattr(e, "system", None) or getattr(e, "description", "") or ""),
                          _grade_counts(cat, name))
    console.print(table)


def _grade_counts(cat, name: str) -> str:
    """``"A2 C1 D4"``: how many distinct sources of each reliability grade an entry's figures cite."""
    letters = [cat.sources[sid].reliability for sid in {s for _, f in cat.figures(name) for s in f.sources}
               if sid in cat.sources]
    return " ".join(f"{g}{letters.count(g)}" for g in "ABCDEF" if g in letters)


@catalog_app.command("sources")
def catalog_sources() -> None:
    """List every source with its reliability grade (Admiralty scale) and the entries that cite it.

    Example: iadsim catalog sources
    """
    from iadsim.catalog import load_catalog

    cat = load_catalog()
    cited: dict[str, list[str]] = {}
    for name in cat.names():
        for sid in sorted({s for _, f in cat.figures(name) for s in f.sources}):
            cited.setdefault(sid, []).append(name)
    table = Table(title="Sources, graded on the Admiralty scale (A completely reliable, B usually, C fairly, "
                        "D not usually reliable, E unreliable, F cannot be judged)")
    for col in ("id", "grade", "publisher", "date", "why this grade", "cited by"):
        table.add_column(col, overflow="fold")
    for sid, src in cat.sources.items():
        table.add_row(sid, src.reliability, src.publisher, src.date, src.grade_note or "",
                      ", ".join(cited.get(sid, [])) or "(not cited)")
    console.print(table)


@catalog_app.command("show")
def catalog_show(name: Annotated[str, typer.Argument(help="Entry name, e.g. 92N6E or lo_fighter.")]) -> None:
    """Show one entry's figures with their spread and sources.

    Example: iadsim catalog show 92N6E
    """
    from iadsim.catalog import entry_table, load_catalog

    cat = load_catalog()
    entry = cat.get(name)
    rows = entry_table(entry)
    table = Table(title=f"{lit(name)} ({entry.kind}); sources with their reliability grade [A-F]")
    keys = list(rows[0]) if rows else ["field"]
    for k in keys:
        table.add_column(k, overflow="fold")
    for r in rows:
        r["sources"] = [cat.cite(sid) for sid in r.get("sources") or []]
        table.add_row(*[", ".join(v) if isinstance(v, (list, tuple)) else ("" if v is None else str(v)) for v in r.values()])
    console.print(table)
    used = sorted({sid for fig_path, fig in cat.figures(name) for sid in fig.sources})
    console.print("Sources (reliability on the Admiralty scale: A completely reliable ... E unreliable, "
                  "F cannot be judged):", markup=False, soft_wrap=True)
    for sid in used:
        s = cat.sources.get(sid)
        if s is not None:
            book = "".join(f", {v}" for v in (s.edition, f"ISBN {s.isbn}" if s.isbn else None) if v)
            console.print(f"{sid} [{s.grade}]: {s.publisher}, “{s.title}”{book}, {s.date}. {s.url}"
                          + (f" Grade: {s.grade_note}" if s.grade_note else ""), markup=False, soft_wrap=True)


@app.command()
def schema(
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to a file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the scenario format (for editors and validators).

    Example: iadsim schema -o scenario.schema.json
    """
    from iadsim.scenario import json_schema

    text = json.dumps(json_schema(), indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        try:
            out.write_text(text + "\n")
        except OSError as exc:
            raise IadsimError(f"{out}: cannot write ({exc.strerror})") from None
        console.print(f"[green]wrote[/green] {lit(out)}")


# Commands defined in their own modules register themselves on `app` when imported here
# (one import line per module, below this comment).
import iadsim.cli.track  # noqa: E402,F401  (registers `iadsim track`)
import iadsim.cli.battle  # noqa: E402,F401  (iadsim run)
import iadsim.cli.sweep  # noqa: E402,F401  (iadsim sweep, iadsim report)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the Typer app, turning iadsim errors into one line and an exit status."""
    try:
        app(args=argv, prog_name="iadsim", standalone_mode=True)
    except SystemExit as exc:  # click's usage errors and --help end here, already printed
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except IadsimError as exc:
        err_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except (OSError, RuntimeError) as exc:  # the OS refusing a path, or '~nosuchuser' in one: a user error
        if isinstance(exc, RuntimeError) and "home directory" not in str(exc):
            return _internal(exc)
        from iadsim.errors import os_error

        err_console.print(f"[bold red]error:[/bold red] {escape(str(os_error(exc, action='use this path')))}",
                          highlight=False, soft_wrap=True)
        return 2
    except Exception as exc:
        return _internal(exc)
    return 0


def _internal(exc: Exception) -> int:
    if os.environ.get("IADSIM_DEBUG"):
        raise exc
    err_console.print(f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(str(exc))} "
                      "(this is a bug in iadsim; rerun with IADSIM_DEBUG=1 for the traceback and report it)",
                      highlight=False, soft_wrap=True)
    return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
