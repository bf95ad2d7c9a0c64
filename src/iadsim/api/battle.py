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

* ``events.parquet``: the event log (:data:`iadsim.sim.battle.EVENTS`), one row per event; for
  ``intercepted``/``missed`` the point (``east_m``… ``lat_deg``, ``lon_deg``) is the TRUE target at
  the intercept time, ``aim_*_m`` the predicted aim point and ``miss_distance_m`` between them;
* ``outcomes.csv``: per threat, its label (:data:`iadsim.sim.battle.OUTCOMES`: killed — by which
  shot, launcher and missile, when, the TRUE position at intercept and separately the aim point and
  the miss distance —, leaked at which asset, route ended, inbound at end, never within reach, not
  started) and whether it was ever within reach of a held engagement;
* ``shots.csv``: per interceptor launched, its launcher, guiding radar, target, predicted intercept
  time, Pk, outcome and cause (``MISS_CAUSES``), the final aim point (after mid-course updates),
  the TRUE target position at the intercept time and the miss distance between them (the final
  aim error), the launch-time aim error (``launch_aim_error_m``), the number of mid-course updates
  (``aim_updates``) and the time of the last one;
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
from iadsim.api._common import utc_text, with_utc_columns
from iadsim.api._staging import staged
from iadsim.api.coverage import CoverageRun, run_coverage
from iadsim.api.track import TrackingRun, run_tracking
from iadsim.catalog import Catalog
from iadsim.report.battle_report import intercepts_png, timeline_png, write_battle_report, write_run_report
from iadsim.scenario import LoadedScenario
from iadsim.sim.battle import EVENTS, MISS_CAUSES, OUTCOMES, BattleResult, simulate
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
        perception["threats_with_confirmed_track"] = int(np.isfinite(s.first_confirmed_s).sum())
        perception["max_velocity_sigma_mps"] = float(s.settings.max_velocity_sigma_mps)
    by_class = {}
    for ci, cls in enumerate(s.class_names):
        m = s.threat_class == ci
        by_class[cls] = {k: int(np.count_nonzero(result.status[m] == k)) for k in OUTCOMES}
    causes = shots["cause"].astype(str) if n_shots else np.zeros(0, dtype=str)
    launch_km = _launch_ranges_km(result)
    fire_control = {
        "fire_control_pd": float(s.settings.fire_control_pd),
        "shots_by_cause": {c: int(np.count_nonzero(causes == c)) for c in ("killed",) + MISS_CAUSES},
        "median_miss_distance_m": float(np.median(shots["miss_distance_m"])) if n_shots else None,
        "median_launch_aim_error_m": float(np.median(shots["launch_aim_error_m"])) if n_shots else None,
        "launch_range_km": {"min": float(launch_km.min()), "median": float(np.median(launch_km)),
                            "max": float(launch_km.max())} if launch_km.size else None,
        "threats_within_reach": int(np.count_nonzero(s.within_reach)) if s.within_reach is not None else None,
    }
    return {
        "seed": result.seed,
        "threats": result.n_threats,
        "killed": result.count("killed"),
        "leaked": result.count("leaked"),
        "survived": int(result.n_threats - result.count("killed") - result.count("leaked")),
        "outcomes": {k: result.count(k) for k in OUTCOMES},
        "fire_control": fire_control,
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


def _launch_ranges_km(result: BattleResult) -> np.ndarray:
    """Ground range (km) from the firing site to the TRUE target at each launch."""
    s, sh = result.setup, result.shots
    if not sh["threat"].size:
        return np.zeros(0)
    out = np.empty(sh["threat"].size)
    for i in range(out.size):
        p = [np.interp(sh["t_launch_s"][i], s.t_s, s.traj.pos_enu_m[sh["threat"][i], :, j]) for j in range(2)]
        out[i] = np.hypot(p[0] - s.site_pos_enu_m[sh["site"][i], 0], p[1] - s.site_pos_enu_m[sh["site"][i], 1]) / 1e3
    return out


def _geodetic(result: BattleResult, pts: np.ndarray) -> np.ndarray:
    """(n, 3) lat°, lon°, alt MSL m of ENU points (NaN rows stay NaN)."""
    out = np.full(pts.shape, np.nan)
    ok = np.isfinite(pts).all(axis=1)
    if ok.any():
        la, lo, h = result.setup.world.frame.enu_to_geodetic(pts[ok, 0], pts[ok, 1], pts[ok, 2])
        out[ok] = np.stack([np.degrees(np.atleast_1d(la)), np.degrees(np.atleast_1d(lo)), np.atleast_1d(h)], axis=-1)
    return out


def _fmt(x: float, spec: str) -> str:
    return format(x, spec) if np.isfinite(x) else ""


def _write_outcomes(result: BattleResult, path: Path) -> Path:
    s, shots = result.setup, result.shots
    n = result.n_threats
    true = np.full((n, 3), np.nan)
    aim = np.full((n, 3), np.nan)
    miss = np.full(n, np.nan)
    for i in range(n):
        j = int(result.kill_shot[i])
        if j >= 0:
            true[i] = (shots["true_east_m"][j], shots["true_north_m"][j], shots["true_up_m"][j])
            aim[i] = (shots["east_m"][j], shots["north_m"][j], shots["up_m"][j])
            miss[i] = shots["miss_distance_m"][j]
        elif result.leak_asset[i] != -2:
            true[i] = s.leak_pos_enu_m[i]
    g_true, g_aim = _geodetic(result, true), _geodetic(result, aim)
    fired = np.bincount(shots["threat"], minlength=n) if shots["threat"].size else np.zeros(n, dtype=np.int64)
    reach = s.within_reach if s.within_reach is not None else np.ones(n, dtype=bool)
    epoch = s.world.scenario.run.epoch_utc
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["threat", "name", "class", "outcome", "t_s", "by_shot", "by_launcher", "by_missile", "leak_asset",
                    "lat_deg", "lon_deg", "alt_msl_m", "aim_lat_deg", "aim_lon_deg", "aim_alt_msl_m",
                    "miss_distance_m", "within_reach", "interceptors_fired_at", "t_utc"])
        for i in range(n):
            t = "" if np.isnan(result.end_time_s[i]) else f"{result.end_time_s[i]:.2f}"
            shot = int(result.kill_shot[i])
            by_l = s.launcher_label[shots["launcher"][shot]] if shot >= 0 else ""
            by_m = s.missile_names[shots["missile"][shot]] if shot >= 0 else ""
            a = int(result.leak_asset[i])
            asset = s.asset_names[a] if a >= 0 else ""
            w.writerow([i, s.traj.name[i], s.traj.threat_class[i], result.status[i], t, shot if shot >= 0 else "",
                        by_l, by_m, asset, _fmt(g_true[i, 0], ".5f"), _fmt(g_true[i, 1], ".5f"),
                        _fmt(g_true[i, 2], ".0f"), _fmt(g_aim[i, 0], ".5f"), _fmt(g_aim[i, 1], ".5f"),
                        _fmt(g_aim[i, 2], ".0f"), _fmt(miss[i], ".0f"), "yes" if reach[i] else "no", int(fired[i]),
                        utc_text(epoch, result.end_time_s[i])])
    return path


def _write_shots(result: BattleResult, path: Path) -> Path:
    s, sh = result.setup, result.shots
    aim = _geodetic(result, np.stack([sh["east_m"], sh["north_m"], sh["up_m"]], axis=-1).reshape(-1, 3))
    true = _geodetic(result, np.stack([sh["true_east_m"], sh["true_north_m"], sh["true_up_m"]], axis=-1).reshape(-1, 3))
    radars = [f"{r.site}/{r.equipment}" for r in s.world.radars]
    epoch = s.world.scenario.run.epoch_utc
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["shot", "engagement", "threat", "launcher", "missile", "guiding_radar", "t_launch_s",
                    "t_intercept_s", "pk", "outcome", "cause", "aim_lat_deg", "aim_lon_deg", "aim_alt_msl_m",
                    "true_lat_deg", "true_lon_deg", "true_alt_msl_m", "miss_distance_m", "launch_aim_error_m",
                    "aim_updates", "last_update_s", "t_launch_utc", "t_intercept_utc"])
        for i in range(sh["threat"].size):
            g = int(sh["guide"][i])
            w.writerow([i, int(sh["engagement"][i]), s.traj.name[sh["threat"][i]], s.launcher_label[sh["launcher"][i]],
                        s.missile_names[sh["missile"][i]], radars[int(s.eng_radar[g])] if g >= 0 else "",
                        f"{sh['t_launch_s'][i]:.2f}", f"{sh['t_intercept_s'][i]:.2f}", f"{sh['pk'][i]:.4f}",
                        sh["outcome"][i], sh["cause"][i], _fmt(aim[i, 0], ".5f"), _fmt(aim[i, 1], ".5f"),
                        _fmt(aim[i, 2], ".0f"), _fmt(true[i, 0], ".5f"), _fmt(true[i, 1], ".5f"),
                        _fmt(true[i, 2], ".0f"), _fmt(sh["miss_distance_m"][i], ".0f"),
                        _fmt(sh["launch_aim_error_m"][i], ".0f"), int(sh["aim_updates"][i]),
                        _fmt(sh["last_update_s"][i], ".2f"), utc_text(epoch, sh["t_launch_s"][i]),
                        utc_text(epoch, sh["t_intercept_s"][i])])
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


@staged("battle")
def run_battle(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
               precomputed: BattleResult | None = None,  # written instead of simulating (iadsim.battle)
               progress: Progress | None = None, world: World | None = None, figures: bool = True,
               report: bool = True, tracking: tuple[Measurements, TrackedRun] | None = None,
               force: bool = False) -> BattleRun:
    """Simulate the scenario's raid against its defence once (seed ``run.seed``) and write the battle
    products (module docstring) to ``out_dir``. ``world`` reuses an already compiled world;
    ``tracking`` an already computed tracking run of it (``tracking: tracker``)."""
    world = precomputed.setup.world if precomputed is not None else world
    t0 = time.perf_counter()
    _, catalog, world = compiled(scenario, catalog, world, progress, force=force, jobs=("battle",))
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

    pq.write_table(with_utc_columns(result.events_table(), world.scenario.run.epoch_utc), events)
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


@staged("run")
def run_all(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
            progress: Progress | None = None, figures: bool = True, force: bool = False,
            precomputed: Any = None) -> FullRun:
    """``iadsim run``: coverage, tracking and the battle into one directory, with one ``report.html``
    (module docstring; :func:`write_run_report`)."""
    loaded, catalog, world = compiled(scenario, catalog, None, progress, force=force)
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
