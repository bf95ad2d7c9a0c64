"""Detection, track and engagement envelopes per site × threat class × altitude layer.

For each radar, one terrain pass (:func:`iadsim.sensors.terrain.lowest_visible_height`)
gives the lowest visible target height above ground in every cell; every altitude
layer then follows by comparison. In each layer and cell:

* geometry on the effective (k·R) earth gives slant range and elevation
  (:func:`iadsim.geo.refraction.slant_range_elevation`), through the world's one physics core
  (:meth:`iadsim.world.World.radar_visible_snr`, also used by point sensing and fire control);
* SNR = K·σ·F⁴/R⁴ with K calibrated from the radar's published detection claim and σ the
  class's RCS in the radar's band (:mod:`iadsim.sensors.radar_equation`); F⁴ is the
  sea-reflection factor where the specular point lies on sea, averaged over the lobes a cell
  spans (:meth:`iadsim.world.World.sea_factor4_xy`), else 1;
* Pd from the exact detection statistics for the radar's Swerling case, Pfa and pulses
  (:class:`iadsim.sensors.detection.PdTable`), zero outside line of sight, sector,
  elevation limits and instrumented range.

Products (documented in ``docs``, shown in the report):

* **detection** (per radar, and per site = any of its radars): Pd ≥ threshold;
* **track**: P(at least M detections in N scans) ≥ threshold for some radar of the site
  (the tracker's M-of-N confirmation rule, scans independent);
* **engagement**: site detection ∧ fire control by an engagement radar of the site
  (:meth:`iadsim.world.World.fire_control`: line of sight, sector, elevation and range, and its
  Pd ≥ ``engagement.fire_control_pd`` — the predicate the battle uses for launch and kill) ∧
  inside the kinematic envelope of a missile the site's launchers carry (ground range from
  the site in [min, max], height above ground ≥ the missile's minimum, altitude above MSL ≤
  its ceiling).

Spreads: because terrain masking and propagation do not depend on RCS or K, the catalog's low
and high case (the class's RCS low/high in the radar's band × the radar constant from the
reference range's low/high) rescales each radar's SNR grid instead of recomputing geometry
(``SiteCoverage.cases``); a third case applies the fire-control Pd 0.9.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom

from iadsim.coverage.kernels import accumulate_radar, finish_site
from iadsim.geo.dem import Dem
from iadsim.geo.frames import geodesic_forward
from iadsim.scenario import AltRef
from iadsim.sensors.terrain import observer_geometry
from iadsim.world import RadarInstance, SiteInstance, World

Progress = Callable[[str, float], None]



@dataclass
class RadarLayers:
    """One radar's results on its site's grid: arrays of shape (classes, altitudes, rows, cols)."""

    radar: RadarInstance
    pd: np.ndarray  # float32
    geometric: np.ndarray  # bool: LOS ∧ sector ∧ elevation limits ∧ instrumented range (per altitude)
    lowest_visible_height_m: np.ndarray  # (rows, cols)
    #: SNR (linear, float32) at the nominal RCS and radar constant; 0 where not geometric
    snr: np.ndarray | None = None
    #: (classes,) SNR multipliers for the catalog's low and high case: RCS low/high in the
    #: radar's band × radar constant from the reference range's low/high
    snr_scale_low: np.ndarray | None = None
    snr_scale_high: np.ndarray | None = None
    #: Pd (classes, altitudes, rows, cols) at the SNR scaled by ``snr_scale_low`` / ``_high``
    pd_low: np.ndarray | None = None
    pd_high: np.ndarray | None = None


@dataclass
class ProductSet:
    """Detection (per radar and per site), track and engagement masks (classes, altitudes, rows,
    cols) for one case: the catalog's low or high figures, or the fire-control Pd threshold."""

    radar_detection: list[np.ndarray]
    detection: np.ndarray
    track: np.ndarray
    engagement: np.ndarray | None
    pd_threshold: float


#: Pd an engagement radar must reach for the "fire control" case of the range-ring table
FIRE_CONTROL_PD = 0.9


@dataclass
class SiteCoverage:
    """All products for one site, on a DEM window around it."""

    site: SiteInstance
    dem: Dem
    classes: list[str]
    altitudes_m: list[float]
    altitude_ref: AltRef
    pd_threshold: float
    ground_range_m: np.ndarray
    az_rad: np.ndarray
    valid: np.ndarray  # cells inside the coverage radius
    radars: list[RadarLayers]
    detection: np.ndarray  # (C, A, rows, cols) bool, any radar
    pd_max: np.ndarray  # (C, A, rows, cols) float32, best radar's Pd
    track: np.ndarray
    engagement: np.ndarray | None
    nominal_detection_m: float
    nominal_engagement_m: float | None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: "low" / "high" (catalog spread of RCS and radar constant, at pd_threshold) and
    #: "fire_control" (nominal figures, engagement radar at FIRE_CONTROL_PD, others at Pd 0.9 too)
    cases: dict[str, ProductSet] = field(default_factory=dict)
    #: one-line warnings for the user (e.g. a DEM that does not reach a radar's range)
    warnings: list[str] = field(default_factory=list)

    def products(self) -> dict[str, np.ndarray]:
        out = {"detection": self.detection, "track": self.track}
        if self.engagement is not None:
            out["engagement"] = self.engagement
        return out


@dataclass
class CoverageResult:
    world: World
    sites: list[SiteCoverage]
    seconds: float


def _heights(ground_m: np.ndarray, altitude_m: float, ref: AltRef) -> tuple[np.ndarray, np.ndarray]:
    if ref is AltRef.agl:
        h_agl = np.full(ground_m.shape, altitude_m, dtype=np.float64)
        return h_agl, ground_m + altitude_m
    return altitude_m - ground_m, np.full(ground_m.shape, altitude_m, dtype=np.float64)


def radar_layers(world: World, radar: RadarInstance, dem: Dem, gr_m: np.ndarray, az_rad: np.ndarray,
                 classes: Sequence[str], altitudes_m: Sequence[float], ref: AltRef) -> RadarLayers:
    """Pd of one radar on ``dem`` for every class × altitude (see module docstring): one fused
    pass for visibility and SNR of every layer (:meth:`World.radar_visible_snr_layers`, geometry
    once per cell), one for Pd of every class and layer (:meth:`PdTable.pd_layers` on the world's
    table for this radar)."""
    terrain = world.radar_terrain(radar)
    if terrain.dem.shape != dem.shape or terrain.dem.transform != dem.transform:
        raise ValueError("radar_layers needs the grid of the radar's site window (World.site_window)")
    lvh = terrain.lowest_visible_height_m
    cell_m = float(np.mean(dem.cell_size_m()))
    geometric, snr1 = world.radar_visible_snr_layers(radar, dem, gr_m, az_rad, altitudes_m, ref is AltRef.agl,
                                                     lvh, cell_m)
    rcs = np.asarray([world.rcs_m2(c, radar.band) for c in classes], dtype=np.float64)
    k_lo, k_hi = radar.radar_constant_spread_m2()
    spread = np.array([world.rcs_spread_m2(c, radar.band) for c in classes], dtype=np.float64).reshape(len(rcs), 2)
    scale_low = spread[:, 0] / rcs * (k_lo / radar.radar_constant_m2)
    scale_high = spread[:, 1] / rcs * (k_hi / radar.radar_constant_m2)
    pd, snr_all, (pd_low, pd_high) = world.pd_table(radar).pd_layers(snr1, geometric, rcs, [scale_low, scale_high])
    return RadarLayers(radar=radar, pd=pd, geometric=geometric, lowest_visible_height_m=lvh, snr=snr_all,
                       snr_scale_low=scale_low, snr_scale_high=scale_high, pd_low=pd_low, pd_high=pd_high)


def radar_pd_scaled(world: World, rl: RadarLayers, scale: np.ndarray) -> np.ndarray:
    """The radar's Pd with its SNR multiplied per class by ``scale`` (terrain masking and
    propagation do not depend on RCS or K, so the geometry is reused)."""
    if rl.snr is None:
        raise ValueError("radar_pd_scaled needs RadarLayers.snr")
    return world.pd_table(rl.radar).pd_scaled(rl.snr, rl.geometric, scale)


def _missile_envelope(world: World, site: SiteInstance, ground: np.ndarray, gr_m: np.ndarray,
                      altitudes_m: Sequence[float], ref: AltRef) -> tuple[np.ndarray, float | None]:
    missiles = [m for li in site.launchers for m in world.launchers[li].missiles]
    env = np.zeros((len(altitudes_m),) + ground.shape, dtype=bool)
    if not missiles:
        return env, None
    for a, alt in enumerate(altitudes_m):
        h_agl, h_msl = _heights(ground, float(alt), ref)
        for m in missiles:
            env[a] |= ((gr_m >= m.range_min_m) & (gr_m <= m.range_max_m) & (h_agl >= m.alt_min_m)
                       & (h_msl <= m.alt_max_m))
    return env, max(m.range_max_m for m in missiles)


@functools.lru_cache(maxsize=256)
def m_of_n_pd_threshold(m: int, n: int, p_track: float) -> float:
    """The single-scan Pd at which P(at least M detections in N independent scans) = ``p_track``:
    P is increasing in Pd, so "P ≥ p_track" ⇔ "Pd ≥ this" (bisection on binom.sf to 1e-12)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if binom.sf(m - 1, n, mid) >= p_track:
            hi = mid
        else:
            lo = mid
    return hi


def _site_products(layers: list[RadarLayers], pds: list[np.ndarray], env: np.ndarray | None, valid: np.ndarray,
                   pd_threshold: float, fc_threshold: float, m_of_n: tuple[int, int]) -> ProductSet:
    """Site detection (any radar), track (M of N for some radar) and engagement (site detection ∧
    an engagement radar at ``fc_threshold`` ∧ missile envelope) from each radar's Pd; one numba
    pass per radar (:func:`iadsim.coverage.kernels.accumulate_radar`) and one to finish."""
    m, n = m_of_n
    if not pds:  # a site without radars: site_coverage gives it empty products of the grid's shape
        empty = np.zeros((0,), dtype=bool)
        return ProductSet(radar_detection=[], detection=empty, track=empty.copy(),
                          engagement=None if env is None else empty.copy(), pd_threshold=pd_threshold)
    shape = pds[0].shape
    detection = np.zeros(shape, dtype=bool)
    track = np.zeros(shape, dtype=bool)
    # Fire control needs the engagement radar's own track: its Pd ≥ threshold (which implies its
    # line of sight, sector, elevation and range) — a stricter reading than "line of sight"
    # alone, because the 48N6-family is guided through that radar.
    eng_det = np.zeros(shape, dtype=bool)
    track_threshold = m_of_n_pd_threshold(m, n, pd_threshold)
    radar_det = []
    for rl, pd in zip(layers, pds):
        det = np.empty(shape, dtype=bool)
        accumulate_radar(_flat(pd), pd_threshold, track_threshold, fc_threshold,  # World.fire_control_holds
                         rl.radar.role == "engagement", _flat(det), _flat(detection), _flat(track), _flat(eng_det))
        radar_det.append(det)
    engagement = None if env is None else np.empty(shape, dtype=bool)
    env_flat = np.zeros((1, 1), dtype=bool) if env is None else np.ascontiguousarray(env).reshape(env.shape[0], -1)
    finish_site(_flat(detection), _flat(track), _flat(eng_det), env_flat, np.ascontiguousarray(valid).ravel(),
                env is not None, _flat(eng_det if engagement is None else engagement))
    return ProductSet(radar_detection=radar_det, detection=detection, track=track, engagement=engagement,
                      pd_threshold=pd_threshold)


def _flat(a: np.ndarray) -> np.ndarray:
    """(C, A, rows, cols) → a (C, A, cells) view (the array must be C-contiguous)."""
    if not a.flags.c_contiguous:
        raise ValueError("coverage cubes must be C-contiguous")
    return a.reshape(a.shape[0], a.shape[1], -1)


def _case_pd(world: World, rl: RadarLayers, name: str) -> np.ndarray:
    pd = rl.pd_low if name == "low" else rl.pd_high
    if pd is not None:
        return pd
    return radar_pd_scaled(world, rl, rl.snr_scale_low if name == "low" else rl.snr_scale_high)


def _spread_cases(world: World, layers: list[RadarLayers], env: np.ndarray | None, valid: np.ndarray,
                  pd_threshold: float, fc_pd: float, m_of_n: tuple[int, int]) -> dict[str, ProductSet]:
    """The catalog's low and high case (scaled SNR), and the fire-control case at Pd 0.9."""
    cases = {}
    for name in ("low", "high"):
        pds = [_case_pd(world, rl, name) for rl in layers]
        cases[name] = _site_products(layers, pds, env, valid, pd_threshold, fc_pd, m_of_n)
    fc = max(FIRE_CONTROL_PD, pd_threshold, fc_pd)
    cases["fire_control"] = _site_products(layers, [rl.pd for rl in layers], env, valid, fc, fc, m_of_n)
    return cases


def site_coverage(world: World, site: SiteInstance, classes: Sequence[str], altitudes_m: Sequence[float],
                  ref: AltRef, pd_threshold: float, m_of_n: tuple[int, int],
                  progress: Progress | None = None) -> SiteCoverage:
    t0 = time.perf_counter()
    radius = world.coverage_radius_m()
    dem = world.site_window(site.lat_rad, site.lon_rad)
    gr_m, az_rad = observer_geometry(dem, site.lat_rad, site.lon_rad)
    valid = gr_m <= radius
    ground = np.asarray(dem.height_m, dtype=np.float64)
    shape = (len(classes), len(altitudes_m)) + ground.shape
    pd_max = np.zeros(shape, dtype=np.float32)
    notes: list[str] = []
    layers: list[RadarLayers] = []
    for ri in site.radars:
        radar = world.radars[ri]
        if progress:
            progress(f"{site.name}: {radar.equipment} terrain and Pd", 0.0)
        rl = radar_layers(world, radar, dem, gr_m, az_rad, classes, altitudes_m, ref)
        layers.append(rl)
        np.maximum(pd_max, rl.pd, out=pd_max)
        if progress:
            progress(f"{site.name}: {radar.equipment} done", 1.0)
    env, nominal_eng = _missile_envelope(world, site, ground, gr_m, altitudes_m, ref)
    use_env: np.ndarray | None = None
    if site.launchers:
        if any(rl.radar.role == "engagement" for rl in layers):
            use_env = env
        else:
            notes.append(f"site {site.name!r} has launchers but no engagement radar: no engagement envelope")
            use_env = np.zeros_like(env)
    fc_pd = float(world.scenario.engagement.fire_control_pd)
    nominal = _site_products(layers, [rl.pd for rl in layers], use_env, valid, pd_threshold, fc_pd,
                             m_of_n)
    if not layers:
        nominal.detection = np.zeros(shape, dtype=bool)
        nominal.track = np.zeros(shape, dtype=bool)
        if use_env is not None:
            nominal.engagement = np.zeros(shape, dtype=bool)
    cases = _spread_cases(world, layers, use_env, valid, pd_threshold, fc_pd, m_of_n) if layers else {}
    nominal_det = max((world.radars[ri].reference_range_m for ri in site.radars), default=0.0)
    warnings = dem_reach_warnings(world, site)
    notes.extend(warnings)
    return SiteCoverage(
        site=site, dem=dem, classes=list(classes), altitudes_m=[float(a) for a in altitudes_m],
        altitude_ref=ref, pd_threshold=pd_threshold, ground_range_m=gr_m, az_rad=az_rad, valid=valid,
        radars=layers, detection=nominal.detection, pd_max=pd_max, track=nominal.track,
        engagement=nominal.engagement, nominal_detection_m=nominal_det, nominal_engagement_m=nominal_eng,
        notes=notes, seconds=time.perf_counter() - t0, cases=cases, warnings=warnings,
    )


def missing_bearings(dem: Dem, lat_rad: float, lon_rad: float, range_m: float,
                     step_deg: float = 5.0) -> list[tuple[float, float]]:
    """Bearing sectors (degrees, clockwise from north, merged) along which the point at ``range_m``
    from (lat, lon) falls outside ``dem``: each sampled bearing stands for ± step/2."""
    az_deg = np.arange(0.0, 360.0, step_deg)
    lat, lon = geodesic_forward(np.full(az_deg.size, lat_rad), np.full(az_deg.size, lon_rad),
                                np.radians(az_deg), np.full(az_deg.size, range_m))
    rows, cols = dem.rowcol(*dem.latlon_to_xy(lat, lon))
    n_r, n_c = dem.shape
    miss = ~((rows >= 0) & (rows < n_r) & (cols >= 0) & (cols < n_c))
    if miss.all():
        return [(0.0, 360.0)]
    start = int(np.argmin(miss))  # a covered bearing: runs never wrap past it
    order = np.roll(np.arange(az_deg.size), -start)
    sectors: list[tuple[float, float]] = []
    run: list[int] = []
    for i in list(order) + [start]:
        if miss[i]:
            run.append(int(i))
        elif run:
            lo = (az_deg[run[0]] - step_deg / 2) % 360.0
            sectors.append((float(lo), float((lo + len(run) * step_deg) % 360.0 or 360.0)))
            run = []
    return sectors


def dem_reach_warnings(world: World, site: SiteInstance) -> list[str]:
    """One line per radar of ``site`` whose range (clipped to the coverage radius) the DEM does
    not reach, naming the site and the bearing sectors that are cut at the DEM's edge."""
    if world.dem_is_generated:
        return []
    radius = world.coverage_radius_m()
    out = []
    for ri in site.radars:
        radar = world.radars[ri]
        range_m = min(radar.max_range_m, radius)
        sectors = missing_bearings(world.dem, site.lat_rad, site.lon_rad, range_m)
        if sectors:
            text = ", ".join(f"{lo:.1f}–{hi:.1f}°" for lo, hi in sectors)
            out.append(f"site {site.name!r}: the DEM does not reach the {range_m / 1e3:.0f} km range of "
                       f"{radar.equipment} at bearings {text}; coverage there stops at the DEM's edge")
    return out


def compute_coverage(world: World, progress: Progress | None = None) -> CoverageResult:
    """Every site's products for the scenario's coverage settings."""
    t0 = time.perf_counter()
    cs = world.scenario.coverage
    classes = world.scenario.threat_classes_for_coverage()
    if not classes:
        classes = list(world.catalog.names("threat"))
    sites = [
        site_coverage(world, s, classes, cs.altitudes_m, cs.altitude_ref, cs.pd_threshold,
                      tuple(cs.track_m_of_n), progress)
        for s in world.sites
    ]
    return CoverageResult(world=world, sites=sites, seconds=time.perf_counter() - t0)


def sector_index(az_rad: np.ndarray, sector_rad: float) -> tuple[np.ndarray, int]:
    """Each cell's azimuth sector (0 … n−1, clockwise from north) and the number of sectors."""
    n_sec = int(round(2 * math.pi / sector_rad))
    return np.minimum((np.mod(az_rad, 2 * math.pi) / sector_rad).astype(np.int64), n_sec - 1), n_sec


def sector_max_reach(mask: np.ndarray, gr_m: np.ndarray, valid: np.ndarray, sec: np.ndarray,
                     n_sec: int) -> np.ndarray:
    """Per sector, the farthest covered ground range (m); ``sec`` from :func:`sector_index`."""
    reach = np.zeros(n_sec)
    sel = mask & valid
    if sel.any():
        np.maximum.at(reach, sec[sel], gr_m[sel])
    return reach


def sector_reach(mask: np.ndarray, gr_m: np.ndarray, az_rad: np.ndarray, valid: np.ndarray,
                 sector_rad: float, nominal_m: float,
                 cell_weight: np.ndarray | None = None,
                 sector: tuple[np.ndarray, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per azimuth sector: the farthest covered ground range (m), and the covered fraction of the
    sector's area inside the nominal ring (cells weighted by ``cell_weight``, e.g. cos latitude).
    ``sector`` may pass a precomputed :func:`sector_index` of ``az_rad``."""
    sec, n_sec = sector if sector is not None else sector_index(az_rad, sector_rad)
    reach = sector_max_reach(mask, gr_m, valid, sec, n_sec)
    w = np.ones(gr_m.shape) if cell_weight is None else np.broadcast_to(cell_weight, gr_m.shape)
    inside = valid & (gr_m <= nominal_m)
    total = np.bincount(sec[inside], weights=w[inside], minlength=n_sec)
    covered = np.bincount(sec[inside & mask], weights=w[inside & mask], minlength=n_sec)
    frac = np.divide(covered, total, out=np.zeros(n_sec), where=total > 0)
    return reach, frac
