"""`run_battle` and `run_all`: the time-stepped battle, its products, and the whole ``iadsim run``.

``run_all`` (``iadsim run``) runs, into one directory: the coverage job
(:func:`iadsim.api.coverage.run_coverage`), the tracking job (:func:`iadsim.api.track.run_tracking`:
``detections``/``tracks``/``truth``/``gospa.parquet``, ``tracking/*.png``, ``metrics.json`` key
``tracking``) and the battle, then writes one ``report.html``: the battle's headline outcome,
coverage, tracking, the battle's details, equipment and sources. Under
``engagement.tracking: tracker`` the battle perceives through that same tracking run (one
measurement and tracker pass, not two). Under ``perfect``, a scenario whose radars lack a revisit
time or accuracies (tracking inputs) still runs: the tracking part is skipped and the report says
why; under ``tracker`` that is a located error before anything is computed.

Products of the battle in the output directory:

* ``events.parquet``: the event log (:data:`iadsim.sim.battle.EVENTS`), one row per event;
* ``outcomes.csv``: per threat, killed (by which shot, launcher and missile, when, where), leaked
  (when, where, at which asset or at the end of its route) or survived;
* ``shots.csv``: per interceptor launched, its launcher, target, predicted intercept, Pk and outcome
  (``tracking: tracker``: with the distance from the predicted intercept point to the true threat
  and that distance in σ of the track, ``cue_error_m``, ``cue_error_sigma``);
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

from iadsim.api._common import Progress, compiled, merge_json, prepare_output_dir
from iadsim.api.coverage import CoverageRun, run_coverage
from iadsim.api.track import TrackingRun, run_tracking
from iadsim.catalog import Catalog
from iadsim.report.battle_report import intercepts_png, timeline_png, write_battle_report, write_run_report
from iadsim.scenario import LoadedScenario
from iadsim.sim.battle import EVENTS, BattleResult, simulate
from iadsim.sim.battle_setup import check_tracking_mode, prepare_battle
from iadsim.sim.measure import Measurements, tracking_input_error
from iadsim.sim.track_run import TrackedRun
from iadsim.world import World


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
    """``iadsim run``: the coverage, tracking and battle of one scenario, and their one report.
    ``tracking`` is None when the scenario's radars cannot be tracked (``tracking_skipped`` says why)."""

    out_dir: Path
    coverage: CoverageRun
    battle: BattleRun
    report: Path
    tracking: TrackingRun | None = None
    tracking_skipped: str | None = None


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
    ev = result.events
    launched = ev["event"] == EVENTS.index("launched")
    first_launch = np.full(result.n_threats, np.inf)
    if launched.any():
        np.minimum.at(first_launch, ev["threat"][launched], ev["t_s"][launched])
    tracked = ev["event"] == EVENTS.index("tracked")
    first_known = np.full(result.n_threats, np.inf)
    if tracked.any():
        np.minimum.at(first_known, ev["threat"][tracked], ev["t_s"][tracked])
    both = np.isfinite(first_launch) & np.isfinite(first_known)
    perception: dict[str, Any] = {
        "mode": s.settings.tracking,
        "threats_known_to_a_firing_site": int(np.isfinite(first_known).sum()),
        "mean_first_known_to_first_launch_s": float(np.mean(first_launch[both] - first_known[both]))
        if both.any() else None,
    }
    if s.tracker_mode:
        d2 = shots["cue_error_d2"]
        perception["track_error_misses"] = int(np.count_nonzero(
            (ev["event"] == EVENTS.index("missed")) & np.char.startswith(ev["detail"].astype(str), "track error")))
        perception["median_cue_error_m"] = float(np.nanmedian(shots["cue_error_m"])) if n_shots else None
        perception["max_cue_error_sigma"] = float(np.sqrt(np.max(d2))) if n_shots else None
        perception["threats_with_confirmed_track"] = int(np.isfinite(s.first_confirmed_s).sum())
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
        "perception": perception,
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
        head = ["shot", "engagement", "threat", "launcher", "missile", "t_launch_s", "t_intercept_s", "pk", "outcome"]
        w.writerow(head + (["cue_error_m", "cue_error_sigma"] if s.tracker_mode else []))
        for i in range(sh["threat"].size):
            row = [i, int(sh["engagement"][i]), s.traj.name[sh["threat"][i]], s.launcher_label[sh["launcher"][i]],
                   s.missile_names[sh["missile"][i]], f"{sh['t_launch_s'][i]:.2f}", f"{sh['t_intercept_s'][i]:.2f}",
                   f"{sh['pk'][i]:.4f}", sh["outcome"][i]]
            if s.tracker_mode:
                row += [f"{sh['cue_error_m'][i]:.0f}" if np.isfinite(sh["cue_error_m"][i]) else "",
                        f"{np.sqrt(sh['cue_error_d2'][i]):.2f}"]
            w.writerow(row)
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


def run_battle(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
               precomputed: BattleResult | None = None,  # written instead of simulating (iadsim.battle)
               progress: Progress | None = None, world: World | None = None, figures: bool = True,
               report: bool = True, tracking: tuple[Measurements, TrackedRun] | None = None) -> BattleRun:
    """Simulate the scenario's raid against its defence once (seed ``run.seed``) and write the battle
    products (module docstring) to ``out_dir``. ``world`` reuses an already compiled world;
    ``tracking`` an already computed tracking run of it (``tracking: tracker``)."""
    world = precomputed.setup.world if precomputed is not None else world
    t0 = time.perf_counter()
    _, catalog, world = compiled(scenario, catalog, world, progress)
    check_tracking_mode(world)
    out = prepare_output_dir(out_dir)
    if progress:
        progress("battle: routes, radar views and terrain"
                 + (", plots and tracks" if world.scenario.engagement.tracking == "tracker" and tracking is None
                    else ""), 0.0)
    setup = precomputed.setup if precomputed is not None else prepare_battle(world, tracking=tracking)
    if progress:
        progress(f"battle: {setup.n_threats} threats × {setup.n_steps} steps", 0.0)
    result = precomputed if precomputed is not None else simulate(setup)
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
        figs.append(("Intercept points, threat flight paths, sites and assets",
                     intercepts_png(result, out / "battle" / "intercepts.png")))
        files += [p for _, p in figs]
    metrics = battle_metrics(result)
    metrics["timings_s"]["battle_total"] = round(time.perf_counter() - t0, 3)
    merge_json(out / "metrics.json", "battle", metrics)
    files.append(out / "metrics.json")
    run = BattleRun(out_dir=out, result=result, metrics=metrics, files=files, figures=figs)
    if report:
        run.report = write_battle_report(run, out / "report.html")
    return run


def run_all(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
            progress: Progress | None = None, figures: bool = True, precomputed: Any = None) -> FullRun:
    """``iadsim run``: coverage, tracking and the battle into one directory, with one ``report.html``
    (module docstring; :func:`write_run_report`)."""
    loaded, catalog, world = compiled(scenario, catalog, None, progress)
    check_tracking_mode(world)  # fail on settings the battle cannot honour before the long coverage pass
    problem = tracking_input_error(world)
    out = prepare_output_dir(out_dir)
    (out / "metrics.json").unlink(missing_ok=True)  # this run's keys only
    # precomputed (iadsim.run(...).to_folder): an iadsim.api.results.Analysis of this scenario whose
    # coverage_result, tracking_parts and battle_result are written instead of computed
    pre_cov = precomputed.coverage_result if precomputed is not None else None
    cov = run_coverage(loaded, out, catalog=catalog, progress=progress, figures=figures, world=world, report=False,
                       precomputed=pre_cov)
    tracking: TrackingRun | None = None
    skipped: str | None = None
    if problem is None:
        tracking = run_tracking(loaded, out, catalog=catalog, progress=progress, figures=figures, world=world,
                                standalone=False, precomputed=precomputed.tracking_parts if precomputed else None)
    else:
        skipped = f"tracking skipped: {problem}"
    reuse = (tracking.measurements, tracking.tracked) if tracking is not None and \
        world.scenario.engagement.tracking == "tracker" else None
    battle = run_battle(loaded, out, catalog=catalog, progress=progress, world=world, figures=figures, report=False,
                        tracking=reuse, precomputed=precomputed.battle_result if precomputed else None)
    manifest = dict(cov.manifest)
    manifest["job"] = "run"
    files = cov.files + (tracking.files if tracking else []) + battle.files
    manifest["files"] = sorted({str(p.relative_to(out)) for p in files} | {"manifest.json", "report.html"})
    manifest["notes"] = (list(manifest.get("notes", [])) + (list(tracking.warnings) if tracking else [])
                         + list(battle.result.setup.notes))
    manifest["warnings"] = list(battle.warnings) + ([skipped] if skipped else [])
    if tracking is not None:
        manifest["randomness"] = tracking.manifest.get("randomness")
        manifest["clutter"] = tracking.manifest.get("clutter")
        manifest.setdefault("timings_s", {})["tracking"] = tracking.manifest.get("timings_s")
    manifest.setdefault("timings_s", {})["battle"] = battle.metrics["timings_s"]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    cov.manifest = manifest
    report = write_run_report(cov, battle, manifest, out / "report.html", tracking=tracking, tracking_note=skipped)
    battle.report = report
    cov.report = report
    return FullRun(out_dir=out, coverage=cov, battle=battle, report=report, tracking=tracking,
                   tracking_skipped=skipped)
