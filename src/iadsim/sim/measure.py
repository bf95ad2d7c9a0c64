"""Radar plots over a whole scenario: every radar's scans, with detections, noise and clutter.

For each radar of the world (in ``world.radars`` order):

* **Scan times** ``t_k = φ + k · revisit_s`` for ``k = 0, 1, …`` while ``t_k ≤ t_end`` (the scenario's
  ``run.duration_s``, or the last threat's arrival). The phase ``φ`` (:func:`scan_phase_s`) is a
  seeded uniform draw in ``[0, revisit_s)`` per radar (``tracking.scan_phase: random``, the
  default: radars do not scan in lockstep, so three radars do not report one target at one
  instant) or 0 for every radar (``aligned``). A radar with no revisit time (neither the
  catalog nor the scenario gives one) is a :class:`~iadsim.errors.ScenarioError` located at its
  placement, ``sites[i].radars[j]``, asking for ``revisit_s``. A scan is instantaneous: every
  threat is looked at once per scan, at the scan time (analysis fidelity; no beam position).
* **Truth and Pd.** The threats are sampled at the radar's scan times
  (:func:`~iadsim.sim.trajectories.sample_trajectories`) and :func:`~iadsim.sim.sensing.radar_view`
  gives each sample's Pd (radar equation, detection statistics, terrain line of sight,
  refraction, sector, elevation limits, instrumented range; zero where not visible).
* **Noise.** Range, azimuth and elevation carry independent Gaussian errors with the catalog's
  nominal ``sigma_range_m``, ``sigma_azimuth_mrad`` and ``sigma_elevation_mrad``. A radar whose
  catalog entry lacks any of them is a :class:`ScenarioError` at its placement: there is no
  silent default (add the figures, with their source, to the catalog entry).
* **Clutter.** False plots are Poisson in number, uniform in range ``[0, R_max]``, in azimuth over
  the radar's sector (360° without one) and in elevation over the clutter volume below (Bar-Shalom,
  Willett & Tian, *Tracking and Data Fusion*, 2011, §1.4). The mean per scan is the scenario's
  ``environment.clutter.false_alarms_per_scan`` when given, otherwise the rate the radar's Pfa
  implies, ``λ = P_FA · N_cells`` (one independent threshold test per resolution cell), with

      N_cells = (R_max / Δr) · (Δaz_extent / Δθ_az) · (Δel_extent / Δθ_el)
      Δr = σ_r · √(2·SNR₅₀),  Δθ_az = σ_az · √(2·SNR₅₀),  Δθ_el = σ_el · √(2·SNR₅₀)

      N_beams  = min((Δaz_extent / Δθ_az) · (Δel_extent / Δθ_el),  revisit_s / (n_pulses · 2·R_max / c))
      N_cells  = (R_max / Δr) · N_beams

  The resolution cells are not public, so the measurement accuracies stand in for them: a
  noise-limited measurement error is its resolution divided by √(2·SNR) (Barton & Leonov,
  *Radar Technology Encyclopedia*, 1997, "measurement accuracy"; the same relation the catalog's
  sigma notes use), evaluated at SNR₅₀, the SNR at which the radar detects with Pd = 0.5 at its
  Pfa (its own Swerling case and pulses), i.e. at the detection threshold where false alarms
  live. ``R_max`` is the instrumented range. The elevation extent is the radar's published
  elevation coverage or, where none is public, the assumed surveillance volume
  ``CLUTTER_EL_MIN_DEG … CLUTTER_EL_MAX_DEG`` (−2° … +30°). The second bound is the radar's
  timeline (Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, §2.13, the search radar
  equation): each beam position needs at least ``n_pulses`` round trips to the instrumented
  range, so one scan (one revisit period) cannot examine more beam positions than
  ``revisit_s · c / (2·R_max·n_pulses)``. Without it a 1 s fire-control revisit would test
  ~10⁸ cells per second, far more than any radar can look at. Every number of this derivation
  is kept in :class:`ClutterModel` and written to the run's metrics and manifest.

**Randomness.** ``iadsim.sim.seeds.stream(run.seed, "measurements").spawn(n_radars)`` gives one
sequence per radar, and each
radar's sequence is spawned into one child per scan, so a scan can be reproduced alone and the
result does not depend on the order radars or scans are simulated in. Within a scan, target
detections are drawn first (Pd, then noise), then clutter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from iadsim.errors import ScenarioError
from iadsim.io import format_path
from iadsim.sensors.detection import required_snr_db
from iadsim.sensors.measurements import Detections, clutter_rate_from_pfa, simulate_scan
from iadsim.sim.seeds import stream
from iadsim.sim.sensing import RadarView, radar_view
from iadsim.sim.trajectories import Trajectories, route_duration_s, sample_trajectories
from iadsim.world import RadarInstance, World, nominal

__all__ = ["CLUTTER_EL_MAX_DEG", "CLUTTER_EL_MIN_DEG", "ClutterModel", "Measurements", "RadarScans",
           "clutter_model", "end_time_s", "measure", "radar_sigmas", "scan_phase_s", "scan_rng", "scan_times", "tracking_input_error"]

CLUTTER_EL_MIN_DEG = -2.0
CLUTTER_EL_MAX_DEG = 30.0
SPEED_OF_LIGHT_MPS = 299_792_458.0

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ClutterModel:
    """One radar's clutter rate and how it was obtained (all SI; written to metrics.json)."""

    rate_per_scan: float
    source: str  # "scenario" (environment.clutter.false_alarms_per_scan) or "pfa"
    pfa: float
    az_min_rad: float  # clutter azimuth interval start (clockwise from north)
    az_width_rad: float
    el_min_rad: float
    el_max_rad: float
    el_extent_source: str  # "catalog" or "assumed"
    max_range_m: float
    snr50_db: float | None = None
    range_resolution_m: float | None = None
    az_resolution_rad: float | None = None
    el_resolution_rad: float | None = None
    n_range_cells: float | None = None
    n_az_cells: float | None = None
    n_el_cells: float | None = None
    n_beams_timeline: float | None = None  # beam positions one revisit period allows
    n_beams: float | None = None  # min(n_az_cells · n_el_cells, n_beams_timeline)
    n_cells: float | None = None

    @property
    def volume_m_rad2(self) -> float:
        """Measurement-space volume the false plots are spread over (range × az × el)."""
        return self.max_range_m * self.az_width_rad * max(self.el_max_rad - self.el_min_rad, 1e-9)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["formula"] = ("scenario rate" if self.source == "scenario" else
                        "λ = Pfa · N_cells; N_cells = (R_max/Δr) · min((az extent/Δθ_az)(el extent/Δθ_el), "
                        "revisit_s·c/(2·R_max·n_pulses)); Δ = σ·√(2·SNR50), SNR50 = SNR for Pd 0.5 "
                        "at the radar's Pfa")
        return d


@dataclass(frozen=True)
class RadarScans:
    """One radar's scans: times, the view of every threat at those times, noise and clutter."""

    radar: RadarInstance
    t_s: np.ndarray  # (K,)
    view: RadarView  # arrays (n_threats, K)
    sigma_range_m: float
    sigma_az_rad: float
    sigma_el_rad: float
    clutter: ClutterModel


@dataclass(frozen=True)
class Measurements:
    """Every radar's plots, sorted by time (then radar), with the scan each came from.

    ``scan_t_s`` / ``scan_radar`` (S,) list every scan in processing order, empty ones included
    (an empty scan is still a look: the tracker predicts and counts it as a miss where it
    covers a track); ``scan_start`` (S+1,) are the offsets of each scan's plots in ``detections``.
    """

    detections: Detections
    scan_t_s: np.ndarray
    scan_radar: np.ndarray
    scan_start: np.ndarray
    radars: list[RadarScans]
    threat_names: list[str]
    t_end_s: float

    @property
    def n_scans(self) -> int:
        return len(self.scan_t_s)

    def scan(self, s: int) -> Detections:
        """The plots of scan ``s`` (in processing order)."""
        return self.detections[int(self.scan_start[s]):int(self.scan_start[s + 1])]

    def scan_index(self) -> np.ndarray:
        """For every plot, the index of its scan."""
        return np.repeat(np.arange(self.n_scans), np.diff(self.scan_start))


def _placement_path(world: World, radar: RadarInstance) -> tuple:
    j = world.sites[radar.site_index].radars.index(radar.index)
    return ("sites", radar.site_index, "radars", j)


def _error(world: World, radar: RadarInstance, message: str, field: str | None) -> ScenarioError:
    path = _placement_path(world, radar)
    line, col = world.loaded.located.where(path + ((field,) if field else ()))
    return ScenarioError(message, file=world.loaded.source, line=line, column=col,
                         field=format_path(path + ((field,) if field else ())))


def end_time_s(world: World) -> float:
    """The tracking horizon: the scenario's ``run.duration_s`` or the last threat's arrival."""
    run = world.scenario.run
    return float(run.duration_s) if run.duration_s else float(route_duration_s(world))


def scan_phase_s(world: World, radar: RadarInstance) -> float:
    """The radar's first scan time φ: ``revisit_s · u`` with ``u ~ U[0, 1)`` drawn from
    ``stream(seed, "scan_phase").spawn(n_radars)[radar.index]``, or 0 with ``tracking.scan_phase:
    aligned`` (or without a revisit time)."""
    if world.scenario.tracking.scan_phase == "aligned" or radar.revisit_s is None:
        return 0.0
    child = stream(world.scenario.run.seed, "scan_phase").spawn(len(world.radars))[radar.index]
    return float(radar.revisit_s) * float(np.random.default_rng(child).random())


def scan_times(world: World, radar: RadarInstance, t_end_s: float | None = None) -> np.ndarray:
    """``φ + k · revisit_s`` for ``k = 0, 1, …`` up to the horizon (at least one scan); a located
    error without a revisit time."""
    if radar.revisit_s is None:
        raise _error(world, radar,
                     f"the catalog has no public revisit time for {radar.equipment}; tracking needs one: give "
                     "revisit_s (seconds between looks at a target) for this radar", None)
    end = end_time_s(world) if t_end_s is None else float(t_end_s)
    phase = scan_phase_s(world, radar)
    n = int(math.floor((end - phase) / radar.revisit_s + 1e-9)) + 1
    return phase + np.arange(max(n, 1)) * float(radar.revisit_s)


def radar_sigmas(world: World, radar: RadarInstance) -> tuple[float, float, float]:
    """Nominal (σ_range m, σ_az rad, σ_el rad) from the catalog; a located error when any is missing."""
    spec = world.catalog.radar(radar.equipment)
    figs = {"sigma_range_m": spec.sigma_range_m, "sigma_azimuth_mrad": spec.sigma_azimuth_mrad,
            "sigma_elevation_mrad": spec.sigma_elevation_mrad}
    missing = [k for k, v in figs.items() if v is None]
    if missing:
        raise _error(world, radar,
                     f"the catalog has no public measurement accuracy for {radar.equipment} "
                     f"({', '.join(missing)}); tracking needs it: add {', '.join(missing)} with a source to "
                     f"the catalog entry {radar.equipment}.yaml, or use another radar", "equipment")
    return (nominal(figs["sigma_range_m"]), nominal(figs["sigma_azimuth_mrad"]) * 1e-3,
            nominal(figs["sigma_elevation_mrad"]) * 1e-3)


def tracking_input_error(world: World, why: str = "") -> ScenarioError | None:
    """The first located error :func:`measure` would raise for a missing revisit time or accuracy
    (``why`` is prefixed to its message), or None when every radar can be tracked."""
    for radar in world.radars:
        try:
            scan_times(world, radar, 0.0)
            radar_sigmas(world, radar)
        except ScenarioError as exc:
            return ScenarioError(f"{why}{exc.message}", file=exc.file, line=exc.line, column=exc.column,
                                 field=exc.field) if why else exc
    return None


def clutter_model(world: World, radar: RadarInstance, sigmas: tuple[float, float, float]) -> ClutterModel:
    """The radar's false plots per scan and their volume (see the module docstring for the formula)."""
    if radar.sector_az_min_rad is not None and radar.sector_width_rad is not None:
        az0, width = float(radar.sector_az_min_rad), float(radar.sector_width_rad)
    else:
        az0, width = -math.pi, 2.0 * math.pi
    public_el = radar.elevation_min_rad > -math.pi / 2 or radar.elevation_max_rad < math.pi / 2
    if public_el:
        el0, el1, el_src = radar.elevation_min_rad, radar.elevation_max_rad, "catalog"
    else:
        el0, el1, el_src = math.radians(CLUTTER_EL_MIN_DEG), math.radians(CLUTTER_EL_MAX_DEG), "assumed"
    common = dict(pfa=radar.pfa, az_min_rad=az0, az_width_rad=width, el_min_rad=el0, el_max_rad=el1,
                  el_extent_source=el_src, max_range_m=radar.max_range_m)
    given = world.scenario.environment.clutter.false_alarms_per_scan
    if given is not None:
        return ClutterModel(rate_per_scan=float(given), source="scenario", **common)
    snr50_db = float(required_snr_db(0.5, radar.pfa, radar.n_pulses, radar.swerling))
    k = math.sqrt(2.0 * 10.0 ** (snr50_db / 10.0))
    dr, daz, de = sigmas[0] * k, sigmas[1] * k, sigmas[2] * k
    nr, naz, nel = radar.max_range_m / dr, width / daz, max(el1 - el0, 0.0) / de
    revisit = radar.revisit_s if radar.revisit_s is not None else math.inf
    timeline = revisit * SPEED_OF_LIGHT_MPS / (2.0 * radar.max_range_m * radar.n_pulses)
    beams = min(naz * nel, timeline)
    n_cells = nr * beams
    return ClutterModel(rate_per_scan=clutter_rate_from_pfa(radar.pfa, n_cells), source="pfa",
                        snr50_db=snr50_db, range_resolution_m=dr, az_resolution_rad=daz, el_resolution_rad=de,
                        n_range_cells=nr, n_az_cells=naz, n_el_cells=nel,
                        n_beams_timeline=timeline if math.isfinite(timeline) else None, n_beams=beams,
                        n_cells=n_cells, **common)


def scan_rng(seed: int, n_radars: int, radar: int, n_scans: int, scan: int) -> np.random.Generator:
    """The generator of one scan, rebuilt alone (the same one :func:`measure` uses)."""
    child = stream(seed, "measurements").spawn(n_radars)[radar].spawn(n_scans)[scan]
    return np.random.default_rng(child)


def _clutter(rng: np.random.Generator, cm: ClutterModel, t_s: float, radar: int,
             sig: tuple[float, float, float]) -> Detections:
    nc = int(rng.poisson(cm.rate_per_scan))
    r = cm.max_range_m * rng.random(nc)
    az = cm.az_min_rad + cm.az_width_rad * rng.random(nc)
    az = np.pi - np.mod(np.pi - az, 2.0 * np.pi)
    el = cm.el_min_rad + (cm.el_max_rad - cm.el_min_rad) * rng.random(nc)
    f = np.full
    return Detections(t_s=f(nc, float(t_s)), radar=f(nc, radar, np.int64), range_m=r, az_rad=az, el_rad=el,
                      sigma_range_m=f(nc, sig[0]), sigma_az_rad=f(nc, sig[1]), sigma_el_rad=f(nc, sig[2]),
                      is_clutter=np.ones(nc, bool), truth_id=f(nc, -1, np.int64))


def _radar_scans(world: World, radar: RadarInstance, t_end_s: float) -> tuple[RadarScans, Trajectories]:
    t = scan_times(world, radar, t_end_s)
    sig = radar_sigmas(world, radar)
    traj = sample_trajectories(world, t)
    view = radar_view(world, radar, traj)
    return RadarScans(radar=radar, t_s=t, view=view, sigma_range_m=sig[0], sigma_az_rad=sig[1],
                      sigma_el_rad=sig[2], clutter=clutter_model(world, radar, sig)), traj


def measure(world: World, *, t_end_s: float | None = None, progress: Progress | None = None) -> Measurements:
    """Every radar's scans over the scenario (see the module docstring); plots sorted by time."""
    end = end_time_s(world) if t_end_s is None else float(t_end_s)
    seed = world.scenario.run.seed
    n_r = len(world.radars)
    radar_seqs = stream(seed, "measurements").spawn(n_r)
    parts: list[Detections] = []
    scan_t: list[np.ndarray] = []
    scan_r: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    scans: list[RadarScans] = []
    names: list[str] = []
    for ri, radar in enumerate(world.radars):
        if progress:
            progress(f"measuring: {radar.equipment} at {radar.site}", ri / max(n_r, 1))
        rs, traj = _radar_scans(world, radar, end)
        names = traj.name
        scans.append(rs)
        children = radar_seqs[ri].spawn(len(rs.t_s))
        sig = (rs.sigma_range_m, rs.sigma_az_rad, rs.sigma_el_rad)
        n_det = np.zeros(len(rs.t_s), np.int64)
        for k, tk in enumerate(rs.t_s):
            rng = np.random.default_rng(children[k])
            pos = traj.pos_enu_m[:, k, :] if traj.n_threats else np.zeros((0, 3))
            det = simulate_scan(pos, rs.view.antenna_enu_m, rs.view.pd[:, k], sig[0], sig[1], sig[2], 0.0,
                                radar.max_range_m, rng, float(tk), radar=radar.index)
            clut = _clutter(rng, rs.clutter, float(tk), radar.index, sig)
            parts.append(Detections.concat([det, clut]))
            n_det[k] = len(det) + len(clut)
        scan_t.append(rs.t_s)
        scan_r.append(np.full(len(rs.t_s), radar.index, np.int64))
        counts.append(n_det)
    if not scans:
        return Measurements(Detections.empty(), np.zeros(0), np.zeros(0, np.int64), np.zeros(1, np.int64), [],
                            names, end)
    st, sr, sc = np.concatenate(scan_t), np.concatenate(scan_r), np.concatenate(counts)
    order = np.lexsort((sr, st))  # by time, then radar index
    start = np.concatenate([[0], np.cumsum(sc)])
    sel = np.concatenate([np.arange(start[i], start[i + 1]) for i in order]) if len(order) else np.zeros(0, int)
    det = Detections.concat(parts)[sel.astype(np.int64)]
    return Measurements(detections=det, scan_t_s=st[order], scan_radar=sr[order],
                        scan_start=np.concatenate([[0], np.cumsum(sc[order])]).astype(np.int64),
                        radars=scans, threat_names=list(names), t_end_s=end)
