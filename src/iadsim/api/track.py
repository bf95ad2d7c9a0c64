"""`run_tracking`: a scenario's radar plots through one tracker, scored against truth, with files.

Writes to ``out_dir``: ``detections.parquet`` (every plot, with its scan, radar and truth id; −1
for clutter), ``tracks.parquet`` (confirmed tracks after every scan, ENU and WGS84, with ``truth_id``: the threat of
the latest target plot the track was updated with, −1 for none),
``truth.parquet`` (threats on the evaluation grid, with area/detectable flags and the matched
track), ``gospa.parquet`` (GOSPA over time with its split, against all and detectable truth),
``metrics.json``, ``manifest.json`` (version, seed, scenario sha256, clutter derivation, timings),
``tracking/tracks_over_truth.png``, ``tracking/gospa.png`` and ``report.html``.
"""

from __future__ import annotations

import json
import math
import platform
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import iadsim
from iadsim.api._common import Progress, compiled, merge_json, prepare_output_dir
from iadsim.api._common import with_utc_columns
from iadsim.api._staging import staged
from iadsim.catalog import Catalog
from iadsim.scenario import LoadedScenario
from iadsim.sim.measure import Measurements, measure
from iadsim.sim.track_run import GOSPA_C_M, GOSPA_P, TrackedRun, TrackScore, run_tracker, score_tracks
from iadsim.world import World

__all__ = ["TrackingRun", "run_tracking"]


@dataclass
class TrackingRun:
    """Everything ``run_tracking`` produced; ``metrics`` is what ``metrics.json`` holds."""

    out_dir: Path
    world: World
    measurements: Measurements
    tracked: TrackedRun
    score: TrackScore
    metrics: dict[str, Any]
    manifest: dict[str, Any]
    files: list[Path]
    figures: dict[str, Path]
    report: Path | None
    warnings: list[str] = field(default_factory=list)


@staged("track")
def run_tracking(scenario: str | Path | LoadedScenario, out_dir: str | Path, *, catalog: Catalog | None = None,
                 precomputed: tuple[World, Measurements, TrackedRun, TrackScore] | None = None,
                 progress: Progress | None = None, figures: bool = True, gospa_c_m: float = GOSPA_C_M,
                 gospa_p: float = GOSPA_P, world: World | None = None, standalone: bool = True,
                 force: bool = False) -> TrackingRun:
    """Simulate every radar's plots, track them, score the tracks and write files and a report.

    ``world`` reuses an already compiled world. ``standalone=False`` (``iadsim run``) writes the
    metrics under the key ``"tracking"`` of an existing ``metrics.json`` and writes neither
    ``manifest.json`` nor ``report.html`` (the caller writes the run's own)."""
    world = precomputed[0] if precomputed is not None else world  # written instead of computed (iadsim.track)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    loaded, catalog, world = compiled(scenario, catalog, world, progress, force=force, jobs=("tracking",))
    out = prepare_output_dir(out_dir)
    timings["compile"] = time.perf_counter() - t0
    notes: list[str] = []
    if not world.scenario.threats:
        notes.append("the scenario has no threats: nothing to track; the outputs hold clutter and its tracks only")
    t = time.perf_counter()
    meas = precomputed[1] if precomputed else measure(world, progress=progress)
    timings["measure"] = time.perf_counter() - t
    tracked = precomputed[2] if precomputed else run_tracker(world, meas, progress=progress)
    timings["track"] = tracked.seconds
    if progress:
        progress("scoring tracks against truth", 0.0)
    t = time.perf_counter()
    score = precomputed[3] if precomputed else score_tracks(world, meas, tracked, gospa_c_m=gospa_c_m,
                                                             gospa_p=gospa_p)
    timings["score"] = time.perf_counter() - t
    n_undetectable = int((~score.detectable.any(axis=1)).sum()) if score.truth.n_threats else 0
    if n_undetectable:
        notes.append(f"{n_undetectable} of {score.truth.n_threats} threats are never detectable (no radar has "
                     "Pd >= 0.5 on them inside the analysis area: RCS, terrain, range, sector or elevation limits); "
                     "the headline GOSPA does not count them")

    if progress:
        progress("writing tables", 0.0)
    t = time.perf_counter()
    files = _write_tables(world, meas, tracked, score, out)
    figs: dict[str, Path] = {}
    if figures:
        if progress:
            progress("drawing plots", 0.0)
        figs = _figures(world, meas, tracked, score, out)
        files += list(figs.values())
    timings["write"] = time.perf_counter() - t
    metrics = _metrics(world, meas, tracked, score, notes)
    if standalone:
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False))
    else:
        merge_json(out / "metrics.json", "tracking", metrics)
    timings["total"] = time.perf_counter() - t0
    manifest = _manifest(loaded, world, meas, out, files + [out / "metrics.json"], timings, notes)
    if not standalone:
        return TrackingRun(out_dir=out, world=world, measurements=meas, tracked=tracked, score=score,
                           metrics=metrics, manifest=manifest, files=files + [out / "metrics.json"], figures=figs,
                           report=None, warnings=notes)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    run = TrackingRun(out_dir=out, world=world, measurements=meas, tracked=tracked, score=score, metrics=metrics,
                      manifest=manifest, files=files + [out / "metrics.json", out / "manifest.json"], figures=figs,
                      report=out / "report.html", warnings=notes)
    from iadsim.report.track_report import write_tracking_report

    write_tracking_report(run, out / "report.html")
    return run


# ----------------------------------------------------------------------------- tables
def _geodetic_deg(world: World, enu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not len(enu):
        z = np.zeros(0)
        return z, z, z
    lat, lon, h = world.frame.enu_to_geodetic(enu[:, 0], enu[:, 1], enu[:, 2])
    return (np.degrees(np.asarray(lat, float)).reshape(-1), np.degrees(np.asarray(lon, float)).reshape(-1),
            np.asarray(h, float).reshape(-1))


def _write_tables(world: World, meas: Measurements, tr: TrackedRun, sc: TrackScore, out: Path) -> list[Path]:
    import pyarrow.parquet as pq

    paths = []
    for name, table in tracking_tables(world, meas, tr, sc).items():
        p = out / f"{name}.parquet"
        pq.write_table(table, p)
        paths.append(p)
    return paths


def _plot_geodetic_deg(world: World, meas: Measurements) -> tuple[np.ndarray, ...]:
    """WGS84 latitude, longitude (degrees) and height (m) of every plot: the radar's antenna plus
    the measured (range, az, el) in the scenario's ENU frame, as the tracker converts them."""
    det = meas.detections
    ant = np.zeros((max((rs.radar.index for rs in meas.radars), default=-1) + 1, 3))
    for rs in meas.radars:
        ant[rs.radar.index] = rs.view.antenna_enu_m
    radar = np.asarray(det.radar, dtype=np.int64)
    if not len(radar):
        return _geodetic_deg(world, np.zeros((0, 3)))
    ce = np.cos(det.el_rad)
    enu = ant[radar] + np.stack([det.range_m * ce * np.sin(det.az_rad), det.range_m * ce * np.cos(det.az_rad),
                                 det.range_m * np.sin(det.el_rad)], axis=-1)
    return _geodetic_deg(world, enu)


def tracking_tables(world: World, meas: Measurements, tr: TrackedRun, sc: TrackScore) -> dict[str, Any]:
    """The tables ``run_tracking`` writes (``detections``, ``tracks``, ``truth``, ``gospa``), as
    ``pyarrow.Table`` objects (module docstring)."""
    import pyarrow as pa

    det = meas.detections
    equip = np.array([r.equipment for r in world.radars] or [""], dtype=object)
    dt = det.to_arrow()
    dt = dt.append_column("scan", pa.array(meas.scan_index(), pa.int64()))
    dt = dt.append_column("radar_equipment", pa.array(equip[det.radar].tolist() if len(det) else [], pa.string()))
    for name, col in zip(("lat_deg", "lon_deg", "alt_msl_m"), _plot_geodetic_deg(world, meas)):
        dt = dt.append_column(name, pa.array(col, pa.float64()))

    lat, lon, alt = _geodetic_deg(world, tr.x[:, :3])
    x = tr.x if len(tr.x) else np.zeros((0, 6))
    tt = pa.table({
        "scan": pa.array(tr.scan, pa.int64()), "t_s": pa.array(tr.t_s, pa.float64()),
        "radar": pa.array(tr.radar, pa.int64()), "track_id": pa.array(tr.track_id, pa.int64()),
        "truth_id": pa.array(tr.truth_id if len(tr.truth_id) == len(tr.track_id) else np.full(len(tr.track_id), -1),
                             pa.int64()),
        "e_m": x[:, 0], "n_m": x[:, 1], "u_m": x[:, 2], "ve_mps": x[:, 3], "vn_mps": x[:, 4], "vu_mps": x[:, 5],
        "lat_deg": pa.array(lat, pa.float64()), "lon_deg": pa.array(lon, pa.float64()),
        "alt_msl_m": pa.array(alt, pa.float64()),
    })

    truth = sc.truth
    n, k = truth.lat_rad.shape
    ii, kk = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    ii, kk = ii.ravel(), kk.ravel()
    names = np.array(truth.name or [""], dtype=object)
    classes = np.array(truth.threat_class or [""], dtype=object)
    pos = truth.pos_enu_m.reshape(-1, 3) if n else np.zeros((0, 3))
    th = pa.table({
        "t_s": pa.array(sc.t_s[kk], pa.float64()), "threat_id": pa.array(ii, pa.int64()),
        "threat": pa.array(names[ii].tolist() if n else [], pa.string()),
        "class": pa.array(classes[ii].tolist() if n else [], pa.string()),
        "lat_deg": np.degrees(truth.lat_rad.ravel()), "lon_deg": np.degrees(truth.lon_rad.ravel()),
        "alt_msl_m": truth.alt_msl_m.ravel(), "height_agl_m": truth.height_agl_m.ravel(),
        "e_m": pos[:, 0], "n_m": pos[:, 1], "u_m": pos[:, 2],
        "active": truth.active.ravel(), "in_area": sc.in_area.ravel(), "detectable": sc.detectable.ravel(),
        "track_id": pa.array(sc.matched_track.ravel(), pa.int64()),
        "error_m": pa.array(sc.match_error_m.ravel(), pa.float64(), from_pandas=True),  # null: no track
    })

    cols: dict[str, Any] = {"t_s": sc.t_s}
    for prefix, g in (("", sc.gospa), ("detectable_", sc.gospa_detectable)):
        for key, v in g.items():
            cols[f"{prefix}{key}"] = v
    gt = pa.table(cols)
    epoch = world.scenario.run.epoch_utc
    dt, tt, th = (with_utc_columns(t, epoch) for t in (dt, tt, th))
    return {"detections": dt, "tracks": tt, "truth": th, "gospa": gt}


# ----------------------------------------------------------------------------- metrics / manifest
def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    return v


def _radar_rows(world: World, meas: Measurements) -> list[dict[str, Any]]:
    rows = []
    det = meas.detections
    for rs in meas.radars:
        r = rs.radar
        mine = det.radar == r.index
        rows.append({
            "radar": r.index, "site": r.site, "equipment": r.equipment, "revisit_s": r.revisit_s,
            "scans": int(len(rs.t_s)), "target_plots": int((mine & ~det.is_clutter).sum()),
            "clutter_plots": int((mine & det.is_clutter).sum()),
            "sigma_range_m": rs.sigma_range_m, "sigma_az_mrad": rs.sigma_az_rad * 1e3,
            "sigma_el_mrad": rs.sigma_el_rad * 1e3, "clutter": rs.clutter.as_dict(),
        })
    return rows


def _metrics(world: World, meas: Measurements, tr: TrackedRun, sc: TrackScore, notes: list[str]) -> dict[str, Any]:
    ts = world.scenario.tracking
    m = dict(sc.metrics)
    m = {
        "scenario": world.scenario.name,
        "seed": world.scenario.run.seed,
        "t_end_s": meas.t_end_s,
        "tracker": {"filter": ts.filter, "association": ts.association, "gate_probability": ts.gate_probability,
                    "m_confirm": ts.m_confirm, "n_confirm": ts.n_confirm, "k_miss": ts.k_miss,
                    "process_noise_mps2": ts.process_noise_mps2, "fusion": "central sequential, scans in time order",
                    "management": ts.management, "confirm_score": ts.confirm_score,
                    "delete_score_drop": ts.delete_score_drop, "max_coast_s": ts.max_coast_s,
                    "scan_phase": ts.scan_phase},
        "scans": int(meas.n_scans),
        "plots": int(len(meas.detections)),
        "target_plots": int((~meas.detections.is_clutter).sum()),
        "clutter_plots": int(meas.detections.is_clutter.sum()),
        **m,
        "radars": _radar_rows(world, meas),
        "warnings": list(notes),
    }
    return _clean(m)


def _manifest(loaded: LoadedScenario, world: World, meas: Measurements, out: Path, files: list[Path],
              timings: dict[str, float], notes: list[str]) -> dict[str, Any]:
    dem = world.dem
    return _clean({
        "iadsim_version": iadsim.__version__,
        "job": "track",
        "scenario": str(loaded.source),
        "scenario_sha256": loaded.located.sha256,
        "seed": world.scenario.run.seed,
        "randomness": "SeedSequence(seed, spawn_key=(1,)).spawn(n_radars)[radar].spawn(n_scans)[scan] -> one Generator per scan; "
                      "scan phases: SeedSequence(seed, spawn_key=(9,)).spawn(n_radars)[radar]",
        "dem": {"source": str(dem.source), "generated": world.dem_is_generated, "crs": dem.crs.to_string()},
        "k_factor": world.k_factor,
        "clutter": [{"radar": rs.radar.index, "equipment": rs.radar.equipment, **rs.clutter.as_dict()}
                    for rs in meas.radars],
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "notes": list(world.notes) + list(notes),
        "files": sorted(str(p.relative_to(out)) for p in files) + ["manifest.json", "report.html"],
        "platform": {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine()},
    })


# ----------------------------------------------------------------------------- figures
def _figures(world: World, meas: Measurements, tr: TrackedRun, sc: TrackScore, out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = out / "tracking"
    d.mkdir(parents=True, exist_ok=True)
    figs = {}

    # map in longitude/latitude over the Natural Earth base
    from iadsim.coverage.cartography import attribution, finish, ring_lonlat, union_box

    def ll(e_m, n_m):
        lat, lon, _ = world.frame.enu_to_geodetic(np.asarray(e_m, dtype=float), np.asarray(n_m, dtype=float),
                                                  np.zeros(np.shape(e_m)))
        return np.degrees(lon), np.degrees(lat)

    extent: list[np.ndarray] = []
    fig, ax = plt.subplots(figsize=(9, 8))
    det = meas.detections
    tgt = ~det.is_clutter
    if tgt.any():
        ant = {rs.radar.index: rs.view.antenna_enu_m for rs in meas.radars}
        a = np.array([ant[int(r)] for r in det.radar[tgt]])
        ce = np.cos(det.el_rad[tgt])
        e = a[:, 0] + det.range_m[tgt] * ce * np.sin(det.az_rad[tgt])
        nn = a[:, 1] + det.range_m[tgt] * ce * np.cos(det.az_rad[tgt])
        ax.scatter(*ll(e, nn), s=2, c="0.6", alpha=0.5, lw=0, label="target plots", zorder=4)
    truth = sc.truth
    labelled: set[int] = set()
    for i in range(truth.n_threats):
        m = truth.active[i]
        p = truth.pos_enu_m[i][m]
        lon, lat = ll(p[:, 0], p[:, 1])
        extent.append(np.column_stack([lon, lat]))
        ax.plot(lon, lat, "k--", lw=0.8, label="truth" if i == 0 else None, zorder=5)
        group = int(truth.group[i])
        if len(p) and group not in labelled:  # one label per threat group, not per member
            labelled.add(group)
            ax.annotate(world.scenario.threats[group].name, (lon[0], lat[0]), fontsize=6, color="0.3", zorder=6)
    cmap = plt.get_cmap("tab20")
    for j, tid in enumerate(np.unique(tr.track_id)):
        sel = tr.track_id == tid
        ax.plot(*ll(tr.x[sel, 0], tr.x[sel, 1]), "-", color=cmap(j % 20), lw=1.6,
                label="confirmed tracks" if j == 0 else None, zorder=6)
    for s in world.sites:
        lon0, lat0 = np.degrees(s.lon_rad), np.degrees(s.lat_rad)
        ax.plot(lon0, lat0, "^", color="tab:red", ms=9, zorder=8)
        ax.annotate(s.name, (lon0, lat0), fontsize=8, xytext=(4, 4), textcoords="offset points", zorder=8)
        ring = ring_lonlat(lon0, lat0, world.coverage_radius_m())
        ax.plot(ring[:, 0], ring[:, 1], ls=":", color="tab:red", lw=0.8, zorder=5)
        extent.append(ring)
    finish(ax, union_box(extent))
    ax.set_title(f"{world.scenario.name}\nconfirmed tracks over truth (dotted: analysis radius)", fontsize=10)
    ax.grid(alpha=0.25)
    if truth.n_threats or len(tr.track_id):
        ax.legend(loc="lower right", fontsize=8).set_zorder(10)
    attribution(fig)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    p = d / "tracks_over_truth.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    figs["tracks_over_truth"] = p

    # GOSPA over time
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    t = sc.t_s
    a1.plot(t, sc.gospa["distance"] / 1e3, label="vs threats in the area")
    a1.plot(t, sc.gospa_detectable["distance"] / 1e3, label="vs detectable threats", alpha=0.8)
    c_m = sc.metrics["gospa"]["c_m"]
    p_ = sc.metrics["gospa"]["p"]
    a1.set_ylabel("GOSPA, km")
    a1.set_title(f"GOSPA (α = 2, p = {p_:g}, c = {c_m / 1e3:g} km)", fontsize=10)
    a1.legend(fontsize=8)
    a1.grid(alpha=0.3)
    g = sc.gospa
    km_p = 1e3 ** p_
    a2.stackplot(t, g["localisation"] / km_p, g["missed"] / km_p, g["false"] / km_p,
                 labels=["localisation", "missed", "false"], colors=["tab:blue", "tab:orange", "tab:red"], alpha=0.8)
    a2.set_ylabel(f"GOSPA$^{{{p_:g}}}$ split, km$^{{{p_:g}}}$")
    a2.set_xlabel("time, s")
    a2.legend(fontsize=8, loc="upper left")
    a2.grid(alpha=0.3)
    fig.tight_layout()
    p = d / "gospa.png"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(p, dpi=110)
    plt.close(fig)
    figs["gospa"] = p
    return figs
