"""`run_battle` and `run_all`: the time-stepped battle, its products, and the whole ``iadsim run``.

Products of the battle in the output directory:

* ``events.parquet``: the event log (:data:`iadsim.sim.battle.EVENTS`), one row per event;
* ``outcomes.csv``: per threat, killed (by which shot, launcher and missile, when, where), leaked
  (when, where, at which asset or at the end of its route) or survived;
* ``shots.csv``: per interceptor launched, its launcher, target, predicted intercept, Pk and outcome;
* ``expended.csv``: interceptors expended per missile type;
* ``battle/timeline.png``, ``battle/intercepts.png``; ``metrics.json`` (key ``battle``);
* ``report.html`` with the battle section (``run_all``: with the coverage sections too).
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.api.coverage import CoverageRun, Progress, prepare_output_dir, run_coverage
from iadsim.catalog import Catalog, load_catalog
from iadsim.report.battle_report import intercepts_png, timeline_png, write_battle_report, write_run_report
from iadsim.scenario import LoadedScenario, load_scenario
from iadsim.sim.battle import BattleResult, simulate
from iadsim.sim.battle_setup import check_tracking_mode, prepare_battle
from iadsim.world import World, compile_world


@dataclass
class BattleRun:
    """What :func:`run_battle` wrote, with the result it came from."""

    out_dir: Path
    result: BattleResult
    metrics: dict[str, Any]
    files: list[Path]
    figures: list[tuple[str, Path]] = field(default_factory=list)
    report: Path | None = None

    @property
    def warnings(self) -> list[str]:
        return self.result.setup.warnings

    @property
    def notes(self) -> list[str]:
        return self.result.setup.world.notes + self.result.setup.notes


@dataclass
class FullRun:
    """``iadsim run``: the coverage and the battle of one scenario, and their one report."""

    out_dir: Path
    coverage: CoverageRun
    battle: BattleRun
    report: Path


def _load(scenario: str | Path | LoadedScenario, catalog: Catalog | None) -> tuple[LoadedScenario, Catalog]:
    catalog = catalog or load_catalog()
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario, catalog)
    return loaded, catalog


def battle_metrics(result: BattleResult) -> dict[str, Any]:
    """Summary figures of one replication (``metrics.json`` key ``battle``)."""
    s = result.setup
    leaked_at: dict[str, int] = {}
    value_leaked = 0.0
    for i in np.flatnonzero(result.status == "leaked"):
        a = int(result.leak_asset[i])
        key = s.asset_names[a] if a >= 0 else "(end of route)"
        leaked_at[key] = leaked_at.get(key, 0) + 1
        value_leaked += float(s.asset_value[a]) if a >= 0 else 0.0
    shots = result.shots
    n_shots = int(shots["threat"].size)
    kills = int(np.count_nonzero(shots["outcome"] == "kill"))
    by_class = {}
    for ci, cls in enumerate(s.class_names):
        m = s.threat_class == ci
        by_class[cls] = {k: int(np.count_nonzero(result.status[m] == k)) for k in ("killed", "leaked", "survived")}
    return {
        "seed": result.seed,
        "threats": result.n_threats,
        "killed": result.count("killed"),
        "leaked": result.count("leaked"),
        "survived": result.count("survived"),
        "by_class": by_class,
        "leaked_at": leaked_at,
        "asset_value_leaked": value_leaked,
        "interceptors_expended": result.expended_by_type(),
        "shots": n_shots,
        "kills_per_shot": (kills / n_shots) if n_shots else None,
        "engagements": int(np.unique(shots["engagement"]).size) if n_shots else 0,
        "rounds_left": int(max(s.ready0.sum() - n_shots, 0)) if not s.reserve0.any() else None,
        "decision_cycles": result.cycles,
        "time_steps": s.n_steps,
        "time_step_s": float(s.world.scenario.run.time_step_s),
        "simulated_s": float(s.t_s[-1]) if s.n_steps else 0.0,
        "settings": s.settings.model_dump(),
        "timings_s": {"battle_loop": round(result.seconds, 4),
                      **{k: round(v, 4) for k, v in s.seconds.items()}},
        "warnings": list(s.warnings),
        "notes": list(s.notes),
    }


def _write_outcomes(result: BattleResult, path: Path) -> Path:
    s, shots = result.setup, result.shots
    pts = np.full((result.n_threats, 3), np.nan)
    for i in range(result.n_threats):
        if result.status[i] == "killed":
            j = result.kill_shot[i]
            pts[i] = (shots["east_m"][j], shots["north_m"][j], shots["up_m"][j])
        elif result.status[i] == "leaked":
            pts[i] = s.leak_pos_enu_m[i]
    ok = np.isfinite(pts[:, 0])
    lat = np.full(result.n_threats, np.nan)
    lon = np.full(result.n_threats, np.nan)
    if ok.any():
        la, lo, _ = s.world.frame.enu_to_geodetic(pts[ok, 0], pts[ok, 1], pts[ok, 2])
        lat[ok], lon[ok] = np.degrees(la), np.degrees(lo)
    fired = np.bincount(shots["threat"], minlength=result.n_threats) if shots["threat"].size else \
        np.zeros(result.n_threats, dtype=np.int64)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["threat", "name", "class", "outcome", "t_s", "by_shot", "by_launcher", "by_missile", "leak_asset",
                    "lat_deg", "lon_deg", "alt_msl_m", "interceptors_fired_at"])
        for i in range(result.n_threats):
            st = result.status[i]
            t = "" if np.isnan(result.end_time_s[i]) else f"{result.end_time_s[i]:.2f}"
            shot = int(result.kill_shot[i])
            by_l = s.launcher_label[shots["launcher"][shot]] if shot >= 0 else ""
            by_m = s.missile_names[shots["missile"][shot]] if shot >= 0 else ""
            a = int(result.leak_asset[i])
            asset = s.asset_names[a] if a >= 0 else ("end of route" if a == -1 else "")
            alt = ""
            if ok[i]:
                alt = f"{float(s.world.frame.enu_to_geodetic(pts[i, 0], pts[i, 1], pts[i, 2])[2]):.0f}"
            w.writerow([i, s.traj.name[i], s.traj.threat_class[i], st, t, shot if shot >= 0 else "", by_l, by_m, asset,
                        f"{lat[i]:.5f}" if ok[i] else "", f"{lon[i]:.5f}" if ok[i] else "", alt, int(fired[i])])
    return path


def _write_shots(result: BattleResult, path: Path) -> Path:
    s, sh = result.setup, result.shots
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["shot", "engagement", "threat", "launcher", "missile", "t_launch_s", "t_intercept_s", "pk", "outcome"])
        for i in range(sh["threat"].size):
            w.writerow([i, int(sh["engagement"][i]), s.traj.name[sh["threat"][i]], s.launcher_label[sh["launcher"][i]],
                        s.missile_names[sh["missile"][i]], f"{sh['t_launch_s'][i]:.2f}", f"{sh['t_intercept_s'][i]:.2f}",
                        f"{sh['pk'][i]:.4f}", sh["outcome"][i]])
    return path


def _write_expended(result: BattleResult, path: Path) -> Path:
    s = result.setup
    loaded = s.ready0.sum(axis=0) if s.ready0.size else np.zeros(len(s.missile_names), dtype=np.int64)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["missile", "expended", "loaded_at_start", "kills"])
        kills = result.shots["outcome"] == "kill"
        for mi, (name, n) in enumerate(result.expended_by_type().items()):
            w.writerow([name, n, int(loaded[mi]), int(np.count_nonzero(kills & (result.shots["missile"] == mi)))])
    return path


def _merge_metrics(path: Path, key: str, value: dict[str, Any]) -> None:
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
    data[key] = value
    path.write_text(json.dumps(data, indent=2, default=str))


def run_battle(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
               progress: Progress | None = None, world: World | None = None, figures: bool = True,
               report: bool = True) -> BattleRun:
    """Simulate the scenario's raid against its defence once (seed ``run.seed``) and write the battle
    products (module docstring) to ``out_dir``. ``world`` reuses an already compiled world."""
    t0 = time.perf_counter()
    if world is None:
        loaded, catalog = _load(scenario, catalog)
        if progress:
            progress("compiling the scenario (catalog, terrain)", 0.0)
        world = compile_world(loaded, catalog)
    check_tracking_mode(world.loaded)
    out = prepare_output_dir(out_dir)
    if progress:
        progress("battle: routes, radar views and terrain", 0.0)
    setup = prepare_battle(world)
    if progress:
        progress(f"battle: {setup.n_threats} threats × {setup.n_steps} steps", 0.0)
    result = simulate(setup)
    if progress:
        progress("battle: writing events, outcomes and figures", 0.0)
    files: list[Path] = []
    events = out / "events.parquet"
    import pyarrow.parquet as pq

    pq.write_table(result.events_table(), events)
    files.append(events)
    files.append(_write_outcomes(result, out / "outcomes.csv"))
    files.append(_write_shots(result, out / "shots.csv"))
    files.append(_write_expended(result, out / "expended.csv"))
    figs: list[tuple[str, Path]] = []
    if figures:
        (out / "battle").mkdir(exist_ok=True)
        figs.append(("Engagement timeline", timeline_png(result, out / "battle" / "timeline.png")))
        figs.append(("Intercept points, threat tracks, sites and assets",
                     intercepts_png(result, out / "battle" / "intercepts.png")))
        files += [p for _, p in figs]
    metrics = battle_metrics(result)
    metrics["timings_s"]["battle_total"] = round(time.perf_counter() - t0, 3)
    _merge_metrics(out / "metrics.json", "battle", metrics)
    files.append(out / "metrics.json")
    run = BattleRun(out_dir=out, result=result, metrics=metrics, files=files, figures=figs)
    if report:
        run.report = write_battle_report(run, out / "report.html")
    return run


def run_all(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
            progress: Progress | None = None, figures: bool = True) -> FullRun:
    """``iadsim run``: coverage products and the battle into one directory, with one ``report.html``
    holding the coverage sections and the battle section (see :func:`write_run_report`)."""
    from iadsim.api import coverage as _cov

    loaded, catalog = _load(scenario, catalog)
    check_tracking_mode(loaded)  # fail on settings the battle cannot honour before the long coverage pass
    out = prepare_output_dir(out_dir)
    cov = run_coverage(loaded, out, catalog=catalog, progress=progress, figures=False)
    world = cov.result.world
    cov_figs: dict[str, list[tuple[str, Path]]] = {"maps": [], "polar": [], "vcd": []}
    if figures:
        if progress:
            progress("drawing maps and diagrams", 0.0)
        cov_figs = _cov._figures(world, cov.result, cov.rows, out)
        cov.files += [p for group in cov_figs.values() for _, p in group]
    battle = run_battle(loaded, out, catalog=catalog, progress=progress, world=world, figures=figures, report=False)
    manifest = dict(cov.manifest)
    manifest["job"] = "run"
    manifest["files"] = sorted({str(p.relative_to(out)) for p in cov.files + battle.files} | {"manifest.json", "report.html"})
    manifest["notes"] = list(manifest.get("notes", [])) + list(battle.result.setup.notes)
    manifest["warnings"] = list(battle.warnings)
    manifest.setdefault("timings_s", {})["battle"] = battle.metrics["timings_s"]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    cov.manifest = manifest
    report = write_run_report(cov, cov_figs, battle, manifest, out / "report.html")
    battle.report = report
    return FullRun(out_dir=out, coverage=cov, battle=battle, report=report)
