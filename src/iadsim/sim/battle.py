"""The time-stepped battle: a short pipeline of named phases over arrays.

Steps of ``run.time_step_s`` over the run's time grid (``run.duration_s``, or until the last threat
arrives: :func:`iadsim.sim.trajectories.time_grid`). Static inputs come from
:func:`iadsim.sim.battle_setup.prepare_battle`; the state (threat status, magazines, channels,
shots) lives in :class:`~iadsim.sim.battle_phases.BattleState`. Each step ``t`` runs the phases of
:mod:`iadsim.sim.battle_phases`, in this order:

1. **reloads** completed by ``t`` make rounds ready;
2. **kill assessment** of shots whose predicted intercept time is ≤ ``t`` (in order of intercept
   time, shot id), decided on the TRUE target: already gone; ``lost fire control`` (the guiding
   radar stopped holding it at a time step between launch and intercept); ``masked at intercept``
   (not held at the intercept time); ``outside envelope`` (the true target outside the missile's
   range, minimum range, height and speed limits); ``outside basket`` (the final aim point farther
   from the true target than the missile's ``divert_basket_m``; mid-course updates refresh the aim
   point from the site's perception while the guiding radar holds the target, up to
   ``terminal_homing_s`` before intercept: :func:`~iadsim.sim.battle_phases.midcourse_update`);
   only then the seeded kill draw (``kill draw failed``). The true position at intercept, the
   launch-time and final aim points and the miss distance of each are recorded for every shot;
3. **leaks**: a flying threat inside ``leak_radius_km`` of a defended asset has leaked; one whose
   route ends away from every asset has ``route ended`` (not a leak);
4. **capacity**: free fire-control channels (catalog ``fire_control.targets``/``missiles`` of the
   fire unit), ready rounds, launch interval, and ``magazine_reserve`` rounds kept back per site;
5. **perception**: candidate threats are flying, eligible (shoot–look–shoot: the last engagement
   assessed and survived; salvo: never engaged; never a threat assessed killed), known to a site
   that can fire (:mod:`~iadsim.sim.perception`), and under ``tracker`` on a track whose velocity σ
   is below ``max_velocity_sigma_mps``; **threat evaluation** values them against the assets;
6. **fire control**: for every (candidate, weapon kind) the predicted intercept of the perceived
   constant-velocity state (boost–coast or maximum-speed fly-out) must lie inside the missile's
   envelope, and a guiding radar (the site's own engagement radar, or a linked site's) must hold
   the TRUE target now and the predicted intercept point (:meth:`iadsim.world.World.fire_control`:
   line of sight and Pd ≥ ``engagement.fire_control_pd``, the coverage job's predicate); then the
   doctrine's firing rule (``fire_at``);
7. **assignment** maximises the expected value saved under channel, round and one-launcher-per-
   threat constraints (optimal or greedy);
8. **launch**: ``salvo_size`` rounds per engagement, each a shot with its own seeded kill draw.

Shots still in flight when the run ends are ``in_flight``. Every threat ends with one label:
``killed``, ``leaked`` (with the asset), ``route ended``, ``inbound at end``, ``never within reach``
or ``not started``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from iadsim.sim import battle_phases as ph
from iadsim.sim.battle_phases import EVENTS, MISS_CAUSES, OUTCOMES, SHOT_OUTCOMES, VALUE_FLOOR  # noqa: F401
from iadsim.sim.battle_setup import BattleSetup, prepare_battle
from iadsim.sim.seeds import stream
from iadsim.world import World


@dataclass
class BattleResult:
    """One replication: the event log, every shot and every threat's outcome, as arrays."""

    setup: BattleSetup
    seed: int
    events: dict[str, np.ndarray]  # columns, sorted by time (see EVENTS); intercepted/missed: east/north/up
    # are the TRUE target at the intercept time, aim_* the final (mid-course updated) aim point,
    # miss_distance_m between; launch_aim_error_m the launch-time aim point's distance to it
    shots: dict[str, np.ndarray]  # (n_shots,) columns
    status: np.ndarray  # (N,) outcome labels (iadsim.sim.battle_phases.OUTCOMES)
    end_time_s: np.ndarray  # (N,) kill, leak or route-end time, NaN otherwise
    kill_shot: np.ndarray  # (N,) shot id, −1
    leak_asset: np.ndarray  # (N,) −1: end of route, −2: did not leak
    seconds: float  # wall time of the time loop
    cycles: int = 0  # decision cycles run
    notes: list[str] = field(default_factory=list)

    @property
    def n_threats(self) -> int:
        return int(self.status.size)

    def count(self, status: str) -> int:
        return int(np.count_nonzero(self.status == status))

    def expended_by_type(self) -> dict[str, int]:
        m = self.shots["missile"]
        return {name: int(np.count_nonzero(m == i)) for i, name in enumerate(self.setup.missile_names)}

    def events_table(self):
        """The event log as a ``pyarrow.Table`` (names resolved, lat/lon of points added)."""
        import pyarrow as pa

        s, ev = self.setup, self.events
        names = np.array(list(s.traj.name) + [""], dtype=object)
        sites = np.array([x.name for x in s.world.sites] + [""], dtype=object)
        radars = np.array([f"{r.site}/{r.equipment}" for r in s.world.radars] + [""], dtype=object)
        launchers = np.array(list(s.launcher_label) + [""], dtype=object)
        missiles = np.array(list(s.missile_names) + [""], dtype=object)
        assets = np.array(list(s.asset_names) + [""], dtype=object)
        lat = np.full(ev["t_s"].size, np.nan)
        lon = np.full(ev["t_s"].size, np.nan)
        pts = np.isfinite(ev["east_m"])
        if pts.any():
            la, lo, _ = s.world.frame.enu_to_geodetic(ev["east_m"][pts], ev["north_m"][pts], ev["up_m"][pts])
            lat[pts], lon[pts] = np.degrees(la), np.degrees(lo)
        cols = {
            "t_s": ev["t_s"],
            "event": pa.array([EVENTS[i] for i in ev["event"]], pa.string()).dictionary_encode(),
            "threat": ev["threat"], "threat_name": names[ev["threat"]].tolist(),
            "site": ev["site"], "site_name": sites[ev["site"]].tolist(),
            "radar": ev["radar"], "radar_name": radars[ev["radar"]].tolist(),
            "launcher": ev["launcher"], "launcher_name": launchers[ev["launcher"]].tolist(),
            "missile": ev["missile"], "missile_name": missiles[ev["missile"]].tolist(),
            "shot": ev["shot"], "asset": ev["asset"], "asset_name": assets[ev["asset"]].tolist(),
            "value": ev["value"], "pk": ev["pk"], "t_intercept_s": ev["t_intercept_s"],
            "east_m": ev["east_m"], "north_m": ev["north_m"], "up_m": ev["up_m"], "lat_deg": lat, "lon_deg": lon,
            "aim_east_m": ev["aim_east_m"], "aim_north_m": ev["aim_north_m"], "aim_up_m": ev["aim_up_m"],
            "miss_distance_m": ev["miss_distance_m"], "launch_aim_error_m": ev["launch_aim_error_m"],
            "detail": ev["detail"].tolist(),
        }
        return pa.table(cols)


def simulate(setup: BattleSetup, seed: int | None = None) -> BattleResult:
    """Run one replication of the battle described by ``setup`` (module docstring)."""
    s = setup
    seed = int(s.world.scenario.run.seed if seed is None else seed)
    ss = stream(seed, "shots")  # the battle's own branch of the run's seed (iadsim.sim.seeds)
    log = ph.EventLog()
    st = ph.BattleState.start(s)
    fc = ph.FireControl(s)
    t_start = time.perf_counter()
    can_fire = s.weapon_launcher.size > 0 and s.eng_radar.size > 0 and s.n_threats > 0
    for k in range(s.n_steps):
        t = float(s.t_s[k])
        ph.reloads(s, st, t, log)
        ph.kill_assessment(s, st, t, log)
        ph.leaks(s, st, t, log)
        if can_fire:
            _decision_cycle(s, st, fc, k, log, ss)
    ph.end_of_run(s, st, log)
    seconds = time.perf_counter() - t_start
    _perception_events(s, st, log)
    return BattleResult(
        setup=s, seed=seed, events=log.arrays(), shots=_shot_arrays(st), status=ph.outcomes(s, st),
        end_time_s=st.end_time_s, kill_shot=st.kill_shot,
        leak_asset=np.where((st.status == ph.LEAKED) | (st.status == ph.ROUTE_ENDED), s.leak_asset, -2),
        seconds=seconds, cycles=st.cycles,
    )


def _decision_cycle(s: BattleSetup, st: ph.BattleState, fc: ph.FireControl, k: int, log: ph.EventLog, ss) -> None:
    """Capacity → perception → threat evaluation → fire control → assignment → launch, at step ``k``."""
    t = float(s.t_s[k])
    salvo = int(s.settings.salvo_size)
    cap = ph.capacity(s, st, t, salvo)
    if not cap.col_ok.any():
        return
    ci = ph.perceive(s, st, cap, k)
    if ci.size == 0:
        return
    st.cycles += 1
    pos_all, vel_all = ((s.est_pos_enu_m, s.est_vel_enu_mps) if s.tracker_mode
                        else (s.traj.pos_enu_m, s.traj.vel_enu_mps))
    pos, vel = pos_all[ci, k], vel_all[ci, k]
    ev, value = ph.evaluate(s, st, ci, pos, vel, t, log)
    cols, kinds, kind_col = cap.cols, cap.kinds, cap.kind_col
    near = _near(s, fc, pos, vel, kinds)
    if not near.any():
        return
    ci, pos, vel, value, asset = ci[near], pos[near], vel[near], value[near], ev.asset[near]
    t_int, pts, ok, pk, guide = fc(pos, vel, ci, kinds, np.zeros(ci.size), k)
    ok = ph.when_to_fire(s, fc, pos, vel, ci, kinds, k, pts, ok, pk)
    pk = np.where(ok, pk, 0.0)
    known_col = s.known_site[s.kind_site[kinds][kind_col][:, None], ci[None, :], k].T  # (C, W'): no (W', N, K) copy
    res, vs = ph.assign(s, cap, cols, kind_col, value, ok, pk, known_col, salvo)
    if res is None:
        return
    avail = cap.site_avail.copy()
    for c in np.flatnonzero(res.launcher_of_threat >= 0).tolist():
        w = int(cols[res.launcher_of_threat[c]])
        site = int(s.launcher_site[s.weapon_launcher[w]])
        if avail[site] < salvo:  # the magazine reserve binds within this cycle
            continue
        avail[site] -= salvo
        kc = int(np.searchsorted(kinds, s.weapon_kind[w]))
        ph.launch(s, st, fc, t, k, dict(c=c, w=w, kc=kc, threats=ci, kinds=kinds, t_int=t_int, pts=pts, pk=pk,
                                        guide=guide, pos=pos, vel=vel, asset=int(asset[c]),
                                        value_saved=float(vs[c, res.launcher_of_threat[c]])), log, ss)


def _near(s: BattleSetup, fc: ph.FireControl, pos: np.ndarray, vel: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Cheap pre-filter: threats within max range + what they close during the longest fly-out."""
    reach, tof = fc.kind_reach_m[kinds], fc.kind_tof_s[kinds]
    d_h = np.hypot(pos[:, None, 0] - s.kind_pos_enu_m[kinds, 0], pos[:, None, 1] - s.kind_pos_enu_m[kinds, 1])
    return (d_h <= reach + np.linalg.norm(vel, axis=-1)[:, None] * tof).any(axis=1)


def _perception_events(s: BattleSetup, st: ph.BattleState, log: ph.EventLog) -> None:
    """``detected`` (per radar: Pd ≥ 0.5, or tracker: first plot) and ``tracked`` (first known per
    firing site) events, while the threat is alive."""
    n, t_s = s.n_threats, s.t_s
    end_for_log = np.where(np.isnan(st.end_time_s), np.inf, st.end_time_s)
    for r in range(s.detected_radar.shape[0]):
        d = s.detected_radar[r]
        first = np.argmax(d, axis=1)
        keep = np.flatnonzero(d.any(axis=1) & (t_s[first] <= end_for_log)) if n else np.zeros(0, dtype=np.int64)
        log.add("detected", t_s[first[keep]], threat=keep, radar=r, site=s.world.radars[r].site_index)
    sites = np.unique(s.kind_site) if s.kind_site.size else np.zeros(0, dtype=np.int64)
    for site in sites.tolist():
        d = s.known_site[site]
        first = np.argmax(d, axis=1)
        keep = np.flatnonzero(d.any(axis=1) & (t_s[first] <= end_for_log)) if n else np.zeros(0, dtype=np.int64)
        log.add("tracked", t_s[first[keep]], threat=keep, site=site)


def _shot_arrays(st: ph.BattleState) -> dict[str, np.ndarray]:
    ints = ("threat", "launcher", "missile", "radar", "guide", "site", "engagement", "aim_updates")
    out: dict[str, np.ndarray] = {}
    for key, v in st.shots.items():
        if key in ints:
            out[key] = np.array(v, dtype=np.int64)
        elif key == "kill_draw":
            out[key] = np.array(v, dtype=bool)
        elif key == "cause":
            out[key] = np.array(v, dtype=object)
        else:
            out[key] = np.array(v, dtype=float)
    out["outcome"] = np.array([SHOT_OUTCOMES[o] for o in st.shot_out], dtype=object)
    return out


def run_battle_world(world: World, seed: int | None = None) -> BattleResult:
    """Prepare and simulate the battle of a compiled world (one replication)."""
    return simulate(prepare_battle(world), seed)
