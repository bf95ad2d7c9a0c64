"""The ``iadsim`` command: a thin Typer front end over :mod:`iadsim.api`.

Every error a user can cause prints one line (``file:line:col: field: what was expected``) on
stderr (and, with ``--json``, a JSON object ``{"error": {...}}`` on stdout) and exits with a
status that says what kind of problem it was:

====  =====================================================================================
0     success
1     internal error: a bug in iadsim (the traceback goes to a log file, or to stderr with
      ``iadsim --debug ...`` or ``IADSIM_DEBUG=1``)
2     usage error: an unknown command or option, a missing or malformed argument (Click's own)
3     input error: the scenario, catalog, DEM, a ``--set`` override (``InputError`` family)
4     output error: the output folder or a file cannot be written, or will not be overwritten
      (``OutputError``)
5     resource refusal: the run's estimated memory or time is above a hard limit
      (``ResourceError``; ``--force`` runs it anyway)
====  =====================================================================================

Shared pieces for the command modules (``cli/track.py``, ``cli/battle.py`` and others, each
registered by one import line at the bottom of this file): ``app``, ``console``,
``err_console``, the option types (``ScenarioArg``, ``OutputOpt``, ``ForceOpt``,
``OverwriteOpt``, ``JsonOpt``, ``SetOpt``, ``SeedOpt``, ``QuietOpt``), ``preflight_load``,
``progress_reporter``, ``print_json``, ``is_quiet``/``is_json``, ``lit`` and the ``EXIT_*`` codes.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table

from iadsim.errors import IadsimError, InputError, OutputError, ResourceError, ScenarioError

# ----------------------------------------------------------------------------- exit codes
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_OUTPUT = 4
EXIT_RESOURCE = 5

EXIT_CODES_HELP = (
    "Exit status: 0 ok; 1 internal error (a bug: traceback in a log file, or shown with --debug); "
    "2 usage error (unknown command or option, bad argument); 3 input error (scenario, catalog, DEM, "
    "--set value); 4 output error (cannot write the output folder, or will not overwrite it); "
    "5 resource refusal (estimate above a hard limit; --force runs anyway)."
)


def exit_code_for(exc: BaseException) -> int:
    """The exit status of an exception that ended a command (module docstring)."""
    if isinstance(exc, ResourceError):
        return EXIT_RESOURCE
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT
    if isinstance(exc, IadsimError):
        return EXIT_INPUT
    return EXIT_INTERNAL


# ----------------------------------------------------------------------------- consoles
#: Width of the consoles when their stream is not a terminal: piped tables and lines never wrap.
PIPE_WIDTH = 100_000


class _Console(Console):
    """A rich console that, when its stream is not a terminal (a pipe, a file, a test capture),
    lays out as wide as needed instead of at ``COLUMNS`` or 80: tables and lines do not wrap."""

    @property
    def size(self) -> ConsoleDimensions:
        size = Console.size.fget(self)  # type: ignore[attr-defined]
        if not self.is_terminal:
            return ConsoleDimensions(max(size.width, PIPE_WIDTH), size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


console = _Console()
err_console = _Console(stderr=True)


@dataclass
class _Flags:
    """Output modes of the command being run (set by the option callbacks, reset by :func:`main`)."""

    json: bool = False
    quiet: bool = False
    debug: bool = False


_FLAGS = _Flags()


def is_json() -> bool:
    """True when the running command was given ``--json`` (stdout then holds one JSON document)."""
    return _FLAGS.json


def is_quiet() -> bool:
    """True with ``--quiet`` (or ``--json``): no progress, no tables, no warnings on stderr."""
    return _FLAGS.quiet or _FLAGS.json


def _json_flag(value: bool) -> bool:
    if value:
        _FLAGS.json = True
    return value


def _quiet_flag(value: bool) -> bool:
    if value:
        _FLAGS.quiet = True
    return value


app = typer.Typer(
    name="iadsim",
    help=(
        "Simulate and analyse integrated air-defence systems from public figures.\n\n"
        "Examples:\n\n"
        "  iadsim validate examples/turkey-2019/scenario.yaml\n\n"
        "  iadsim coverage examples/turkey-2019/scenario.yaml -o runs/turkey-2019\n\n"
        "  iadsim run examples/turkey-2019/scenario.yaml --set engagement.salvo_size=1 --seed 7 --json\n\n"
        "  iadsim catalog list --kind radar\n\n"
        "  iadsim catalog show 92N6E\n\n"
        "  iadsim schema -o scenario.schema.json"
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
catalog_app = typer.Typer(help="Browse the equipment catalog and its sources.", no_args_is_help=True,
                          epilog=EXIT_CODES_HELP)
app.add_typer(catalog_app, name="catalog")

# ----------------------------------------------------------------------------- shared options
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
OutputOpt = Annotated[Path, typer.Option("--out", "-o", help="Output directory (created if missing).")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Run even when the resource estimate is above the hard memory or time limit.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty output folder whole (also one "
                                            "that is not an iadsim run of this scenario).")]
JsonOpt = Annotated[bool, typer.Option(
    "--json", callback=_json_flag,
    help="Print one JSON object on stdout (a summary, or {\"error\": {...}} on failure) instead of tables.")]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="PATH=VALUE", show_default=False,
    help="Override a scenario value (repeatable), VALUE read as YAML: engagement.salvo_size=1, "
         "sites[Murted].radars[0].mast_m=40, threats[0].count=8.")]
SeedOpt = Annotated[Optional[int], typer.Option(
    "--seed", min=0, show_default=False, help="Random seed (overrides the scenario's run.seed).")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", callback=_quiet_flag,
    help="No progress, tables or warnings: only errors and the final line (or the JSON).")]


def lit(value: object) -> str:
    """A user string (scenario name, path, site name, warning) made safe for rich markup."""
    return escape(str(value))


def warn(text: str) -> None:
    """A one-line warning on stderr (nothing with ``--quiet`` or ``--json``)."""
    if not (_FLAGS.quiet or _FLAGS.json):
        err_console.print(f"[bold yellow]warning:[/bold yellow] {escape(text)}", highlight=False, soft_wrap=True)


def _plain(value: Any) -> Any:
    """``value`` as JSON data: numpy scalars and arrays as numbers and lists, NaN/inf as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def print_json(data: Any) -> None:
    """Write ``data`` as one JSON document (and a newline) on stdout."""
    sys.stdout.write(json.dumps(_plain(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    sys.stdout.flush()


# ----------------------------------------------------------------------------- loading
def load_with_overrides(scenario: Path, overrides: Sequence[str] | None = None, seed: int | None = None):
    """The scenario file validated, with ``--set PATH=VALUE`` overrides and ``--seed`` applied
    (:meth:`iadsim.api.scenario_edit.EditableScenario.with_overrides`, the paths sweeps use).
    Without either it is exactly :func:`iadsim.scenario.load_scenario`."""
    from iadsim.scenario import load_scenario

    if not overrides and seed is None:
        return load_scenario(scenario)
    import dataclasses

    from iadsim.api.scenario_edit import load_scenario as load_editable
    from iadsim.api.scenario_edit import parse_override
    from iadsim.scenario.checks import scenario_warnings

    sc = load_editable(scenario)  # the file as written must be valid first (errors located in it)
    for text in overrides or ():
        try:
            path, value = parse_override(text)
            sc.set(path, value)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {text!r}: {exc.message}", field=exc.field) from None
    if seed is not None:
        sc.set("run.seed", seed)
    loaded = sc.validate()
    return dataclasses.replace(loaded, warnings=tuple(scenario_warnings(loaded.scenario, loaded.located, sc.catalog)))


def preflight_load(scenario: Path, jobs: tuple[str, ...], force: bool, overrides: Sequence[str] | None = None,
                   seed: int | None = None, tile_size: int | None = None):
    """Load ``scenario`` once (with ``overrides``/``seed`` applied), check its resource budget for
    ``jobs`` (refusing above a hard limit unless ``force``) and print its warnings; the jobs then
    reuse the loaded scenario."""
    from iadsim.catalog import load_catalog

    loaded = load_with_overrides(scenario, overrides, seed)
    from iadsim.world.budget import check_budget

    catalog = load_catalog()
    for w in list(loaded.warnings) + check_budget(loaded, catalog, jobs, force=force, tile_size=tile_size):
        warn(w)
    return loaded


def check_output(out: Path, loaded, overwrite: bool) -> None:
    """Refuse an output folder the job could not write, before computing anything
    (:func:`iadsim.api._staging.check_output_folder`)."""
    from iadsim.api._staging import check_output_folder

    check_output_folder(out, loaded, overwrite=overwrite)


def compile_for(loaded, jobs: tuple[str, ...], progress: Callable[[str, float], None] | None = None,
                tile_size: int | None = None):
    """The compiled :class:`~iadsim.world.World` of a preflighted scenario, its scenario and budget
    notes attached (what the run folder's manifest and report list); the in-memory API takes it."""
    from iadsim.api._common import compiled

    return compiled(loaded, None, None, progress, force=True, jobs=jobs, tile_size=tile_size)[2]


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The ``manifest.json`` a job wrote (empty when unreadable)."""
    try:
        return json.loads((Path(out_dir) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def job_summary(job: str, loaded, out_dir: Path, seconds: float, overrides: Sequence[str] | None,
                warnings: Sequence[str]) -> dict[str, Any]:
    """The part of a job's ``--json`` summary every job shares."""
    manifest = read_manifest(out_dir)
    report = Path(out_dir) / "report.html"
    return {"job": job, "scenario": str(loaded.source), "name": loaded.scenario.name,
            "seed": loaded.scenario.run.seed, "overrides": list(overrides or []),
            "out_dir": str(out_dir), "report": str(report) if report.is_file() else None,
            "files": len(manifest.get("run_files") or manifest.get("files") or []),
            "seconds": round(seconds, 3), "warnings": list(warnings)}


def wrote_line(summary: dict[str, Any]) -> None:
    """The final line of a job: files written, where, how long, the report."""
    console.print(f"[green]wrote[/green] {summary['files']} files to {lit(summary['out_dir'])} in "
                  f"{summary['seconds']:.1f} s; report: {lit(summary['report'])}", highlight=False, soft_wrap=True)


# ----------------------------------------------------------------------------- progress
_clock = time.monotonic
#: Seconds between plain progress lines when stderr is not a terminal.
PLAIN_EVERY_S = 5.0


#: What a plain progress line looks like (``[0:01:05]  45% tracking: scan 18/40``), for log filters.
PROGRESS_LINE = r"^\[\d+:\d\d:\d\d\] +\d+% "


def _phase(message: str) -> str:
    """The phase of a progress message: its text before the first colon (``tracking: scan 3/40``)."""
    return message.split(":", 1)[0].strip()


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class PlainProgress:
    """Progress as plain lines on stderr for logs and pipes: one at each phase change and one at
    least every ``every_s`` seconds while the job runs (:meth:`tick`, called by a heartbeat thread),
    ``[0:01:05] tracking  45% tracking: scan 18/40``."""

    def __init__(self, stream: Console, every_s: float = PLAIN_EVERY_S) -> None:
        self.stream, self.every_s = stream, every_s
        self.t0 = _clock()
        self.last_print: float | None = None
        self.phase: str | None = None
        self.message, self.fraction = "loading the scenario", 0.0
        self._lock = threading.Lock()

    def __call__(self, message: str, fraction: float) -> None:
        with self._lock:
            self.message, self.fraction = message, fraction
            phase = _phase(message)
            if phase != self.phase:
                self.phase = phase
                self._emit()
            elif self.last_print is None or _clock() - self.last_print >= self.every_s:
                self._emit()

    def tick(self) -> None:
        """Print the current state when nothing was printed for ``every_s`` seconds."""
        with self._lock:
            if self.last_print is None or _clock() - self.last_print >= self.every_s:
                self._emit()

    def _emit(self) -> None:
        now = _clock()
        self.last_print = now
        pct = 100.0 * min(max(float(self.fraction), 0.0), 1.0)
        self.stream.print(f"[{_hms(now - self.t0)}] {pct:3.0f}% {self.message}", markup=False, highlight=False,
                          soft_wrap=True)


@contextmanager
def _heartbeat(plain: PlainProgress) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(plain.every_s):
            plain.tick()

    thread = threading.Thread(target=beat, name="iadsim-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1.0)


@contextmanager
def progress_reporter(bar: bool = False, quiet: bool = False) -> Iterator[Callable[[str, float], None]]:
    """Yield the ``progress(message, fraction)`` callback the jobs in :mod:`iadsim.api` accept.

    On a terminal: a rich bar on stderr with the phase, percentage, ETA and elapsed time (the bar
    restarts at each phase). Otherwise: plain lines (:class:`PlainProgress`). Nothing with
    ``quiet``, ``--quiet`` or ``--json``. (``bar`` is kept for callers; the bar is always shown.)"""
    if quiet or _FLAGS.quiet or _FLAGS.json:
        yield lambda message, fraction: None
        return
    if not err_console.is_terminal:
        plain = PlainProgress(err_console)
        with _heartbeat(plain):
            yield plain
        return
    from rich.progress import (BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("ETA"), TimeRemainingColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("loading the scenario", total=1.0)
        state = {"phase": None, "fraction": 0.0}

        def report(message: str, fraction: float) -> None:
            fraction = min(max(float(fraction), 0.0), 1.0)
            phase = _phase(message)
            if phase != state["phase"] or fraction < state["fraction"]:
                progress.reset(task, total=1.0)
            state["phase"], state["fraction"] = phase, fraction
            progress.update(task, description=escape(message), completed=fraction)

        yield report


# ----------------------------------------------------------------------------- root
def _version(value: bool) -> None:
    if value:
        import iadsim

        console.print(f"iadsim {iadsim.__version__}")
        raise typer.Exit()


def _debug_flag(value: bool) -> bool:
    if value:
        _FLAGS.debug = True
    return value


@app.callback(epilog=EXIT_CODES_HELP)
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
    debug: Annotated[bool, typer.Option("--debug", callback=_debug_flag,
                                        help="On an internal error, print the traceback.")] = False,
) -> None:
    """Simulate and analyse integrated air-defence systems from public figures."""


# ----------------------------------------------------------------------------- validate
@app.command(epilog=EXIT_CODES_HELP)
def validate(scenario: ScenarioArg, force: ForceOpt = False, overrides: SetOpt = None, seed: SeedOpt = None,
             as_json: JsonOpt = False, quiet: QuietOpt = False,
             tile_size: Annotated[Optional[int], typer.Option(
                 "--tile-size", help="Estimate the coverage as `iadsim coverage --tile-size N` runs it: one "
                 "tile's working set, not the whole cube.")] = None) -> None:
    """Check a scenario file against the format and the catalog, open its DEM (which must cover every
    site; the share of each radar's range it covers is reported) and estimate the run's memory and
    time (above a hard limit this is an error, shown as a warning with --force).

    Example: iadsim validate examples/turkey-2019/scenario.yaml --json
    """
    from iadsim.catalog import load_catalog

    loaded = load_with_overrides(scenario, overrides, seed)  # the YAML front end first: a hostile file stops here
    from iadsim.world.budget import preflight  # numpy/scipy/numba only for a file that parsed

    catalog = load_catalog()
    pre = preflight(loaded, catalog, force=force, tile_size=tile_size)
    sc = loaded.scenario
    counts = {"sites": len(sc.sites), "radars": sum(len(s.radars) for s in sc.sites),
              "launchers": sum(lp.count for s in sc.sites for lp in s.launchers),
              "threats": sum(t.count for t in sc.threats), "defended_assets": len(sc.defended_assets)}
    if as_json:
        print_json({"ok": True, "scenario": str(scenario), "name": sc.name, "seed": sc.run.seed,
                    "overrides": list(overrides or []), **counts,
                    "dem_coverage": [{"site": s, "radar": r, "range_km": km, "fraction": f}
                                     for s, r, km, f in pre.dem_coverage],
                    "estimate": {"summary": pre.estimate.summary(), "peak_memory_bytes": _peak(pre.estimate),
                                 "seconds": sum(i.seconds for i in pre.estimate.items)},
                    "warnings": list(pre.warnings)})
        return
    for w in pre.warnings:
        warn(w)
    if not quiet:
        for site, radar, range_km, frac in pre.dem_coverage:
            console.print(f"DEM covers {100 * frac:.0f} % of the {range_km:.0f} km range of {escape(radar)} at "
                          f"{escape(site)}", highlight=False)
        console.print(f"estimate: {escape(pre.estimate.summary())}", highlight=False)
    console.print(
        f"[green]ok[/green] {lit(scenario)}: {lit(repr(sc.name))} — {counts['sites']} site(s), {counts['radars']} "
        f"radar(s), {counts['launchers']} launcher(s), {counts['threats']} threat(s), {counts['defended_assets']} "
        "defended asset(s)", soft_wrap=True)


def _peak(estimate: Any) -> float:
    return max((i.memory_bytes for i in estimate.items), default=0.0)


# ----------------------------------------------------------------------------- coverage
@app.command(epilog=EXIT_CODES_HELP)
def coverage(
    scenario: ScenarioArg,
    out: OutputOpt = Path("runs/coverage"),
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Skip PNG maps and diagrams.")] = False,
    force: ForceOpt = False,
    overwrite: OverwriteOpt = False,
    overrides: SetOpt = None,
    seed: SeedOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    tile_size: Annotated[Optional[int], typer.Option(
        "--tile-size", help="Network union products only, computed in tiles of this many cells a side and "
        "written to tiled GeoTIFFs (for DEMs too large for memory).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="Run per-site/per-tile work on the Dask scheduler at tcp://HOST:PORT.")] = None,
    dask_local: Annotated[Optional[int], typer.Option(
        "--dask-local", help="Run per-site/per-tile work on a local Dask cluster of N worker processes.")] = None,
) -> None:
    """Compute detection, track and engagement coverage and write maps, GeoTIFF, GeoJSON and a report.

    Example: iadsim coverage examples/turkey-2019/scenario.yaml -o runs/turkey-2019
    """
    import iadsim

    t0 = time.perf_counter()
    loaded = preflight_load(scenario, ("coverage",), force, overrides, seed, tile_size=tile_size)
    check_output(out, loaded, overwrite)
    with progress_reporter() as report:
        world = compile_for(loaded, ("coverage",), report, tile_size=tile_size)
        if tile_size or scheduler or dask_local:
            # tiles and Dask are modes of the folder-writing job (out of core: no in-memory result)
            from iadsim.api.coverage import run_coverage
            from iadsim.api.coverage_data import range_ring_frame, ring_records

            run = run_coverage(loaded, out, progress=report, figures=not no_figures, force=True, world=world,
                               overwrite=overwrite, tile_size=tile_size, scheduler=scheduler,
                               dask_local=dask_local)
            out_dir, sites = run.out_dir, run.result.sites
            rings = range_ring_frame(ring_records(run.rows), world.scenario.coverage.sector_deg,
                                     summary=True)
        else:
            analysis = iadsim.run(world, jobs="coverage", progress=report)
            out_dir = analysis.to_folder(out, figures=not no_figures, overwrite=overwrite, progress=report)
            sites, rings = analysis.coverage_result.sites, analysis.range_ring_summary
    for w in (w for sc in sites for w in sc.warnings):
        warn(w)
    summary = job_summary("coverage", loaded, out_dir, time.perf_counter() - t0, overrides, world.notes)
    summary["range_rings"] = [
        {k: r[k] for k in ("site", "product", "radar", "threat_class", "altitude_m", "altitude_ref", "nominal_km",
                           "reach_min_km", "reach_median_km", "reach_max_km")} for r in rings.to_dict("records")]
    if as_json:
        print_json(summary)
        return
    if not is_quiet() and len(rings):
        console.print(_ring_table(rings, world))
    wrote_line(summary)


def _ring_table(rings: Any, world: Any) -> Table:
    """Median reach over sectors per site, product, radar and class (columns: altitudes)."""
    alts = list(world.scenario.coverage.altitudes_m)
    ref = world.scenario.coverage.altitude_ref.value.upper()
    table = Table(title="Range ring vs physics: median reach over sectors, km (nominal ring in brackets)")
    for col in ("site", "product", "radar", "class"):
        table.add_column(col)
    for alt in alts:
        table.add_column(f"{alt:g} m {ref}", justify="right")
    grouped: dict[tuple, dict[float, str]] = {}
    for r in rings.to_dict("records"):
        key = (r["site"], r["product"], r["radar"], r["threat_class"], r["nominal_km"])
        grouped.setdefault(key, {})[float(r["altitude_m"])] = f"{r['reach_median_km']:.0f}"
    for (site, product, radar, cls, nominal_km), cells in grouped.items():
        table.add_row(lit(site), product, lit(radar), lit(f"{cls} [{nominal_km:.0f}]"),
                      *[cells.get(float(a), "") for a in alts])
    return table


# ----------------------------------------------------------------------------- catalog
_KINDS = ("radar", "launcher", "missile", "threat", "system")


@catalog_app.command("list", epilog=EXIT_CODES_HELP)
def catalog_list(
    kind: Annotated[Optional[str], typer.Option("--kind", "-k", help="radar, launcher, missile, threat or system.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List catalog entries.

    Example: iadsim catalog list --kind radar
    """
    from iadsim.catalog import load_catalog

    if kind is not None and kind not in _KINDS:
        raise typer.BadParameter(f"expected one of {', '.join(_KINDS)}", param_hint="--kind")
    cat = load_catalog()
    rows = []
    for k in (kind,) if kind else _KINDS:
        for name in cat.names(k):
            e = cat.get(name)
            rows.append({"kind": k, "name": name,
                         "description": str(getattr(e, "system", None) or getattr(e, "description", "") or ""),
                         "grades": _grades(cat, name)})
    if as_json:
        print_json({"entries": rows})
        return
    table = Table(title="iadsim equipment catalog")
    for col in ("kind", "name", "system / description", "sources by grade (A-F)"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["kind"], r["name"], r["description"], " ".join(f"{g}{n}" for g, n in r["grades"].items()))
    console.print(table)


def _grades(cat: Any, name: str) -> dict[str, int]:
    """How many distinct sources of each reliability grade (A-F) an entry's figures cite."""
    letters = [cat.sources[sid].reliability for sid in {s for _, f in cat.figures(name) for s in f.sources}
               if sid in cat.sources]
    return {g: letters.count(g) for g in "ABCDEF" if g in letters}


def _grade_counts(cat: Any, name: str) -> str:
    """``"A2 C1 D4"``: how many distinct sources of each reliability grade an entry's figures cite."""
    return " ".join(f"{g}{n}" for g, n in _grades(cat, name).items())


def _source_record(sid: str, s: Any) -> dict[str, Any]:
    return {"id": sid, "grade": s.grade, "reliability": s.reliability, "publisher": s.publisher, "title": s.title,
            "date": s.date, "url": s.url, "edition": s.edition, "isbn": s.isbn, "grade_note": s.grade_note}


@catalog_app.command("sources", epilog=EXIT_CODES_HELP)
def catalog_sources(as_json: JsonOpt = False) -> None:
    """List every source with its reliability grade (Admiralty scale) and the entries that cite it.

    Example: iadsim catalog sources
    """
    from iadsim.catalog import load_catalog

    cat = load_catalog()
    cited: dict[str, list[str]] = {}
    for name in cat.names():
        for sid in sorted({s for _, f in cat.figures(name) for s in f.sources}):
            cited.setdefault(sid, []).append(name)
    if as_json:
        print_json({"sources": [{**_source_record(sid, src), "cited_by": cited.get(sid, [])}
                                for sid, src in cat.sources.items()]})
        return
    table = Table(title="Sources, graded on the Admiralty scale (A completely reliable, B usually, C fairly, "
                        "D not usually reliable, E unreliable, F cannot be judged)")
    for col in ("id", "grade", "publisher", "date", "why this grade", "cited by"):
        table.add_column(col, overflow="fold")
    for sid, src in cat.sources.items():
        table.add_row(sid, src.reliability, src.publisher, src.date, src.grade_note or "",
                      ", ".join(cited.get(sid, [])) or "(not cited)")
    console.print(table)


@catalog_app.command("show", epilog=EXIT_CODES_HELP)
def catalog_show(name: Annotated[str, typer.Argument(help="Entry name, e.g. 92N6E or lo_fighter.")],
                 as_json: JsonOpt = False) -> None:
    """Show one entry's figures with their spread and sources.

    Example: iadsim catalog show 92N6E
    """
    from iadsim.catalog import entry_table, load_catalog

    cat = load_catalog()
    entry = cat.get(name)
    rows = entry_table(entry)
    used = sorted({sid for fig_path, fig in cat.figures(name) for sid in fig.sources})
    if as_json:
        print_json({"name": name, "kind": entry.kind, "figures": rows,
                    "sources": [_source_record(sid, cat.sources[sid]) for sid in used if sid in cat.sources]})
        return
    table = Table(title=f"{lit(name)} ({entry.kind}); sources with their reliability grade [A-F]")
    keys = list(rows[0]) if rows else ["field"]
    for k in keys:
        table.add_column(k, overflow="fold")
    for r in rows:
        r["sources"] = [cat.cite(sid) for sid in r.get("sources") or []]
        table.add_row(*[", ".join(v) if isinstance(v, (list, tuple)) else ("" if v is None else str(v)) for v in r.values()])
    console.print(table)
    console.print("Sources (reliability on the Admiralty scale: A completely reliable ... E unreliable, "
                  "F cannot be judged):", markup=False, soft_wrap=True)
    for sid in used:
        s = cat.sources.get(sid)
        if s is not None:
            book = "".join(f", {v}" for v in (s.edition, f"ISBN {s.isbn}" if s.isbn else None) if v)
            console.print(f"{sid} [{s.grade}]: {s.publisher}, “{s.title}”{book}, {s.date}. {s.url}"
                          + (f" Grade: {s.grade_note}" if s.grade_note else ""), markup=False, soft_wrap=True)


# ----------------------------------------------------------------------------- schema
@app.command(epilog=EXIT_CODES_HELP)
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
            raise OutputError(f"cannot write ({exc.strerror})", file=out) from None
        console.print(f"[green]wrote[/green] {lit(out)}")


# Commands defined in their own modules register themselves on `app` when imported here
# (one import line per module, below this comment).
import iadsim.cli.track  # noqa: E402,F401  (registers `iadsim track`)
import iadsim.cli.battle  # noqa: E402,F401  (iadsim run)
import iadsim.cli.export  # noqa: E402,F401  (iadsim export)
import iadsim.cli.serve  # noqa: E402,F401  (iadsim serve)
import iadsim.cli.sweep  # noqa: E402,F401  (iadsim sweep, iadsim report)


# ----------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Entry point: run the Typer app; turn an error into one line (and ``{"error": ...}`` on
    stdout with ``--json``) and the exit status of the module docstring."""
    _FLAGS.json = _FLAGS.quiet = _FLAGS.debug = False
    try:
        return _run(argv)
    finally:
        _FLAGS.json = _FLAGS.quiet = _FLAGS.debug = False


def _run(argv: list[str] | None) -> int:
    try:
        app(args=argv, prog_name="iadsim", standalone_mode=True)
    except SystemExit as exc:  # click's usage errors (2), --help and typer.Exit end here, already printed
        code = exc.code
        code = code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_INTERNAL)
        if code == EXIT_USAGE and "--json" in (sys.argv[1:] if argv is None else argv):
            print_json({"error": {"file": None, "line": None, "column": None, "field": None,
                                  "message": "usage error (the message is on stderr; see --help)", "kind": "usage",
                                  "exit_code": EXIT_USAGE}})
        return code
    except IadsimError as exc:
        return _user_error(exc)
    except (OSError, RuntimeError) as exc:  # the OS refusing a path, or '~nosuchuser' in one: a user error
        if isinstance(exc, RuntimeError) and "home directory" not in str(exc):
            return _internal(exc)
        return _user_error(_os_error(exc))
    except Exception as exc:
        return _internal(exc)
    return EXIT_OK


def _os_error(exc: BaseException) -> InputError:
    """An OSError that escaped a command: an output error when the device refused to store data,
    otherwise an input error (a path that cannot be used)."""
    import errno

    from iadsim.errors import os_error

    name = errno.errorcode.get(getattr(exc, "errno", None) or -1, "")
    cls = OutputError if name in ("ENOSPC", "EDQUOT", "EROFS") else InputError
    return os_error(exc, action="use this path", cls=cls)


def error_record(exc: BaseException, code: int) -> dict[str, Any]:
    """``{"error": {file, line, column, field, message, kind, exit_code}}`` for ``--json``."""
    if isinstance(exc, InputError):
        rec = {"file": exc.file, "line": exc.line, "column": exc.column, "field": exc.field,
               "message": exc.message, "kind": exc.kind}
    else:
        rec = {"file": None, "line": None, "column": None, "field": None, "message": str(exc),
               "kind": "error" if isinstance(exc, IadsimError) else "internal"}
    rec["exit_code"] = code
    return {"error": rec}


def _user_error(exc: IadsimError) -> int:
    code = exit_code_for(exc)
    err_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True)
    if _FLAGS.json:
        print_json(error_record(exc, code))
    return code


def _internal(exc: Exception) -> int:
    if os.environ.get("IADSIM_DEBUG"):
        raise exc
    import traceback

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if _FLAGS.debug:
        sys.stderr.write(text)
        where = "traceback above"
    else:
        where = "rerun with --debug for the traceback"
        log = _crash_log(text)
        if log is not None:
            where = f"traceback in {log}"
    err_console.print(f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(str(exc))} "
                      f"(this is a bug in iadsim; {escape(where)}; please report it)",
                      highlight=False, soft_wrap=True)
    if _FLAGS.json:
        print_json(error_record(exc, EXIT_INTERNAL))
    return EXIT_INTERNAL


def _crash_log(text: str) -> Path | None:
    """Write a traceback to ``iadsim-crash-<time>-<pid>.log`` in the temporary folder; its path."""
    import tempfile

    path = Path(tempfile.gettempdir()) / f"iadsim-crash-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
