"""Detection, track and engagement envelopes per site × threat class × altitude layer.

For each radar, one terrain pass (:func:`iadsim.sensors.terrain.lowest_visible_height`)
gives the lowest visible target height above ground in every cell; every altitude
layer then follows by comparison. In each layer and cell:

* geometry on the effective (k·R) earth gives slant range and elevation
  (:func:`iadsim.geo.refraction.slant_range_elevation`);
* SNR = K·σ·F⁴/R⁴ with K calibrated from the radar's published detection claim and σ the
  class's RCS in the radar's band (:mod:`iadsim.sensors.radar_equation`); F is the two-ray
  sea-surface propagation factor where the scenario's surface is water, else 1;
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
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import binom

from iadsim.geo.dem import Dem
from iadsim.geo.refraction import slant_range_elevation
from iadsim.scenario import AltRef
from iadsim.sensors.radar_equation import snr_from_constant
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
    """Pd of one radar on ``dem`` for every class × altitude (see module docstring)."""
    ground = np.asarray(dem.height_m, dtype=np.float64)
    terrain = world.radar_terrain(radar)
    if terrain.dem.shape != dem.shape or terrain.dem.transform != dem.transform:
        raise ValueError("radar_layers needs the grid of the radar's site window (World.site_window)")
    lvh = terrain.lowest_visible_height_m
    reach = (gr_m <= radar.max_range_m) & radar.in_sector(az_rad)
    table = world.pd_table(radar)
    n_c, n_a = len(classes), len(altitudes_m)
    pd = np.zeros((n_c, n_a) + ground.shape, dtype=np.float32)
    geometric = np.zeros((n_a,) + ground.shape, dtype=bool)
    rcs = [world.rcs_m2(c, radar.band) for c in classes]
    for a, alt in enumerate(altitudes_m):
        h_agl, h_msl = _heights(ground, float(alt), ref)
        slant_m, el_rad = slant_range_elevation(gr_m, radar.antenna_alt_msl_m, h_msl, world.k_factor)
        ok = (reach & (h_agl >= 0.0) & (h_agl >= lvh) & (el_rad >= radar.elevation_min_rad)
              & (el_rad <= radar.elevation_max_rad) & (slant_m <= radar.max_range_m))
        geometric[a] = ok
        if not ok.any():
            continue
        f4 = world.sea_factor4(radar, ground, gr_m, h_msl)
        f4_ok = f4[ok] if isinstance(f4, np.ndarray) else f4
        r_ok = np.maximum(slant_m[ok], 1.0)
        for c in range(n_c):
            snr = snr_from_constant(radar.radar_constant_m2, r_ok, rcs[c], 1.0) * f4_ok
            layer = pd[c, a]
            layer[ok] = table(snr)
    return RadarLayers(radar=radar, pd=pd, geometric=geometric, lowest_visible_height_m=lvh)


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
    detection = np.zeros(shape, dtype=bool)
    pd_max = np.zeros(shape, dtype=np.float32)
    track = np.zeros(shape, dtype=bool)
    notes: list[str] = []
    layers: list[RadarLayers] = []
    m, n = m_of_n
    for ri in site.radars:
        radar = world.radars[ri]
        if progress:
            progress(f"{site.name}: {radar.equipment} terrain and Pd", 0.0)
        rl = radar_layers(world, radar, dem, gr_m, az_rad, classes, altitudes_m, ref)
        layers.append(rl)
        np.maximum(pd_max, rl.pd, out=pd_max)
        detection |= rl.pd >= pd_threshold
        p_track = binom.sf(m - 1, n, rl.pd.astype(np.float64))
        track |= p_track >= pd_threshold
        if progress:
            progress(f"{site.name}: {radar.equipment} done", 1.0)
    engagement = None
    env, nominal_eng = _missile_envelope(world, site, ground, gr_m, altitudes_m, ref)
    if site.launchers:
        eng_radars = [rl for rl in layers if rl.radar.role == "engagement"]
        if not eng_radars:
            notes.append(f"site {site.name!r} has launchers but no engagement radar: no engagement envelope")
            engagement = np.zeros(shape, dtype=bool)
        else:
            # Fire control: the engagement radar holds the target (World.fire_control: line of
            # sight and its Pd ≥ engagement.fire_control_pd), the one predicate the battle uses too;
            # evaluated only where the site sees the target inside a missile's envelope.
            cand = detection & env[None, ...]
            eng_det = np.zeros(shape, dtype=bool)
            for rl in eng_radars:
                for c, cls in enumerate(classes):
                    rcs = world.rcs_m2(cls, rl.radar.band)
                    for a, alt in enumerate(altitudes_m):
                        m = cand[c, a] & ~eng_det[c, a]
                        if m.any():
                            _, h_msl = _heights(ground, float(alt), ref)
                            eng_det[c, a][m] = world.fire_control(rl.radar, gr_m[m], az_rad[m], ground[m], h_msl[m],
                                                                  rl.lowest_visible_height_m[m], rcs)
            engagement = detection & eng_det & env[None, ...]
    for arr in (detection, track) + ((engagement,) if engagement is not None else ()):
        arr &= valid
    nominal_det = max((world.radars[ri].reference_range_m for ri in site.radars), default=0.0)
    return SiteCoverage(
        site=site, dem=dem, classes=list(classes), altitudes_m=[float(a) for a in altitudes_m],
        altitude_ref=ref, pd_threshold=pd_threshold, ground_range_m=gr_m, az_rad=az_rad, valid=valid,
        radars=layers, detection=detection, pd_max=pd_max, track=track, engagement=engagement,
        nominal_detection_m=nominal_det, nominal_engagement_m=nominal_eng, notes=notes,
        seconds=time.perf_counter() - t0,
    )


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


def sector_reach(mask: np.ndarray, gr_m: np.ndarray, az_rad: np.ndarray, valid: np.ndarray,
                 sector_rad: float, nominal_m: float,
                 cell_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per azimuth sector: the farthest covered ground range (m), and the covered fraction of the
    sector's area inside the nominal ring (cells weighted by ``cell_weight``, e.g. cos latitude)."""
    n_sec = int(round(2 * math.pi / sector_rad))
    sec = np.minimum((np.mod(az_rad, 2 * math.pi) / sector_rad).astype(np.int64), n_sec - 1)
    reach = np.zeros(n_sec)
    sel = mask & valid
    if sel.any():
        np.maximum.at(reach, sec[sel], gr_m[sel])
    w = np.ones(gr_m.shape) if cell_weight is None else np.broadcast_to(cell_weight, gr_m.shape)
    inside = valid & (gr_m <= nominal_m)
    total = np.bincount(sec[inside], weights=w[inside], minlength=n_sec)
    covered = np.bincount(sec[inside & mask], weights=w[inside & mask], minlength=n_sec)
    frac = np.divide(covered, total, out=np.zeros(n_sec), where=total > 0)
    return reach, frac
