"""The in-memory API: run a scenario's jobs without an output folder and get pandas, GeoPandas and
xarray objects back.

* :func:`coverage` → an ``xarray.Dataset`` (:mod:`iadsim.api.coverage_data`);
* :func:`track` → :class:`Tracking` (``detections``, ``tracks``, ``truth``, ``gospa`` DataFrames,
  ``track_lines`` and ``routes`` GeoDataFrames, ``metrics``);
* :func:`battle` → :class:`Battle` (``events``, ``outcomes``, ``shots``, ``expended`` DataFrames,
  ``intercepts`` and ``routes`` GeoDataFrames, ``metrics``);
* :func:`run` → :class:`Analysis`: all three as ``iadsim run`` computes them (tracking reused by a
  ``tracking: tracker`` battle), or coverage alone (``jobs="coverage"``).

Each result's ``to_folder(path)`` writes exactly the files the CLI writes for the same job (it
calls the same writers with the result already computed: nothing is recomputed). Tables are built
from the result's own arrays and tables, so columns added to them appear here too.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from iadsim.api.coverage_data import coverage_dataset, coverage_polygons, range_ring_frame
from iadsim.api.scenario_edit import EditableScenario, load_scenario
from iadsim.catalog import Catalog
from iadsim.errors import IadsimError
from iadsim.scenario import LoadedScenario
from iadsim.world import World, compile_world

if TYPE_CHECKING:  # pragma: no cover
    import geopandas
    import pandas
    import xarray

    from iadsim.coverage.compute import CoverageResult
    from iadsim.sim.battle import BattleResult

__all__ = ["Analysis", "Battle", "Tracking", "battle", "coverage", "run", "track"]

Progress = Callable[[str, float], None]
_REPR_MAX = 1000


# ----------------------------------------------------------------------------- shared
def _compile(scenario: Any, catalog: Catalog | None, progress: Progress | None) -> World:
    """Validate and compile a scenario (path, dict, editable or loaded)."""
    if isinstance(scenario, World):
        return scenario
    if isinstance(scenario, LoadedScenario):
        loaded = scenario
    else:
        sc = scenario if isinstance(scenario, EditableScenario) else load_scenario(scenario, catalog)
        loaded = sc.validate()
        catalog = catalog or sc.catalog
    if progress:
        progress("compiling the scenario (catalog, terrain)", 0.0)
    return compile_world(loaded, catalog)


def _short(text: str, limit: int = _REPR_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _html_table(title: str, rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                   f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<div><strong>{html.escape(title)}</strong><table>{body}</table></div>"


def _lines(lon: np.ndarray, lat: np.ndarray, groups: np.ndarray, order: np.ndarray) -> dict[int, Any]:
    """One LineString per group (≥ 2 points; a single point is a Point), points in ``order``."""
    from shapely.geometry import LineString, Point

    out: dict[int, Any] = {}
    idx = np.lexsort((order, groups))
    g, lo, la = groups[idx], lon[idx], lat[idx]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if g.size else np.zeros(0, int)
    ends = np.r_[starts[1:], g.size]
    for a, b in zip(starts, ends):
        pts = np.column_stack([lo[a:b], la[a:b]])
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts):
            out[int(g[a])] = LineString(pts) if len(pts) > 1 else Point(pts[0])
    return out


def _routes(traj: Any) -> geopandas.GeoDataFrame:
    """Each threat's flown path (active samples) as a WGS84 LineString."""
    import geopandas as gpd

    n = traj.n_threats
    ii, kk = np.nonzero(traj.active) if n else (np.zeros(0, int), np.zeros(0, int))
    lines = _lines(np.degrees(traj.lon_rad[ii, kk]), np.degrees(traj.lat_rad[ii, kk]), ii, kk)
    cols = ["threat_id", "threat", "class", "group", "start_s", "end_s"]
    rows = [[i, traj.name[i], traj.threat_class[i], int(traj.group[i]), float(traj.start_s[i]), float(traj.end_s[i])]
            for i in range(n)]
    return gpd.GeoDataFrame(rows, columns=cols, geometry=[lines.get(i) for i in range(n)], crs="EPSG:4326")


# ----------------------------------------------------------------------------- tracking
class Tracking:
    """A tracking run held in memory (what ``iadsim track`` computes), see :func:`track`.

    Attributes: ``world``, ``measurements``, ``tracked``, ``score`` (the raw results),
    ``metrics`` (what ``metrics.json`` holds), ``warnings``; tables ``detections``, ``tracks``,
    ``truth``, ``gospa`` (DataFrames, the columns of the Parquet files), ``track_lines`` and
    ``routes`` (GeoDataFrames in EPSG:4326)."""

    def __init__(self, world: World, measurements: Any, tracked: Any, score: Any) -> None:
        self.world, self.measurements, self.tracked, self.score = world, measurements, tracked, score
        self.warnings: list[str] = []
        if world.scenario.threats and score.truth.n_threats:
            n_undetectable = int((~score.detectable.any(axis=1)).sum())
            if n_undetectable:
                self.warnings.append(f"{n_undetectable} of {score.truth.n_threats} threats are never visible to "
                                     "any radar (terrain, range, sector or elevation limits): they cannot be tracked")
        elif not world.scenario.threats:
            self.warnings.append("the scenario has no threats: nothing to track; the outputs hold clutter and its "
                                 "tracks only")

    @property
    def parts(self) -> tuple[World, Any, Any, Any]:
        """``(world, measurements, tracked, score)``: what ``run_tracking(precomputed=...)`` takes."""
        return self.world, self.measurements, self.tracked, self.score

    @cached_property
    def metrics(self) -> dict[str, Any]:
        from iadsim.api.track import _metrics

        return _metrics(self.world, self.measurements, self.tracked, self.score, list(self.warnings))

    @cached_property
    def _tables(self) -> dict[str, pandas.DataFrame]:
        from iadsim.api.track import tracking_tables

        return {k: t.to_pandas() for k, t in tracking_tables(*self.parts).items()}

    @property
    def detections(self) -> pandas.DataFrame:
        """Every plot (``detections.parquet``): scan, radar, time, measured range/az/el, truth id (−1 clutter)."""
        return self._tables["detections"]

    @property
    def tracks(self) -> pandas.DataFrame:
        """Confirmed tracks after every scan (``tracks.parquet``), ENU and WGS84."""
        return self._tables["tracks"]

    @property
    def truth(self) -> pandas.DataFrame:
        """Threats on the evaluation grid with the matched track (``truth.parquet``)."""
        return self._tables["truth"]

    @property
    def gospa(self) -> pandas.DataFrame:
        """GOSPA over time and its split (``gospa.parquet``)."""
        return self._tables["gospa"]

    @cached_property
    def track_lines(self) -> geopandas.GeoDataFrame:
        """One WGS84 LineString per confirmed track, with its time span, updates and truth id."""
        import geopandas as gpd

        t = self.tracks
        ids = t["track_id"].to_numpy()
        lines = _lines(t["lon_deg"].to_numpy(), t["lat_deg"].to_numpy(), ids, t["t_s"].to_numpy())
        rows = []
        for tid, g in t.groupby("track_id", sort=True):
            truth = g["truth_id"][g["truth_id"] >= 0]
            rows.append([int(tid), float(g["t_s"].min()), float(g["t_s"].max()), int(len(g)),
                         int(truth.mode().iloc[0]) if len(truth) else -1])
        return gpd.GeoDataFrame(rows, columns=["track_id", "t_start_s", "t_end_s", "n_states", "truth_id"],
                                geometry=[lines.get(r[0]) for r in rows], crs="EPSG:4326")

    @cached_property
    def routes(self) -> geopandas.GeoDataFrame:
        """Each threat's true path (WGS84 LineString)."""
        return _routes(self.score.truth)

    def to_folder(self, path: str | Path, *, figures: bool = True, overwrite: bool = False,
                  progress: Progress | None = None) -> Path:
        """Write what ``iadsim track`` writes (Parquet tables, metrics, manifest, figures, report)
        from this result; returns the folder. ``overwrite=True`` replaces a folder that holds
        other files (the CLI's ``--overwrite``); ``progress`` as in the jobs."""
        from iadsim.api.track import run_tracking

        run = run_tracking(self.world.loaded, path, catalog=self.world.catalog, figures=figures, world=self.world,
                           precomputed=self.parts, overwrite=overwrite, progress=progress)
        return run.out_dir

    def __repr__(self) -> str:
        m = self.metrics
        g = (m.get("gospa") or {}).get("mean_m")
        rmse = m.get("rmse_m")
        text = (f"<Tracking {self.world.scenario.name[:60]!r}: {m.get('threats_tracked', '?')}/{m.get('threats', '?')} "
                f"threats tracked, {m.get('confirmed_tracks', '?')} confirmed tracks "
                f"({m.get('false_tracks', '?')} false), {m.get('plots', '?')} plots in {m.get('scans', '?')} scans; "
                f"mean GOSPA {'—' if g is None else f'{g / 1e3:.2f} km'}, "
                f"RMSE {'—' if rmse is None else f'{rmse:.0f} m'}>")
        return _short(text)

    def _repr_html_(self) -> str:
        m = self.metrics
        g = (m.get("gospa") or {}).get("mean_m")
        return _html_table(f"Tracking: {self.world.scenario.name}", [
            ("filter / association", f"{m['tracker']['filter']} / {m['tracker']['association']}"),
            ("threats tracked", f"{m.get('threats_tracked')} / {m.get('threats')}"),
            ("confirmed tracks (false)", f"{m.get('confirmed_tracks')} ({m.get('false_tracks')})"),
            ("plots (clutter)", f"{m.get('plots')} ({m.get('clutter_plots')})"),
            ("mean GOSPA, km", "—" if g is None else f"{g / 1e3:.2f}"),
            ("RMSE, m", "—" if m.get("rmse_m") is None else f"{m['rmse_m']:.0f}"),
            ("tables", "detections, tracks, truth, gospa, track_lines, routes"),
        ])


def track(scenario: Any, *, catalog: Catalog | None = None, progress: Progress | None = None) -> Tracking:
    """Simulate every radar's plots, track them and score the tracks against truth, in memory.

    Parameters
    ----------
    scenario : path, dict, :class:`~iadsim.api.scenario_edit.EditableScenario` or loaded scenario.
    catalog : equipment catalog (the packaged one by default).
    progress : optional ``callback(message, fraction)``.

    Returns
    -------
    Tracking
    """
    from iadsim.sim.measure import measure
    from iadsim.sim.track_run import run_tracker, score_tracks

    world = _compile(scenario, catalog, progress)
    meas = measure(world, progress=progress)
    tracked = run_tracker(world, meas, progress=progress)
    return Tracking(world, meas, tracked, score_tracks(world, meas, tracked))


# ----------------------------------------------------------------------------- battle
def _by_index(names: list[str], idx: np.ndarray) -> list[str]:
    table = np.array(list(names) + [""], dtype=object)
    return table[np.where((idx >= 0) & (idx < len(names)), idx, -1)].tolist()


def _enu_to_lonlat(world: World, e: np.ndarray, n: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, ...]:
    lat = np.full(e.shape, np.nan)
    lon = np.full(e.shape, np.nan)
    alt = np.full(e.shape, np.nan)
    ok = np.isfinite(e) & np.isfinite(n) & np.isfinite(u)
    if ok.any():
        la, lo, h = world.frame.enu_to_geodetic(e[ok], n[ok], u[ok])
        lat[ok], lon[ok], alt[ok] = np.degrees(la), np.degrees(lo), h
    return lon, lat, alt


def _utc_frame(df: pandas.DataFrame, world: World, names: dict[str, str]) -> pandas.DataFrame:
    """``df`` with absolute UTC twins (scenario ``run.epoch_utc``) of its time columns in seconds."""
    import pandas as pd

    from iadsim.api._common import utc_times

    for sec, utc in names.items():
        if sec in df.columns:
            df[utc] = pd.to_datetime(utc_times(world.scenario.run.epoch_utc, df[sec].to_numpy(float))).tz_localize("UTC")
    return df


class Battle:
    """One replication of the battle held in memory, see :func:`battle`.

    Attributes: ``result`` (:class:`iadsim.sim.battle.BattleResult`), ``world``, ``metrics`` (what
    ``metrics.json`` holds under ``battle``), ``warnings``; tables ``events``, ``outcomes``,
    ``shots``, ``expended`` (DataFrames) and ``intercepts``, ``routes`` (GeoDataFrames, EPSG:4326)."""

    def __init__(self, result: BattleResult) -> None:
        self.result = result
        self.world: World = result.setup.world

    @cached_property
    def metrics(self) -> dict[str, Any]:
        from iadsim.api.battle import battle_metrics

        return battle_metrics(self.result)

    @property
    def warnings(self) -> list[str]:
        return list(self.result.setup.warnings)

    @cached_property
    def events(self) -> pandas.DataFrame:
        """The event log (``events.parquet``), one row per event, names resolved."""
        from iadsim.api._common import with_utc_columns

        return with_utc_columns(self.result.events_table(), self.world.scenario.run.epoch_utc).to_pandas()

    @cached_property
    def shots(self) -> pandas.DataFrame:
        """One row per interceptor launched: every per-shot array of the result, with the names of
        its threat, launcher, missile and site, and the WGS84 position of its point."""
        import pandas as pd

        s, sh = self.result.setup, self.result.shots
        n = int(np.asarray(sh.get("threat", np.zeros(0))).size)
        cols: dict[str, Any] = {"shot": np.arange(n)}
        for key, value in sh.items():
            arr = np.asarray(value)
            if arr.ndim == 1 and arr.size == n:
                cols[key] = arr
            elif arr.ndim == 2 and arr.shape[0] == n:
                for j in range(arr.shape[1]):
                    cols[f"{key}_{j}"] = arr[:, j]
        names = {"threat": list(s.traj.name), "launcher": list(s.launcher_label), "missile": list(s.missile_names),
                 "site": [x.name for x in s.world.sites]}
        for key, table in names.items():
            if key in cols and np.issubdtype(np.asarray(cols[key]).dtype, np.integer):
                cols[f"{key}_name"] = _by_index(table, np.asarray(cols[key]))
        if {"east_m", "north_m", "up_m"} <= cols.keys():
            cols["lon_deg"], cols["lat_deg"], cols["alt_msl_m"] = _enu_to_lonlat(
                self.world, *(np.asarray(cols[k], float) for k in ("east_m", "north_m", "up_m")))
        return _utc_frame(pd.DataFrame(cols), self.world, {"t_launch_s": "t_launch_utc",
                                                           "t_intercept_s": "t_intercept_utc"})

    @cached_property
    def outcomes(self) -> pandas.DataFrame:
        """One row per threat: its outcome and every per-threat array of the result (kill shot, end
        time, leak asset, …), with names resolved and interceptors fired at it."""
        import pandas as pd

        r, s = self.result, self.result.setup
        n = r.n_threats
        cols: dict[str, Any] = {"threat": np.arange(n), "name": list(s.traj.name), "class": list(s.traj.threat_class),
                                "outcome": np.asarray(r.status).astype(str)}
        if is_dataclass(r):
            for f in fields(r):
                v = getattr(r, f.name)
                if f.name != "status" and isinstance(v, np.ndarray) and v.ndim == 1 and v.size == n:
                    cols[f.name] = v
        if "leak_asset" in cols:
            la = np.asarray(cols["leak_asset"])
            cols["leak_asset_name"] = np.where(la == -1, "end of route", np.array(_by_index(s.asset_names, la), object))
        threat = np.asarray(r.shots.get("threat", np.zeros(0, int)), dtype=np.int64)
        cols["interceptors_fired_at"] = np.bincount(threat, minlength=n)[:n] if threat.size else np.zeros(n, int)
        return _utc_frame(pd.DataFrame(cols), self.world, {"end_time_s": "t_utc"})

    @cached_property
    def expended(self) -> pandas.DataFrame:
        """Interceptors expended, loaded at the start and kills, per missile type (``expended.csv``)."""
        import pandas as pd

        r, s = self.result, self.result.setup
        loaded = s.ready0.sum(axis=0) if s.ready0.size else np.zeros(len(s.missile_names), dtype=np.int64)
        kills = np.asarray(r.shots["outcome"]).astype(str) == "kill" if len(r.shots["missile"]) else np.zeros(0, bool)
        rows = [{"missile": name, "expended": n, "loaded_at_start": int(loaded[mi]),
                 "kills": int(np.count_nonzero(kills & (np.asarray(r.shots["missile"]) == mi)))}
                for mi, (name, n) in enumerate(r.expended_by_type().items())]
        return pd.DataFrame(rows, columns=["missile", "expended", "loaded_at_start", "kills"])

    @cached_property
    def intercepts(self) -> geopandas.GeoDataFrame:
        """Every shot's intercept point (WGS84 Point; the ``shots`` columns)."""
        import geopandas as gpd

        sh = self.shots
        if "lon_deg" in sh:
            geom = gpd.points_from_xy(sh["lon_deg"], sh["lat_deg"])
        else:
            geom = [None] * len(sh)
        return gpd.GeoDataFrame(sh.copy(), geometry=geom, crs="EPSG:4326")

    @cached_property
    def routes(self) -> geopandas.GeoDataFrame:
        """Each threat's path as flown in the battle's time grid (WGS84 LineString), with its outcome."""
        g = _routes(self.result.setup.traj)
        g["outcome"] = np.asarray(self.result.status).astype(str)
        return g

    def to_folder(self, path: str | Path, *, figures: bool = True, overwrite: bool = False,
                  progress: Progress | None = None) -> Path:
        """Write the battle products ``run_battle`` writes (events, outcomes, shots, expended,
        figures, metrics, report) from this result; returns the folder. ``overwrite=True`` replaces a folder that holds
        other files (the CLI's ``--overwrite``); ``progress`` as in the jobs."""
        from iadsim.api.battle import run_battle

        run = run_battle(self.world.loaded, path, catalog=self.world.catalog, world=self.world, figures=figures,
                         precomputed=self.result, overwrite=overwrite, progress=progress)
        return run.out_dir

    def _counts(self) -> str:
        c = Counter(np.asarray(self.result.status).astype(str).tolist())
        return ", ".join(f"{v} {k}" for k, v in sorted(c.items(), key=lambda kv: -kv[1])) or "no outcomes"

    def __repr__(self) -> str:
        m = self.metrics
        exp = ", ".join(f"{k} {v}" for k, v in (m.get("interceptors_expended") or {}).items() if v)
        kps = m.get("kills_per_shot")
        text = (f"<Battle {self.world.scenario.name[:60]!r} seed {m.get('seed')}: {m.get('threats')} threats — "
                f"{self._counts()}; {m.get('shots')} shots ({exp or 'none'})"
                f"{'' if kps is None else f', {kps:.2f} kills/shot'}>")
        return _short(text)

    def _repr_html_(self) -> str:
        m = self.metrics
        rows = [("seed", m.get("seed")), ("threats", m.get("threats")), ("outcomes", self._counts()),
                ("shots", m.get("shots")), ("expended", m.get("interceptors_expended")),
                ("leaked at", m.get("leaked_at") or "—"),
                ("tables", "events, outcomes, shots, expended, intercepts, routes")]
        if self.warnings:
            rows.append(("warnings", "; ".join(self.warnings)[:300]))
        return _html_table(f"Battle: {self.world.scenario.name}", rows)


def battle(scenario: Any, *, catalog: Catalog | None = None, progress: Progress | None = None,
           tracking: Tracking | None = None) -> Battle:
    """Simulate the scenario's raid against its defence once (seed ``run.seed``), in memory.

    Parameters
    ----------
    scenario : path, dict, editable or loaded scenario.
    catalog : equipment catalog (the packaged one by default).
    progress : optional ``callback(message, fraction)``.
    tracking : a :class:`Tracking` of the same scenario to perceive through
        (``engagement.tracking: tracker``); computed when needed and not given.

    Returns
    -------
    Battle
    """
    from iadsim.sim.battle import simulate
    from iadsim.sim.battle_setup import check_tracking_mode, prepare_battle

    world = tracking.world if tracking is not None else _compile(scenario, catalog, progress)
    check_tracking_mode(world)
    reuse = (tracking.measurements, tracking.tracked) if tracking is not None and \
        world.scenario.engagement.tracking == "tracker" else None
    if progress:
        progress("battle: routes, radar views and terrain", 0.0)
    return Battle(simulate(prepare_battle(world, tracking=reuse)))


# ----------------------------------------------------------------------------- coverage
def _coverage_result(world: World, progress: Progress | None) -> CoverageResult:
    from iadsim.coverage.compute import compute_coverage

    return compute_coverage(world, progress)


def coverage(scenario: Any, *, per_radar: bool = False, catalog: Catalog | None = None,
             progress: Progress | None = None) -> xarray.Dataset:
    """Detection, track and engagement coverage of every site, in memory, as an ``xarray.Dataset``
    (layout: :mod:`iadsim.api.coverage_data`; merged over sites on the DEM grid, with a ``site``
    dimension; CRS via rioxarray).

    Parameters
    ----------
    scenario : path, dict, editable or loaded scenario.
    per_radar : also hold each radar's Pd (``radar_pd``; large).
    catalog : equipment catalog (the packaged one by default).
    progress : optional ``callback(message, fraction)``.

    Returns
    -------
    xarray.Dataset with variables ``pd``, ``detection``, ``track``, ``engagement``,
    ``radar_detection``, ``valid``, ``ground_range_m``, ``azimuth_rad``, ``terrain_m``.
    """
    world = _compile(scenario, catalog, progress)
    return coverage_dataset(_coverage_result(world, progress), per_radar=per_radar)


# ----------------------------------------------------------------------------- everything
class Analysis:
    """What :func:`run` computed: ``coverage`` (Dataset), ``range_rings`` (DataFrame), ``tracking``
    (:class:`Tracking`, or None when ``tracking_skipped`` says why), ``battle`` (:class:`Battle`)
    and ``metrics``; ``to_folder`` writes what ``iadsim run`` (or ``iadsim coverage`` for
    ``jobs="coverage"``) writes."""

    def __init__(self, world: World, coverage_result: CoverageResult, tracking: Tracking | None = None,
                 battle: Battle | None = None, tracking_skipped: str | None = None, jobs: str = "all") -> None:
        self.world, self.coverage_result = world, coverage_result
        self.tracking, self.battle, self.tracking_skipped, self.jobs = tracking, battle, tracking_skipped, jobs

    # what run_all(precomputed=...) reads
    @property
    def tracking_parts(self) -> tuple[World, Any, Any, Any] | None:
        return self.tracking.parts if self.tracking is not None else None

    @property
    def battle_result(self) -> BattleResult | None:
        return self.battle.result if self.battle is not None else None

    @cached_property
    def coverage(self) -> xarray.Dataset:
        """The coverage Dataset (as :func:`coverage` returns it)."""
        return coverage_dataset(self.coverage_result)

    def _ring_records(self) -> list[dict[str, Any]]:
        from iadsim.coverage.products import range_ring_rows

        from iadsim.api.coverage_data import ring_records

        return ring_records(range_ring_rows(self.coverage_result, self.world.scenario.coverage.sector_deg))

    @cached_property
    def range_rings(self) -> pandas.DataFrame:
        """The "range ring vs physics" table per sector (``range_ring_vs_physics.csv``, unrounded)."""
        return range_ring_frame(self._ring_records(), self.world.scenario.coverage.sector_deg)

    @cached_property
    def range_ring_summary(self) -> pandas.DataFrame:
        """Min/median/max reach over sectors (``range_ring_summary.csv``, unrounded)."""
        return range_ring_frame(self._ring_records(), self.world.scenario.coverage.sector_deg, summary=True)

    def coverage_polygons(self, product: str = "detection") -> geopandas.GeoDataFrame:
        """Coverage polygons (WGS84) of one product, as the CLI's ``coverage/<product>.geojson``."""
        return coverage_polygons(self.coverage, product)

    @property
    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.tracking is not None:
            out["tracking"] = self.tracking.metrics
        if self.battle is not None:
            out["battle"] = self.battle.metrics
        return out

    def to_folder(self, path: str | Path, *, figures: bool = True, overwrite: bool = False,
                  progress: Progress | None = None) -> Path:
        """Write what ``iadsim run`` writes (``jobs="coverage"``: what ``iadsim coverage`` writes)
        from these results; returns the folder. ``overwrite=True`` replaces a folder that holds
        other files (the CLI's ``--overwrite``); ``progress`` as in the jobs."""
        if self.jobs == "coverage":
            from iadsim.api.coverage import run_coverage

            return run_coverage(self.world.loaded, path, catalog=self.world.catalog, figures=figures, world=self.world,
                                precomputed=self.coverage_result, overwrite=overwrite, progress=progress).out_dir
        from iadsim.api.battle import run_all

        return run_all(self.world.loaded, path, catalog=self.world.catalog, figures=figures, precomputed=self,
                       overwrite=overwrite, progress=progress).out_dir

    def _median_reach(self) -> str:
        s = self.range_ring_summary
        eng = s[s["product"] == "engagement"]
        if eng.empty:
            return ""
        lo = eng.loc[eng["reach_median_km"].idxmin()]
        hi = eng.loc[eng["reach_median_km"].idxmax()]
        return (f"; engagement median reach {lo['reach_median_km']:.0f} km ({lo['threat_class']}, "
                f"{lo['altitude_m']:g} m) … {hi['reach_median_km']:.0f} km ({hi['threat_class']}, {hi['altitude_m']:g} m)")

    def __repr__(self) -> str:
        res = self.coverage_result
        parts = [f"<Analysis {self.world.scenario.name[:60]!r}: coverage of {len(res.sites)} site(s) × "
                 f"{len(res.sites[0].classes) if res.sites else 0} class(es) × "
                 f"{len(res.sites[0].altitudes_m) if res.sites else 0} altitude(s){self._median_reach()}"]
        if self.tracking is not None:
            m = self.tracking.metrics
            parts.append(f"tracking: {m.get('threats_tracked')}/{m.get('threats')} threats tracked")
        elif self.tracking_skipped:
            parts.append(self.tracking_skipped[:120])
        if self.battle is not None:
            parts.append(f"battle: {self.battle._counts()}")
        return _short("; ".join(parts) + ">")

    def _repr_html_(self) -> str:
        rows: list[tuple[str, Any]] = [("coverage", self._median_reach().lstrip("; ") or
                                        f"{len(self.coverage_result.sites)} site(s)")]
        if self.tracking is not None:
            m = self.tracking.metrics
            rows.append(("tracking", f"{m.get('threats_tracked')}/{m.get('threats')} threats tracked, "
                                     f"{m.get('confirmed_tracks')} confirmed tracks"))
        elif self.tracking_skipped:
            rows.append(("tracking", self.tracking_skipped))
        if self.battle is not None:
            rows.append(("battle", self.battle._counts()))
        rows.append(("attributes", "coverage, range_rings, range_ring_summary, tracking, battle, metrics"))
        return _html_table(f"Analysis: {self.world.scenario.name}", rows)


def run(scenario: Any, *, jobs: str = "all", catalog: Catalog | None = None,
        progress: Progress | None = None) -> Analysis:
    """Coverage, tracking and the battle of one scenario in memory, as ``iadsim run`` computes them
    (a ``tracking: tracker`` battle perceives through the same tracking run).

    Parameters
    ----------
    scenario : path, dict, editable or loaded scenario.
    jobs : ``"all"`` (coverage, tracking, battle) or ``"coverage"``.
    catalog : equipment catalog (the packaged one by default).
    progress : optional ``callback(message, fraction)``.

    Returns
    -------
    Analysis
    """
    if jobs not in ("all", "coverage"):
        raise IadsimError(f"jobs must be 'all' or 'coverage', got {jobs!r} (use iadsim.track or iadsim.battle alone)")
    from iadsim.sim.battle_setup import check_tracking_mode
    from iadsim.sim.measure import tracking_input_error

    world = _compile(scenario, catalog, progress)
    if jobs == "coverage":
        return Analysis(world, _coverage_result(world, progress), jobs="coverage")
    check_tracking_mode(world)
    problem = tracking_input_error(world)
    cov = _coverage_result(world, progress)
    tracking = track(world, progress=progress) if problem is None else None
    b = battle(world, progress=progress, tracking=tracking)
    return Analysis(world, cov, tracking, b, None if problem is None else f"tracking skipped: {problem}")
