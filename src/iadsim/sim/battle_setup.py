"""Static inputs of the battle kernel, built once per run: arrays and the run's notes and warnings.

Everything the time loop of :mod:`iadsim.sim.battle` needs that does not change with time is
resolved here, as arrays:

* **threats** (N): truth states on the time grid (:mod:`iadsim.sim.trajectories`), class index,
  and the time each leaks (first step inside ``leak_radius_km`` of a defended asset, horizontal
  distance in the world's ENU frame, or the end of its route, whichever is first);
* **perception** (:mod:`iadsim.sim.perception`): ``known_site[s, n, k]``, and the state the battle
  engages from. ``tracking: perfect``: a radar of site ``s``, or of a site ``s`` lists in ``links``,
  has Pd ≥ 0.5 on threat ``n`` at step ``k``; the truth state is used. ``tracking: tracker``: a
  confirmed track associated with the threat and held by the site's radars or its linked sites'
  exists at step ``k``; the track's estimate is used (``est_*`` arrays). The tracking run
  (plots and tracker over the battle's duration) is computed here, or passed in by ``iadsim run``
  so that its tracking job and the battle share it;
* **fire units**: every engagement-role radar (E) with its catalog ``fire_control`` channels
  (``targets`` engaged at once, ``missiles`` guided at once); per site the radars that may **guide**
  its missiles (its own engagement radars, then its linked sites'); launchers use the channels of
  the first;
* **fire control on the truth**: ``fc_hold[e, n, k]``, engagement radar ``e`` holds the TRUE threat
  ``n`` at step ``k`` (:meth:`iadsim.world.World.fire_control`: line of sight over terrain and Pd ≥
  ``engagement.fire_control_pd``, the coverage job's predicate), and ``within_reach[n]``: held by a
  guiding radar inside a missile's envelope at some step;
* **weapons**: one column per (individual launcher, missile type it carries) (W), grouped into
  *kinds* (site, missile type) (Kd) that share intercept geometry (launchers of a site stand at the
  site's position);
* **magazines**: ready rounds (L, M); reload time and launch interval from the catalog where
  public. Where ``reload_s`` is not public there is no reload; where ``launch_interval_s`` is not
  public the rounds of a salvo leave together (0 s). Where it is public, one reload of the
  launcher's load is taken to be in reserve (an assumption: stocks are not public). Each is a note;
* **missiles** (M): envelope (minimum range included), nominal Pk per threat class, divert basket
  (catalog ``divert_basket_m``), the time before intercept when mid-course aim-point updates stop
  (catalog ``terminal_homing_s``), and the fly-out: a boost–coast profile
  (:func:`iadsim.engagement.boost_coast_profile`) where the catalog gives the average speed
  (boost time 0 s where it gives none), else a constant-speed fly-out at the published maximum
  speed, an optimistic bound on time of flight (a note says so).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from iadsim.engagement import (
    BoostCoastProfile,
    EngagementInputError,
    Envelope,
    boost_coast_profile,
    make_envelope,
)
from iadsim.scenario import EngagementSettings
from iadsim.sim.memo import RowMemo
from iadsim.sim.measure import Measurements, measure, tracking_input_error
from iadsim.sim.perception import PD_KNOWN, perfect_perception, tracker_perception
from iadsim.sim.sensing import RadarView, radar_views
from iadsim.sim.track_run import TrackedRun, run_tracker
from iadsim.sim.trajectories import Trajectories, sample_trajectories, time_grid
from iadsim.world import World, nominal

__all__ = ["PD_KNOWN", "BattleSetup", "check_tracking_mode", "prepare_battle"]


@dataclass
class BattleSetup:
    """Static arrays of one battle (module docstring). N threats, K steps, S sites, E engagement
    radars, L launchers, M missile types, W weapon columns, Kd weapon kinds, A assets."""

    world: World
    traj: Trajectories
    settings: EngagementSettings
    t_s: np.ndarray  # (K,)
    # threats
    class_names: list[str]
    threat_class: np.ndarray  # (N,) index into class_names
    known_site: np.ndarray  # (S, N, K) bool
    detected_radar: np.ndarray  # (R, N, K) bool: Pd ≥ 0.5 by that radar
    leak_time_s: np.ndarray  # (N,) inf if it never leaks in the run
    leak_asset: np.ndarray  # (N,) asset index, −1: end of route, −2: never
    leak_pos_enu_m: np.ndarray  # (N, 3)
    # defended assets
    asset_names: list[str]
    asset_pos_enu_m: np.ndarray  # (A, 3)
    asset_value: np.ndarray  # (A,)
    # missiles
    missile_names: list[str]
    pk_table: np.ndarray  # (M, C)
    envelope: Envelope  # (M,)
    speed_max_mps: np.ndarray  # (M,)
    profile: BoostCoastProfile | None  # (M,) where boost_coast[m]; else unused entries
    boost_coast: np.ndarray  # (M,) bool
    # engagement radars (fire control)
    eng_radar: np.ndarray  # (E,) index into world.radars
    eng_targets: np.ndarray  # (E,) channels: targets engaged at once
    eng_missiles: np.ndarray  # (E,) missiles guided at once
    site_eng_radars: list[list[int]]  # per site: world radar indices of its engagement radars
    # launchers (one entry per launcher)
    launcher_site: np.ndarray  # (L,)
    launcher_group: np.ndarray  # (L,) index into world.launchers
    launcher_radar: np.ndarray  # (L,) index into eng_radar, −1: no fire control at its site
    launcher_label: list[str]
    ready0: np.ndarray  # (L, M)
    reserve0: np.ndarray  # (L, M)
    reload_s: np.ndarray  # (L,)
    launch_interval_s: np.ndarray  # (L,)
    # weapon columns and kinds
    weapon_launcher: np.ndarray  # (W,)
    weapon_missile: np.ndarray  # (W,)
    weapon_kind: np.ndarray  # (W,)
    kind_site: np.ndarray  # (Kd,)
    kind_missile: np.ndarray  # (Kd,)
    kind_pos_enu_m: np.ndarray  # (Kd, 3)
    site_pos_enu_m: np.ndarray  # (S, 3) at ground level
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    # tracking: tracker (None under tracking: perfect, where the truth state is used)
    est_pos_enu_m: np.ndarray | None = None  # (N, K, 3) the track estimate engaged from (NaN: none)
    est_vel_enu_mps: np.ndarray | None = None  # (N, K, 3)
    est_row: np.ndarray | None = None  # (N, K) row of ``tracked`` the estimate comes from, −1
    first_confirmed_s: np.ndarray | None = None  # (N,) first confirmed track associated with the threat
    tracked: TrackedRun | None = None
    measurements: Measurements | None = None
    est_vel_sigma_mps: np.ndarray | None = None  # (N, K) the estimate's velocity σ (tracker), NaN: none
    # fire control and kill geometry (issue 9)
    site_guides: list[list[int]] = field(default_factory=list)  # per site: eng indices that may guide
    fc_hold: np.ndarray | None = None  # (E, N, K) engagement radar e holds the TRUE threat n at step k
    divert_basket_m: np.ndarray | None = None  # (M,) correction capability at intercept
    within_reach: np.ndarray | None = None  # (N,) ever held by fire control inside a missile envelope
    #: (M,) seconds before intercept when mid-course aim-point updates stop (inf: no update)
    terminal_homing_s: np.ndarray | None = None
    #: per-row results shared by replications of this setup (tracking: perfect; :mod:`iadsim.sim.memo`);
    #: None: computed afresh (a single run)
    memo: RowMemo | None = None

    @property
    def tracker_mode(self) -> bool:
        return self.est_pos_enu_m is not None

    @property
    def n_threats(self) -> int:
        return self.traj.n_threats

    @property
    def n_steps(self) -> int:
        return int(self.t_s.size)


def check_tracking_mode(world: World) -> None:
    """``tracking: tracker`` needs every radar's revisit time and accuracies (the tracking job's
    inputs): the first missing one as a located one-line :class:`ScenarioError`."""
    if world.scenario.engagement.tracking != "tracker":
        return
    err = tracking_input_error(world, "engagement.tracking is tracker: ")
    if err is not None:
        raise err


def _site_enu(world: World) -> np.ndarray:
    s = world.sites
    if not s:
        return np.zeros((0, 3))
    e, n, u = world.frame.geodetic_to_enu(np.array([x.lat_rad for x in s]), np.array([x.lon_rad for x in s]),
                                          np.array([x.ground_alt_m for x in s]))
    return np.stack([np.atleast_1d(e), np.atleast_1d(n), np.atleast_1d(u)], axis=-1).astype(float)


def prepare_battle(world: World, traj: Trajectories | None = None, views: list[RadarView] | None = None,
                   tracking: tuple[Measurements, TrackedRun] | None = None) -> BattleSetup:
    """Build the :class:`BattleSetup` of ``world`` (module docstring); ``traj`` and ``views`` may be
    passed when already computed (they must be on the run's time grid), and so may ``tracking``
    (the plots and tracks of :func:`~iadsim.sim.measure.measure` and
    :func:`~iadsim.sim.track_run.run_tracker` for this world) under ``tracking: tracker``.

    A pipeline of named phases, each a small function over arrays: threats, perception, leaks,
    missiles, fire units, launchers and weapons, fire control on the truth, reach."""
    check_tracking_mode(world)
    out = _Parts(notes=[], warnings=[], seconds={})
    t0 = time.perf_counter()
    if traj is None:
        traj = sample_trajectories(world, time_grid(world))
    out.seconds["trajectories"] = time.perf_counter() - t0
    _phase_threats(world, traj, out)
    _phase_perception(world, traj, views, tracking, out)
    _phase_leaks(world, traj, out)
    _phase_missiles(world, out)
    _phase_fire_units(world, out)
    _phase_launchers(world, out)
    t0 = time.perf_counter()
    _phase_fire_control_truth(world, traj, out)
    out.seconds["fire_control"] = time.perf_counter() - t0
    _phase_reach(world, traj, out)
    return BattleSetup(world=world, traj=traj, settings=world.scenario.engagement, t_s=traj.t_s, **out.fields)


class _Parts:
    """The fields of a :class:`BattleSetup` as the phases of :func:`prepare_battle` fill them."""

    def __init__(self, notes: list[str], warnings: list[str], seconds: dict[str, float]) -> None:
        self.fields: dict = {"notes": notes, "warnings": warnings, "seconds": seconds}

    def __getattr__(self, key):
        try:
            return self.__dict__["fields"][key]
        except KeyError:
            raise AttributeError(key) from None

    def set(self, **kw) -> None:
        self.fields.update(kw)


def _phase_threats(world: World, traj: Trajectories, out: _Parts) -> None:
    """Class index per threat; warnings for an empty raid or routes below the terrain."""
    n, t_s = traj.n_threats, traj.t_s
    if n == 0:
        out.warnings.append("the raid has 0 threats: nothing to engage (add threats: to the scenario)")
    below = traj.below_ground().any(axis=1) if n else np.zeros(0, bool)
    for i in np.flatnonzero(below):
        first = float(t_s[np.argmax(traj.below_ground()[i])])
        out.warnings.append(f"threat {traj.name[i]!r}: its route goes below the terrain (first at t = {first:.0f} s); "
                            "raise its altitude or fly it agl")
    class_names: list[str] = []
    for c in traj.threat_class:
        if c not in class_names:
            class_names.append(c)
    out.set(class_names=class_names,
            threat_class=np.array([class_names.index(c) for c in traj.threat_class], dtype=np.int64))


def _phase_perception(world: World, traj: Trajectories, views, tracking, out: _Parts) -> None:
    """What each site knows (:mod:`iadsim.sim.perception`), from the truth or from the tracker."""
    tracker_mode = world.scenario.engagement.tracking == "tracker"
    t_s, n, k = traj.t_s, traj.n_threats, traj.t_s.size
    meas = tracked = None
    t0 = time.perf_counter()
    if tracker_mode:
        if tracking is None:
            meas = measure(world)
            tracked = run_tracker(world, meas)
            out.seconds["tracking"] = time.perf_counter() - t0
        else:
            meas, tracked = tracking
        if k and meas.t_end_s + 1e-9 < t_s[-1]:
            out.warnings.append(f"the tracking run ends at {meas.t_end_s:g} s, before the battle ({t_s[-1]:g} s): "
                                "threats are unknown after it")
        t0 = time.perf_counter()
        perc = tracker_perception(world, t_s, n, meas, tracked)
        out.seconds["perception"] = time.perf_counter() - t0
        out.notes.append("tracking: tracker — threats are engaged from confirmed tracks of the central tracker (all "
                         "radars fused), using the track's estimated position and velocity; a site knows a threat "
                         "when its radars or a linked site's fed the track within their K-miss window. Tracking is "
                         "open loop: computed for every threat over its whole route before the battle (the battle "
                         "ignores the track of a threat it has assessed killed). A launch needs the track's "
                         "velocity σ below engagement.max_velocity_sigma_mps "
                         f"({world.scenario.engagement.max_velocity_sigma_mps:g} m/s)")
    else:
        if views is None:
            views = radar_views(world, traj) if n else []
        out.seconds["sensing"] = time.perf_counter() - t0
        perc = perfect_perception(world, [v.pd for v in views], n, k)
    out.set(known_site=perc.known_site, detected_radar=perc.detected_radar, est_pos_enu_m=perc.pos_enu_m,
            est_vel_enu_mps=perc.vel_enu_mps, est_row=perc.row, first_confirmed_s=perc.first_confirmed_s,
            est_vel_sigma_mps=perc.vel_sigma_mps, tracked=tracked, measurements=meas)


def _phase_leaks(world: World, traj: Trajectories, out: _Parts) -> None:
    """Defended assets; when each threat leaks (first step inside the leak radius of an asset) or its
    route ends away from every asset."""
    sc = world.scenario
    t_s, n, k = traj.t_s, traj.n_threats, traj.t_s.size
    assets = list(sc.defended_assets)
    if assets:
        e, nn, u = world.frame.geodetic_to_enu(np.radians([a.lat_deg for a in assets]),
                                               np.radians([a.lon_deg for a in assets]), np.zeros(len(assets)))
        asset_pos = np.stack([np.atleast_1d(e), np.atleast_1d(nn), np.atleast_1d(u)], axis=-1).astype(float)
    else:
        asset_pos = np.zeros((0, 3))
    radius = sc.engagement.leak_radius_km * 1e3
    leak_time = np.full(n, np.inf)
    leak_asset = np.full(n, -2, dtype=np.int64)
    leak_pos = np.full((n, 3), np.nan)
    if n:
        if assets:
            d = np.hypot(traj.pos_enu_m[:, :, None, 0] - asset_pos[None, None, :, 0],
                         traj.pos_enu_m[:, :, None, 1] - asset_pos[None, None, :, 1])  # (N, K, A)
            inside = (d <= radius) & traj.active[:, :, None]
            any_in = inside.any(axis=2)
            has = any_in.any(axis=1)
            first = np.argmax(any_in, axis=1)
            rows = np.flatnonzero(has)
            leak_time[rows] = t_s[first[rows]]
            leak_asset[rows] = np.argmin(np.where(inside[rows, first[rows]], d[rows, first[rows]], np.inf), axis=1)
            leak_pos[rows] = traj.pos_enu_m[rows, first[rows]]
        ends = (traj.end_s <= t_s[-1] + 1e-9) & (traj.end_s < leak_time)
        leak_time[ends] = traj.end_s[ends]
        leak_asset[ends] = -1
        last = np.clip(np.searchsorted(t_s, traj.end_s, side="right") - 1, 0, k - 1)
        leak_pos[ends] = traj.pos_enu_m[ends, last[ends]]
    if not assets:
        out.notes.append("no defended assets: threats are valued equally and their routes end without a leak")
    out.set(leak_time_s=leak_time, leak_asset=leak_asset, leak_pos_enu_m=leak_pos,
            asset_names=[a.name for a in assets], asset_pos_enu_m=asset_pos,
            asset_value=np.array([a.value for a in assets], dtype=float))


def _phase_missiles(world: World, out: _Parts) -> None:
    """Per missile type: nominal Pk per class, envelope (minimum range included), divert basket and
    the fly-out (boost–coast average-speed profile where the catalog allows, else maximum speed)."""
    notes, warnings, class_names = out.notes, out.warnings, out.class_names
    missile_names: list[str] = []
    for lg in world.launchers:
        for m in lg.missiles:
            if m.name not in missile_names:
                missile_names.append(m.name)
    minst = {m.name: m for lg in world.launchers for m in lg.missiles}
    n_m = len(missile_names)
    pk_table = np.zeros((n_m, max(len(class_names), 1)))
    for mi, name in enumerate(missile_names):
        spec = world.catalog.missile(name)
        for ci, cls in enumerate(class_names):
            fig = spec.pk.get(cls)
            if fig is None:
                warnings.append(f"missile {name} has no Pk against {cls} in the catalog: taken as 0 (it will not engage)")
            else:
                pk_table[mi, ci] = nominal(fig)
    if n_m:
        envelope = make_envelope(
            [minst[m].range_min_m for m in missile_names], [minst[m].range_max_m for m in missile_names],
            [minst[m].alt_min_m for m in missile_names], [minst[m].alt_max_m for m in missile_names],
            [nominal(world.catalog.missile(m).max_target_speed_mps)
             if world.catalog.missile(m).max_target_speed_mps is not None else math.inf for m in missile_names])
    else:
        envelope = Envelope(*(np.zeros(0) for _ in range(5)))
    basket = np.array([minst[m].divert_basket_m if minst[m].divert_basket_m is not None else math.inf
                       for m in missile_names], dtype=float)
    for m in missile_names:
        if minst[m].divert_basket_m is None:  # only for worlds built in code (compile_world requires it)
            warnings.append(f"{m}: no divert basket; the aim point is not checked against the true target")
    terminal = np.array([minst[m].terminal_homing_s if minst[m].terminal_homing_s is not None else math.inf
                         for m in missile_names], dtype=float)
    for m in missile_names:
        if minst[m].terminal_homing_s is None:  # only for worlds built in code (compile_world requires it)
            warnings.append(f"{m}: no terminal_homing_s; no mid-course update: the launch-time aim point stands")
    speed_max = np.array([minst[m].speed_max_mps for m in missile_names], dtype=float)
    boost_coast = np.zeros(n_m, dtype=bool)
    v_avg = speed_max.copy()
    t_boost = np.zeros(n_m)
    for mi, name in enumerate(missile_names):
        spec = world.catalog.missile(name)
        if spec.speed_avg_mps is None:
            notes.append(f"{name}: no public average speed; the fly-out is flown at the published maximum speed "
                         f"({speed_max[mi]:.0f} m/s) all the way: an optimistic bound on time of flight and reach")
            continue
        try:
            boost = nominal(spec.boost_s) if spec.boost_s is not None else 0.0
            boost_coast_profile(speed_max[mi], nominal(spec.speed_avg_mps), boost, minst[name].range_max_m)
        except EngagementInputError as exc:
            warnings.append(f"{name}: catalog speeds do not fit a boost–coast fly-out ({exc.message}); "
                            "flown at maximum speed instead (optimistic)")
            continue
        boost_coast[mi] = True
        v_avg[mi] = nominal(spec.speed_avg_mps)
        t_boost[mi] = boost
        if spec.boost_s is None:
            notes.append(f"{name}: no public boost time; boost–coast fly-out with 0 s boost, calibrated to the "
                         "average speed")
        if spec.range_min_km is None:
            notes.append(f"{name}: no public minimum range; none applied")
    profile = (boost_coast_profile(speed_max, np.where(boost_coast, v_avg, speed_max * 0.999), t_boost,
                                   envelope.range_max_m) if boost_coast.any() else None)
    out.set(missile_names=missile_names, pk_table=pk_table, envelope=envelope, speed_max_mps=speed_max,
            profile=profile, boost_coast=boost_coast, divert_basket_m=basket, terminal_homing_s=terminal)


def _phase_fire_units(world: World, out: _Parts) -> None:
    """Engagement radars (fire units) with their catalog channels, and per site the radars that may
    guide its missiles: its own engagement radars, then those of the sites it lists in ``links``."""
    eng = [r for r in world.radars if r.role == "engagement"]
    eng_radar = np.array([r.index for r in eng], dtype=np.int64)
    eng_targets, eng_missiles = [], []
    for r in eng:  # the catalog's per-battalion channels, as compiled into the world
        eng_targets.append(r.fire_control_targets if r.fire_control_targets is not None else 1)
        eng_missiles.append(r.fire_control_missiles if r.fire_control_missiles is not None else 2)
        if r.fire_control_targets is None or r.fire_control_missiles is None:
            out.notes.append(f"{r.equipment} at {r.site}: no fire_control channels in the catalog; 1 target and 2 "
                             "missiles at once assumed")
        out.notes.append(f"{r.equipment} at {r.site}: {eng_targets[-1]} targets engaged and {eng_missiles[-1]} "
                         "missiles guided at once (catalog fire_control; a channel is busy from launch until kill "
                         "assessment)")
    n_sites = len(world.sites)
    site_eng = [[r.index for r in eng if r.site_index == si] for si in range(n_sites)]
    eng_pos = {int(ri): ei for ei, ri in enumerate(eng_radar)}
    idx = {s.name: i for i, s in enumerate(world.sites)}
    guides = []
    for si, sp in enumerate(world.scenario.sites):
        g = [eng_pos[ri] for ri in site_eng[si]]
        for link in sp.links:
            g += [eng_pos[ri] for ri in site_eng[idx[link]] if eng_pos[ri] not in g]
        guides.append(g)
    out.set(eng_radar=eng_radar, eng_targets=np.array(eng_targets, dtype=np.int64),
            eng_missiles=np.array(eng_missiles, dtype=np.int64), site_eng_radars=site_eng, site_guides=guides)


def _phase_launchers(world: World, out: _Parts) -> None:
    """One entry per launcher (magazine, reload, launch interval, fire unit), weapon columns and kinds."""
    notes, warnings, site_eng, missile_names = out.notes, out.warnings, out.site_eng_radars, out.missile_names
    n_m = len(missile_names)
    site_pos = _site_enu(world)
    l_site, l_group, l_radar, l_label = [], [], [], []
    ready_rows, reserve_rows, reload_l, interval_l = [], [], [], []
    for gi, lg in enumerate(world.launchers):
        guides = out.site_guides[lg.site_index]
        if not guides:
            warnings.append(f"site {lg.site!r} has launchers ({lg.count} × {lg.equipment}) but no engagement radar "
                            "of its own or of a linked site: they cannot fire (add an engagement-role radar, e.g. "
                            "92N6E)")
        elif len(guides) > 1 and gi == world.sites[lg.site_index].launchers[0]:
            notes.append(f"site {lg.site!r}: {len(guides)} engagement radars may guide its missiles (its own and "
                         "linked sites'); the channels of the first are used")
        spec = world.catalog.launcher(lg.equipment)
        carried = {ld.missile for ld in spec.loads}
        for m in lg.load:
            if m not in carried:  # scenario validation rejects this; kept for worlds built in code
                warnings.append(f"site {lg.site!r}: {lg.equipment} does not carry {m} (it carries "
                                f"{', '.join(sorted(carried))}); those rounds are not fired")
        if lg.reload_s is None:
            notes.append(f"{lg.equipment} at {lg.site}: no public reload time: launchers are not reloaded")
        else:
            notes.append(f"{lg.equipment} at {lg.site}: reload {lg.reload_s:g} s per round from one reload of its "
                         "load in reserve (an assumption: stocks are not public)")
        if lg.launch_interval_s is None:
            notes.append(f"{lg.equipment} at {lg.site}: no public launch interval: the rounds of a salvo leave "
                         "together (0 s)")
        for j in range(lg.count):
            l_site.append(lg.site_index)
            l_group.append(gi)
            l_radar.append(guides[0] if guides else -1)
            l_label.append(f"{lg.site}/{lg.equipment}#{j + 1}")
            row = np.zeros(n_m, dtype=np.int64)
            for m, cnt in lg.load.items():
                if m in carried:
                    row[missile_names.index(m)] = int(cnt)
            ready_rows.append(row)
            reserve_rows.append(row.copy() if lg.reload_s is not None else np.zeros(n_m, dtype=np.int64))
            reload_l.append(lg.reload_s or 0.0)
            interval_l.append(lg.launch_interval_s or 0.0)
    reserve = int(world.scenario.engagement.magazine_reserve)
    if reserve:
        notes.append(f"magazine reserve: each site keeps {reserve} ready round(s) back (engagement.magazine_reserve)")
    n_l = len(l_site)
    ready0 = np.array(ready_rows, dtype=np.int64).reshape(n_l, n_m)
    w_l, w_m = np.nonzero(ready0)
    kinds: dict[tuple[int, int], int] = {}
    w_k = np.zeros(w_l.size, dtype=np.int64)
    for i, (lv, mv) in enumerate(zip(w_l.tolist(), w_m.tolist())):
        w_k[i] = kinds.setdefault((l_site[lv], mv), len(kinds))
    kind_site = np.array([s for s, _ in kinds], dtype=np.int64)
    out.set(launcher_site=np.array(l_site, dtype=np.int64), launcher_group=np.array(l_group, dtype=np.int64),
            launcher_radar=np.array(l_radar, dtype=np.int64), launcher_label=l_label, ready0=ready0,
            reserve0=np.array(reserve_rows, dtype=np.int64).reshape(n_l, n_m),
            reload_s=np.array(reload_l, dtype=float), launch_interval_s=np.array(interval_l, dtype=float),
            weapon_launcher=w_l.astype(np.int64), weapon_missile=w_m.astype(np.int64), weapon_kind=w_k,
            kind_site=kind_site, kind_missile=np.array([m for _, m in kinds], dtype=np.int64),
            kind_pos_enu_m=site_pos[kind_site] if kinds else np.zeros((0, 3)), site_pos_enu_m=site_pos)
    _warn_uncovered_assets(out)


def _warn_uncovered_assets(out: _Parts) -> None:
    for ai, name in enumerate(out.asset_names):
        covered = False
        for s, m in zip(out.kind_site.tolist(), out.kind_missile.tolist()):
            if not out.site_guides[s]:
                continue
            r = float(np.hypot(*(out.asset_pos_enu_m[ai, :2] - out.site_pos_enu_m[s, :2])))
            if out.envelope.range_min_m[m] <= r <= out.envelope.range_max_m[m]:
                covered = True
                break
        if not covered:
            out.warnings.append(f"defended asset {name!r} is outside every engagement envelope (no launcher with fire "
                                "control reaches it): threats over it can only be engaged on the way in")


def threat_rcs_m2(world: World, traj: Trajectories, band: str) -> np.ndarray:
    """(N,) each threat's RCS in ``band``: its scenario override, else its class's nominal figure."""
    return np.array([traj.rcs_override_m2[i] if np.isfinite(traj.rcs_override_m2[i]) else world.rcs_m2(c, band)
                     for i, c in enumerate(traj.threat_class)], dtype=float)


def _phase_fire_control_truth(world: World, traj: Trajectories, out: _Parts) -> None:
    """``fc_hold[e, n, k]``: engagement radar ``e`` holds the TRUE threat ``n`` at step ``k``
    (:meth:`iadsim.world.World.fire_control`, the predicate the coverage job uses too)."""
    n, k = traj.n_threats, traj.t_s.size
    hold = np.zeros((out.eng_radar.size, n, k), dtype=bool)
    for e, ri in enumerate(out.eng_radar.tolist()):
        radar = world.radars[ri]
        if not n or not k:
            continue
        rcs = np.broadcast_to(threat_rcs_m2(world, traj, radar.band)[:, None], (n, k))
        act = traj.active
        if act.any():
            hold[e][act] = world.fire_control_at(radar, traj.lat_rad[act], traj.lon_rad[act], traj.alt_msl_m[act],
                                                 rcs[act])
    out.set(fc_hold=hold)
    out.notes.append(f"fire control: a launch needs a guiding engagement radar (the site's own or a linked site's) "
                     f"whose Pd on the true target is ≥ engagement.fire_control_pd = "
                     f"{world.scenario.engagement.fire_control_pd:g} (line of sight over terrain included) at launch "
                     "and at the predicted intercept point; losing it in flight is a miss ('lost fire control')")


def _phase_reach(world: World, traj: Trajectories, out: _Parts) -> None:
    """``within_reach[n]``: at some step the true threat was held by a guiding radar of a site whose
    missiles' kinematic envelope (ground range, height above ground, ceiling) contained it."""
    n = traj.n_threats
    reach = np.zeros(n, dtype=bool)
    for s, m in zip(out.kind_site.tolist(), out.kind_missile.tolist()):
        g = out.site_guides[s]
        if not g or not n:
            continue
        held = out.fc_hold[g].any(axis=0)
        gr = np.hypot(traj.pos_enu_m[..., 0] - out.site_pos_enu_m[s, 0], traj.pos_enu_m[..., 1] - out.site_pos_enu_m[s, 1])
        env = out.envelope
        inside = ((gr >= env.range_min_m[m]) & (gr <= env.range_max_m[m]) & (traj.height_agl_m >= env.alt_min_m[m])
                  & (traj.alt_msl_m <= env.alt_max_m[m]))
        reach |= (held & inside & traj.active).any(axis=1)
    out.set(within_reach=reach)
