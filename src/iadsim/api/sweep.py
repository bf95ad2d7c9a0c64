"""``iadsim.sweep`` / ``iadsim sweep``: Monte Carlo replications of the battle over sweep points
and the catalog's spreads, into a resumable Parquet dataset (:mod:`iadsim.montecarlo`).

>>> res = iadsim.sweep("examples/turkey-2019/scenario.yaml", replications=200,          # doctest: +SKIP
...                    vary=["raid.scale=0.5:2:0.5", "engagement.doctrine=salvo,shoot-look-shoot"])
>>> res.data.groupby("vary:raid.scale").leaked.mean()                                     # doctest: +SKIP
>>> res.summary()                                                                         # doctest: +SKIP

The points are built here, with the editable scenario's path setter (the paths of ``--set``), and
handed to :func:`iadsim.montecarlo.engine.run_sweep`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iadsim import __version__
from iadsim.api.scenario_edit import EditableScenario, load_scenario
from iadsim.catalog import load_catalog
from iadsim.errors import ScenarioError
from iadsim.montecarlo import dataset, engine, spec, uncertainty
from iadsim.montecarlo.replicate import PointJob
from iadsim.montecarlo.seeds import lhs_generator
from iadsim.scenario import LoadedScenario
from iadsim.world import compile_world

__all__ = ["SweepResult", "sweep", "plan_sweep"]


@dataclass
class SweepResult:
    """A finished (or resumed) sweep: its folder, manifest and rows."""

    out_dir: Path | None
    manifest: dict[str, Any]
    data: Any  # pandas.DataFrame, one row per replication (iadsim.montecarlo.replicate.row)
    batches_run: int = 0

    def summary(self, metrics: Sequence[str] = ("killed", "leaked", "shots")):
        """Per point: mean and 95% bootstrap interval of each metric, and the Wilson interval of
        P(any leaker) (:func:`iadsim.montecarlo.stats.summarise`)."""
        from iadsim.montecarlo.stats import summarise

        return summarise(self.data, metrics)

    def __repr__(self) -> str:
        n_points = len(self.manifest.get("points", []))
        return (f"<SweepResult {len(self.data)} replications over {n_points} point(s)"
                f"{f' in {self.out_dir}' if self.out_dir else ''}>")


@dataclass
class SweepPlan:
    jobs: list[PointJob]
    manifest: dict[str, Any]
    replications: int
    batch_size: int


def _raid_scaled(sc: EditableScenario, scale: float) -> EditableScenario:
    """Every threat group's ``count`` times ``scale``, rounded, at least 1 (after the point's other edits)."""
    out = sc.copy()
    for i, t in enumerate(out.to_dict().get("threats") or []):
        out.set(f"threats[{i}].count", max(1, int(round(int(t.get("count", 1)) * scale))))
    return out


def _settings(loaded: LoadedScenario):
    return loaded.scenario.sweep


def _names(given: Sequence[str] | str | None, default: Sequence[str]) -> list[str]:
    if given is None:
        given = list(default)
    if isinstance(given, str):
        given = given.split(",")
    return [g.strip() for g in given if g.strip()]


def tornado_points(points: list[dict[str, Any]], figures: list[uncertainty.Uncertain]
                   ) -> tuple[list[dict[str, Any]], list[int]]:
    """Each point, then the point with each figure at its low and at its high (the others
    nominal); and, per resulting point, the index of the nominal point whose seeds it reuses."""
    if not figures:
        return points, list(range(len(points)))
    out: list[dict[str, Any]] = []
    seeds: list[int] = []
    for p in points:
        base = len(out)
        out.append(dict(p))
        seeds.append(base)
        for f in figures:
            for x in (f.low, f.high):
                out.append({**p, f"catalog.{f.name}": x})
                seeds.append(base)
    return out, seeds


def plan_sweep(scenario: str | Path | Mapping[str, Any] | EditableScenario | LoadedScenario, *,
               vary: Sequence[str] | Mapping[str, Any] | None = None, replications: int | None = None,
               uncertain: Sequence[str] | str | None = None, distribution: str | None = None,
               batch_size: int | None = None, workers: int | None = None,
               catalog_dirs: Sequence[str | Path] = (), tornado: Sequence[str] | str | None = None) -> SweepPlan:
    """The sweep's points (jobs) and manifest; options not given come from the scenario's
    ``sweep:`` section, then the defaults (100 replications, triangular). Bad input raises a
    one-line :class:`~iadsim.errors.ScenarioError` before anything runs.

    ``tornado`` (``"catalog"`` or ``ENTRY.FIGURE`` names) adds, to every point of the cross
    product, one point per figure at its catalog low and one at its high, the others nominal
    (:func:`tornado_points`); their replications reuse the nominal point's seeds (common random
    numbers), so a swing measures the figure, not the draws."""
    dirs = tuple(str(Path(d).resolve()) for d in catalog_dirs)
    catalog = load_catalog(dirs)
    sc = load_scenario(scenario, catalog)
    base = sc.validate()
    section = _settings(base)
    varies = _varies(vary, section, catalog)
    n = int(replications if replications is not None else (section.replications if section else 100))
    if n < 1:
        raise ScenarioError(f"replications must be at least 1, got {n}", field="--replications")
    dist = distribution or (section.distribution if section else "triangular")
    if dist not in uncertainty.DISTRIBUTIONS:
        raise ScenarioError(f"unknown distribution {dist!r}; expected triangular or uniform", field="--distribution")
    figures, swung = _figures(base, catalog, section, uncertain, tornado, varies)
    bs = int(batch_size or engine.default_batch_size(n, workers or 2))
    points, seed_points = tornado_points(spec.cross_product(varies), swung)
    seed = int(base.scenario.run.seed)
    jobs = []
    for i, values in enumerate(points):
        cat_values = {tuple(k.split(".", 2)[1:]): x for k, x in values.items() if k.startswith("catalog.")}
        uncertainty.with_figures(catalog, cat_values)  # an invalid figure fails now, not in a worker
        samples = uncertainty.sample(figures, n, lhs_generator(seed, i), dist) if figures else None
        jobs.append(PointJob(key="", index=i, values=values, loaded=_point_scenario(sc, varies, values).validate(),
                             run_seed=seed, catalog_dirs=dirs, catalog_values=cat_values, uncertain=figures,
                             samples=samples, seed_point=None if seed_points[i] == i else seed_points[i]))
    definition = {
        "format": dataset.FORMAT,
        "scenario": base.scenario.model_dump(mode="json", by_alias=True, exclude={"sweep"}),
        "vary": [[v.path, list(v.values)] for v in varies],
        "uncertain": [f.name for f in figures], "distribution": dist if figures else None,
        "replications": n, "batch_size": bs, "run_seed": seed, "catalog_dirs": list(dirs),
    }
    if swung:
        definition["tornado"] = [f.name for f in swung]
    manifest = _manifest(base, definition, points, seed_points, figures, swung)
    for j in jobs:
        j.key = manifest["hash"]
    return SweepPlan(jobs=jobs, manifest=manifest, replications=n, batch_size=bs)


def _varies(vary, section, catalog) -> list[spec.Vary]:
    """The swept paths (the arguments, else the scenario's ``sweep.vary``), each at most once."""
    if vary is None:
        vary = dict(section.vary) if section else {}
    if isinstance(vary, Mapping):
        vary = [f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in vary.items()]
    varies = [spec.parse_vary(v, catalog) for v in vary]
    paths = [v.path for v in varies]
    dup = next((p for p in paths if paths.count(p) > 1), None)
    if dup:
        raise ScenarioError(f"{dup} is varied twice; give all its values in one --vary", field=dup)
    return varies


def _figures(base: LoadedScenario, catalog, section, uncertain, tornado, varies: list[spec.Vary]):
    """(sampled figures, tornado figures), each from its option or the scenario's section."""
    uncertain = _names(uncertain, section.uncertain if section else [])
    tornado = _names(tornado, section.tornado if section else [])
    if uncertain and tornado:
        raise ScenarioError("--tornado varies one figure at a time around the nominal catalog; it cannot be combined "
                            "with --uncertain (run them as two sweeps)", field="--tornado")
    world = compile_world(base, catalog) if (uncertain or tornado) else None
    used = uncertainty.used_entries(world) if world is not None else []
    bands = uncertainty.used_bands(world) if world is not None else None
    figures = uncertainty.select(catalog, used, uncertain, bands)
    swung = uncertainty.select(catalog, used, tornado, bands, option="--tornado")
    clash = next((f.name for f in swung if f"catalog.{f.name}" in {v.path for v in varies}), None)
    if clash:
        raise ScenarioError(f"catalog.{clash} is both varied and in --tornado; choose one", field="--tornado")
    return figures, swung


def _point_scenario(sc: EditableScenario, varies: list[spec.Vary], values: dict[str, Any]) -> EditableScenario:
    """The scenario of one point: its scenario paths set, then the raid scaled."""
    edited = sc
    for v in varies:
        if v.kind == "scenario":
            edited = edited.with_({v.path: values[v.path]})
        elif v.kind == "raid":
            edited = _raid_scaled(edited, values[v.path])
    return edited


def _manifest(base: LoadedScenario, definition: dict[str, Any], points, seed_points, figures, swung) -> dict[str, Any]:
    def spread(fs):
        return [{"name": f.name, "low": f.low, "nominal": f.nominal, "high": f.high} for f in fs]

    return {
        "hash": dataset.definition_hash(definition), "iadsim": __version__, "source": base.source,
        "definition": definition,
        "points": [{"point": i, "values": p, **({"seeds_of_point": seed_points[i]} if seed_points[i] != i else {})}
                   for i, p in enumerate(points)],
        "uncertain": spread(figures), "tornado": spread(swung),
        "seeds": "numpy SeedSequence(entropy=run.seed, spawn_key=(point, rep)); the row's seed is its run.seed; "
                 "a tornado point reuses the seeds of its nominal point (seeds_of_point)",
    }


def sweep(scenario: str | Path | Mapping[str, Any] | EditableScenario | LoadedScenario, *,
          vary: Sequence[str] | Mapping[str, Any] | None = None, replications: int | None = None,
          uncertain: Sequence[str] | str | None = None, distribution: str | None = None,
          out: str | Path | None = None, resume: bool = False, workers: int | None = None,
          scheduler: str | None = None, dask_local: int | None = None, batch_size: int | None = None,
          catalog_dirs: Sequence[str | Path] = (), progress: engine.SweepProgress | None = None,
          tornado: Sequence[str] | str | None = None) -> SweepResult:
    """Run a Monte Carlo sweep and return its rows as a pandas DataFrame (:class:`SweepResult`).

    Parameters
    ----------
    scenario : scenario file, dict, editable or loaded scenario.
    vary : ``["PATH=VALUES", ...]`` or ``{PATH: VALUES}`` (:mod:`iadsim.montecarlo.spec`); the
        points are their cross product.
    replications : per point (default: the scenario's ``sweep.replications``, else 100).
    uncertain : ``"catalog"`` or figure names ``ENTRY.FIGURE`` sampled per replication.
    tornado : ``"catalog"`` or figure names: one-at-a-time points at each figure's low and high.
    out : the sweep folder (``sweep.json``, ``results/*.parquet``); a temporary one if None.
    resume : continue the sweep already in ``out``.
    workers, scheduler, dask_local : executor (:mod:`iadsim.montecarlo.engine`).
    """
    plan = plan_sweep(scenario, vary=vary, replications=replications, uncertain=uncertain,
                      distribution=distribution, batch_size=batch_size, workers=workers, catalog_dirs=catalog_dirs,
                      tornado=tornado)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="iadsim-sweep-") as tmp:
            run = _run(plan, Path(tmp), False, workers, scheduler, dask_local, progress)
            run.out_dir = None
            return run
    return _run(plan, Path(out), resume, workers, scheduler, dask_local, progress)


def _run(plan: SweepPlan, out: Path, resume: bool, workers, scheduler, dask_local, progress) -> SweepResult:
    n = engine.run_sweep(plan.jobs, out, plan.manifest, replications=plan.replications, batch_size=plan.batch_size,
                         resume=resume, workers=workers, scheduler=scheduler, dask_local=dask_local,
                         progress=progress)
    return SweepResult(out_dir=out, manifest=plan.manifest, data=dataset.read_results(out), batches_run=n)


def open_sweep(folder: str | Path) -> SweepResult:
    """A sweep folder's manifest and finished rows."""
    return SweepResult(out_dir=Path(folder), manifest=dataset.read_manifest(Path(folder)),
                       data=dataset.read_results(Path(folder)))
