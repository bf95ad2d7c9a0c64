"""The time-stepped battle: perception, threat evaluation, weapon assignment, fly-out, kill draws, leaks.

Steps of ``run.time_step_s`` over the run's time grid (``run.duration_s``, or until the last threat
arrives: :func:`iadsim.sim.trajectories.time_grid`). Static inputs come from
:func:`iadsim.sim.battle_setup.prepare_battle`; state lives in arrays (threat status, magazines,
channels, shots). At each step ``t``, in this order:

1. **reloads** completed by ``t`` make rounds ready (``reload_done`` events at their exact times);
2. **intercepts** of shots whose predicted intercept time is ≤ ``t`` are resolved in order of
   (intercept time, shot id): the shot kills when its seeded draw succeeds and the threat is still
   flying at that instant (not killed by an earlier shot, not leaked or at the end of its route
   before it); else it is ``missed`` (detail: the draw failed, or the target was already gone);
3. **leaks**: a live threat whose leak time (first step within ``leak_radius_km`` of a defended
   asset, or the end of its route) is ≤ ``t`` has leaked;
4. **decision cycle** (when a fire unit has a free channel and a launcher has a salvo ready):
   candidate threats are alive, flying, known to a site with usable weapons
   (:mod:`~iadsim.sim.perception`; ``perfect``: Pd ≥ 0.5 by a radar of the site or a linked site,
   truth state; ``tracker``: a confirmed track held by the site or a linked site, the track's
   estimated state — every "state" below is then the estimate),
   and eligible (shoot–look–shoot: not engaged, or the last engagement assessed —
   ``intercept + kill_assessment_s`` — and survived; salvo: never engaged). They are
   **evaluated** against the defended assets (:func:`iadsim.engagement.evaluate_threats`; a threat's
   value is its score plus a floor of 10⁻³ × the smallest asset value so that every hostile threat
   is worth a shot when capacity allows). For every (candidate, weapon) pair the **predicted
   intercept** of the constant-velocity truth state (boost–coast or constant maximum-speed fly-out)
   must be inside the missile's envelope (ground range, height above ground, target speed) and in
   line of sight of an engagement radar of the firing site (height above ground at the point ≥ that
   radar's lowest visible height there, and within its instrumented range). Pk = nominal Pk ×
   edge factor (:func:`iadsim.engagement.engagement_pk`). **Assignment** maximises the expected
   value saved, ``value × (1 − (1 − Pk)^salvo)``, under the channel, round and one-launcher-per-
   threat constraints (:func:`iadsim.engagement.assign_optimal`, or the greedy baseline);
5. **launches**: each engagement fires ``salvo_size`` rounds (:func:`iadsim.engagement.fire`);
   each round is a shot with its own predicted intercept, Pk and kill draw from its own generator
   (:func:`iadsim.engagement.shot_rngs`, keyed by the shot id under the run's seed), so the outcome
   of a shot does not depend on evaluation order. A fire-control channel is busy from launch until
   the last round's intercept plus ``kill_assessment_s``; a guided-missile slot until the round's
   intercept.

The interceptor is taken to home on the threat: it meets it at the predicted time (a manoeuvre
after launch is not modelled). Under ``tracking: tracker`` the prediction comes from a track, and
a cue can be too wrong for homing to recover: a round whose predicted intercept point lies outside
the track's own 3-σ uncertainty at the intercept time — Mahalanobis distance² from the threat's
**true** position then, under the track covariance predicted to that time with the tracker's
nearly-constant-velocity model (``q = process_noise_mps2²``), above χ²₃(0.9973) ≈ 14.2 — is a
miss with detail ``track error`` (checked at launch, reported at the intercept time, after the
target-gone checks; its kill draw is still drawn and not used). The kill draw, as in ``perfect``
mode, is against the true threat. The gate scales with the track's own uncertainty: a fresh
track with a poor velocity is allowed a large cue error (homing, with in-flight updates from the
engagement radar, is taken to recover it); what it catches are tracks that are wrong but
confident — a swap, clutter seduction, a turn after launch beyond the tracker's process noise
(which ``perfect`` mode, engaging from the truth, never misses on).

Shots still in flight when the run ends are recorded as ``missed`` with detail ``in flight at end
of run``, so every launch has exactly one outcome.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from iadsim.engagement import (
    advance,
    assign_greedy,
    assign_optimal,
    engagement_pk,
    evaluate_threats,
    expected_value_saved,
    fire,
    intercept_constant_speed,
    intercept_flyout,
    make_magazine,
    shot_rngs,
)
from iadsim.sim.battle_setup import BattleSetup, prepare_battle
from iadsim.sim.seeds import stream
from iadsim.sim.sensing import antenna_enu_m
from iadsim.tracking import ConstantVelocity, chi2_gate
from iadsim.world import World

EVENTS = ("detected", "tracked", "evaluated", "assigned", "launched", "intercepted", "missed", "leaked",
          "reload_done")
_EV = {name: i for i, name in enumerate(EVENTS)}
SHOT_OUTCOMES = ("kill", "miss", "target_gone", "in_flight")
VALUE_FLOOR = 1e-3
TRACK_ERROR_GATE_PROB = 0.9973  # the 3-σ probability mass: a cue outside it is a "track error" miss

_INT_COLS = ("event", "threat", "site", "radar", "launcher", "missile", "shot", "asset")
_FLOAT_COLS = ("t_s", "value", "pk", "t_intercept_s", "east_m", "north_m", "up_m")


class _Log:
    """Events as column chunks, concatenated once at the end."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []

    def add(self, event: str, t_s, detail: str = "", **cols) -> None:
        sizes = [np.size(t_s)] + [np.size(v) for key, v in cols.items() if key != "detail_each"]
        if "detail_each" in cols:
            sizes.append(np.size(cols["detail_each"]))
        n = int(max(sizes))
        if min(sizes) == 0:
            return
        chunk = {"event": np.full(n, _EV[event], dtype=np.int64),
                 "t_s": np.broadcast_to(np.asarray(t_s, dtype=float), (n,)).copy()}
        for c in _INT_COLS[1:]:
            chunk[c] = np.broadcast_to(np.asarray(cols.pop(c, -1), dtype=np.int64), (n,)).copy()
        for c in _FLOAT_COLS[1:]:
            chunk[c] = np.broadcast_to(np.asarray(cols.pop(c, np.nan), dtype=float), (n,)).copy()
        d = cols.pop("detail_each", None)
        chunk["detail"] = np.asarray(d, dtype=object) if d is not None else np.full(n, detail, dtype=object)
        if cols:
            raise TypeError(f"unknown event columns {sorted(cols)}")
        self.chunks.append(chunk)

    def arrays(self) -> dict[str, np.ndarray]:
        keys = _INT_COLS + _FLOAT_COLS + ("detail",)
        if not self.chunks:
            return {k: np.zeros(0, dtype=object if k == "detail" else (np.int64 if k in _INT_COLS else float))
                    for k in keys}
        out = {k: np.concatenate([c[k] for c in self.chunks]) for k in keys}
        order = np.lexsort((out["shot"], out["threat"], out["event"], out["t_s"]))
        return {k: v[order] for k, v in out.items()}


@dataclass
class BattleResult:
    """One replication: the event log, every shot and every threat's outcome, as arrays."""

    setup: BattleSetup
    seed: int
    events: dict[str, np.ndarray]  # columns, sorted by time (see EVENTS)
    shots: dict[str, np.ndarray]  # (n_shots,) columns
    status: np.ndarray  # (N,) "killed", "leaked" or "survived"
    end_time_s: np.ndarray  # (N,) kill or leak time, NaN if it survived
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
            "detail": ev["detail"].tolist(),
        }
        return pa.table(cols)


class _Geometry:
    """Predicted intercepts, envelope, line of sight and Pk for (threat, weapon kind) pairs."""

    def __init__(self, setup: BattleSetup) -> None:
        self.s = setup
        w = setup.world
        self.antenna = {ri: antenna_enu_m(w, w.radars[ri]) for ris in setup.site_eng_radars for ri in ris}
        self.terrain = {ri: w.radar_terrain(w.radars[ri]) for ri in self.antenna}

    def __call__(self, pos, vel, cls, kinds, offset):
        """Arrays (P, Kd') for P threat states and the weapon ``kinds``; launches ``offset`` (P,) s later."""
        s = self.s
        n_p, n_k = pos.shape[0], kinds.size
        kpos = s.kind_pos_enu_m[kinds]
        km = s.kind_missile[kinds]
        bc = s.boost_coast[km]
        t_int = np.full((n_p, n_k), np.nan)
        pts = np.full((n_p, n_k, 3), np.nan)
        feas = np.zeros((n_p, n_k), dtype=bool)
        off = offset[:, None]
        for sel, solve in ((~bc, "cs"), (bc, "bc")):
            if not sel.any():
                continue
            if solve == "cs":
                sol = intercept_constant_speed(pos, vel, kpos[sel], s.speed_max_mps[km[sel]], off)
            else:
                sol = intercept_flyout(pos, vel, kpos[sel], s.profile.take(km[sel]), off)
            t_int[:, sel] = sol.t_intercept_s
            pts[:, sel] = sol.pos_enu_m
            feas[:, sel] = sol.feasible
        # only points within the missile's reach need the terrain and line-of-sight work
        reach = s.envelope.range_max_m[km][None, :]
        gr = np.hypot(pts[..., 0] - kpos[None, :, 0], pts[..., 1] - kpos[None, :, 1])
        with np.errstate(invalid="ignore"):
            work = feas & (gr <= reach)
        agl = np.full((n_p, n_k), np.nan)
        los = np.zeros((n_p, n_k), dtype=bool)
        if work.any():
            p = pts[work]
            lat, lon, h = s.world.frame.enu_to_geodetic(p[:, 0], p[:, 1], p[:, 2])
            lat, lon, h = np.atleast_1d(lat), np.atleast_1d(lon), np.atleast_1d(h)
            ground = np.asarray(s.world.dem.sample_height_m(lat, lon), dtype=float).reshape(lat.shape)
            ground = np.where(np.isfinite(ground), ground, 0.0)
            agl_w = h - ground
            agl[work] = agl_w
            site_of = np.broadcast_to(s.kind_site[kinds][None, :], (n_p, n_k))[work]
            seen = np.zeros(lat.shape, dtype=bool)
            for site in np.unique(site_of):
                m = site_of == site
                for ri in s.site_eng_radars[site]:
                    radar = s.world.radars[ri]
                    lvh = self.terrain[ri].sample_nearest(lat[m], lon[m])
                    rng = np.linalg.norm(p[m] - self.antenna[ri], axis=-1)
                    seen[m] |= (agl_w[m] >= lvh) & (rng <= radar.max_range_m)
            los[work] = seen
        speed = np.linalg.norm(vel, axis=-1)[:, None]
        pk, inside = engagement_pk(pts, kpos, speed, s.envelope.take(km), s.pk_table, km[None, :], cls[:, None],
                                   alt_m=agl)
        ok = feas & inside & los & (pk > 0)
        return t_int, pts, ok, np.where(ok, pk, 0.0)


class _TrackError:
    """Under ``tracking: tracker``: how far each round's predicted intercept is from the true threat."""

    def __init__(self, setup: BattleSetup) -> None:
        s = self.s = setup
        q = float(s.world.scenario.tracking.process_noise_mps2) ** 2
        self.cv = ConstantVelocity(3, q)
        self.gate_d2 = float(chi2_gate(TRACK_ERROR_GATE_PROB, 3))

    def __call__(self, threat: int, k: int, t_int_s: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance (m) and Mahalanobis distance² of the predicted points ``pts`` (R, 3) at ``t_int_s``
        (R,) from the threat's true position, under the track covariance predicted to ``t_int_s``."""
        s, tr = self.s, self.s.tracked
        row = int(s.est_row[threat, k])
        true = np.stack([np.interp(t_int_s, s.t_s, s.traj.pos_enu_m[threat, :, j]) for j in range(3)], axis=-1)
        err = pts - true
        dist = np.linalg.norm(err, axis=-1)
        d2 = np.zeros(t_int_s.size)  # a round without an intercept solution is not a track matter
        for r in range(t_int_s.size):
            if not np.isfinite(err[r]).all():
                continue
            dt = float(t_int_s[r] - tr.t_s[row])
            f = self.cv.F(dt)
            p = (f @ tr.P[row] @ f.T + self.cv.Q(dt))[:3, :3]
            d2[r] = float(err[r] @ np.linalg.solve(p, err[r]))
        return dist, d2


def simulate(setup: BattleSetup, seed: int | None = None) -> BattleResult:
    """Run one replication of the battle described by ``setup`` (module docstring)."""
    s = setup
    st = s.settings
    seed = int(s.world.scenario.run.seed if seed is None else seed)
    salvo = int(st.salvo_size)
    sls = st.doctrine == "shoot-look-shoot"
    assess = float(st.kill_assessment_s)
    assign = assign_optimal if st.assignment == "optimal" else assign_greedy
    ss = stream(seed, "shots")  # the battle's own branch of the run's seed (iadsim.sim.seeds)
    t_s = s.t_s
    n, n_steps = s.n_threats, s.n_steps
    active = s.traj.active
    if s.tracker_mode:  # engage from the tracks' estimates (iadsim.sim.perception)
        pos_all, vel_all = s.est_pos_enu_m, s.est_vel_enu_mps
        track_error = _TrackError(s)
    else:
        pos_all, vel_all = s.traj.pos_enu_m, s.traj.vel_enu_mps
        track_error = None
    log = _Log()
    t_start = time.perf_counter()

    status = np.zeros(n, dtype=np.int8)  # 0 flying / not started, 1 killed, 2 leaked
    end_time = np.full(n, np.nan)
    kill_shot = np.full(n, -1, dtype=np.int64)
    engaged = np.zeros(n, dtype=np.int64)
    eligible_at = np.full(n, -np.inf)
    last_asset = np.full(n, -9, dtype=np.int64)
    n_e = s.eng_radar.size
    mag = make_magazine(s.ready0, s.reload_s, s.launch_interval_s, reserve=s.reserve0,
                        t_s=float(t_s[0]) if n_steps else 0.0) if s.ready0.size else None
    # shots (grown as lists, small) and engagements
    sh: dict[str, list] = {k: [] for k in ("threat", "launcher", "missile", "radar", "site", "t_launch_s",
                                           "t_intercept_s", "pk", "kill_draw", "east_m", "north_m", "up_m",
                                           "engagement", "cue_error_m", "cue_error_d2")}
    shot_out: list[int] = []
    shot_t_int = np.zeros(0)
    shot_radar = np.zeros(0, dtype=np.int64)
    unresolved = np.zeros(0, dtype=bool)
    eng_radar_l: list[int] = []
    eng_release = np.zeros(0)
    eng_radar_a = np.zeros(0, dtype=np.int64)
    geom = _Geometry(s)
    has_weapons = s.weapon_launcher.size > 0 and n_e > 0 and n > 0
    sites_with_weapons = np.unique(s.kind_site) if s.kind_site.size else np.zeros(0, dtype=np.int64)
    km_all = s.kind_missile
    reach_m = s.envelope.range_max_m[km_all] if km_all.size else np.zeros(0)
    tof_max_s = reach_m / s.speed_max_mps[km_all] if km_all.size else np.zeros(0)
    if s.profile is not None and km_all.size:
        tof_max_s = np.where(s.boost_coast[km_all], s.profile.take(km_all).time_max_s, tof_max_s)
    asset_floor = VALUE_FLOOR * (float(s.asset_value.min()) if s.asset_value.size else 1.0)
    track_gate = track_error.gate_d2 if track_error is not None else np.inf
    cycles = 0

    def resolve(i: int) -> None:
        th = sh["threat"][i]
        ti = sh["t_intercept_s"][i]
        common = dict(threat=th, site=sh["site"][i], radar=sh["radar"][i], launcher=sh["launcher"][i],
                      missile=sh["missile"][i], shot=i, pk=sh["pk"][i], t_intercept_s=ti,
                      east_m=sh["east_m"][i], north_m=sh["north_m"][i], up_m=sh["up_m"][i])
        if status[th] == 1 and end_time[th] <= ti:
            shot_out[i] = 2
            log.add("missed", ti, "target already destroyed", **common)
        elif s.leak_time_s[th] < ti:
            shot_out[i] = 2
            log.add("missed", ti, "target leaked or reached the end of its route first", **common)
        elif sh["cue_error_d2"][i] > track_gate:
            shot_out[i] = 1
            log.add("missed", ti, f"track error: the predicted intercept was {sh['cue_error_m'][i]:.0f} m from the "
                    f"threat ({math.sqrt(sh['cue_error_d2'][i]):.1f} σ of the track)", **common)
        elif sh["kill_draw"][i]:
            shot_out[i] = 0
            status[th], end_time[th], kill_shot[th] = 1, ti, i
            log.add("intercepted", ti, "killed", **common)
        else:
            shot_out[i] = 1
            log.add("missed", ti, "kill draw failed", **common)

    for k in range(n_steps):
        t = float(t_s[k])
        # 1. reloads
        if mag is not None and mag.queue_type.size:
            done = mag.queue_done_s <= t
            if done.any():
                li, qi = np.nonzero(done)
                log.add("reload_done", mag.queue_done_s[li, qi], launcher=li, missile=mag.queue_type[li, qi],
                        site=s.launcher_site[li])
                mag = advance(mag, t)
        # 2. intercepts
        if unresolved.any():
            due = np.flatnonzero(unresolved & (shot_t_int <= t))
            for i in due[np.lexsort((due, shot_t_int[due]))].tolist():
                resolve(i)
            unresolved[due] = False
        # 3. leaks
        lk = np.flatnonzero((status == 0) & (s.leak_time_s <= t))
        if lk.size:
            status[lk] = 2
            end_time[lk] = s.leak_time_s[lk]
            la = s.leak_asset[lk]
            p = s.leak_pos_enu_m[lk]
            log.add("leaked", s.leak_time_s[lk], threat=lk, asset=np.where(la >= 0, la, -1),
                    east_m=p[:, 0], north_m=p[:, 1], up_m=p[:, 2],
                    detail_each=np.where(la >= 0, "within leak radius of a defended asset", "reached the end of its route"))
        if not has_weapons:
            continue
        # 4. capacity
        busy_t = np.bincount(eng_radar_a[eng_release > t], minlength=n_e)
        busy_m = np.bincount(shot_radar[shot_t_int > t], minlength=n_e) if shot_radar.size else np.zeros(n_e, np.int64)
        chan_free = np.maximum(np.minimum(s.eng_targets - busy_t, (s.eng_missiles - busy_m) // salvo), 0)
        ready = mag.ready
        col_ready = ready[s.weapon_launcher, s.weapon_missile]
        wr = s.launcher_radar[s.weapon_launcher]
        col_ok = ((col_ready >= salvo) & (mag.next_launch_s[s.weapon_launcher] <= t) & (wr >= 0)
                  & (chan_free[np.maximum(wr, 0)] > 0))
        if not col_ok.any():
            continue
        flying = (status == 0) & active[:, k] & (s.leak_time_s > t)
        elig = (t >= eligible_at) if sls else (engaged == 0)
        cand = flying & elig
        if not cand.any():
            continue
        usable_sites = np.unique(s.kind_site[s.weapon_kind[col_ok]])
        known_now = s.known_site[usable_sites][:, :, k]  # (S', N)
        cand &= known_now.any(axis=0)
        ci = np.flatnonzero(cand)
        if ci.size == 0:
            continue
        cycles += 1
        # 5. threat evaluation
        pos, vel = pos_all[ci, k], vel_all[ci, k]
        ev = evaluate_threats(pos, vel, s.asset_pos_enu_m, s.asset_value)
        value = ev.score + asset_floor
        changed = ev.asset != last_asset[ci]
        if changed.any():
            log.add("evaluated", t, threat=ci[changed], asset=ev.asset[changed], value=ev.score[changed])
            last_asset[ci[changed]] = ev.asset[changed]
        # 6. geometry for the weapon kinds that can fire now
        cols = np.flatnonzero(col_ok)
        kinds, kind_col = np.unique(s.weapon_kind[cols], return_inverse=True)
        # cheap pre-filter: a threat farther than max range + what it closes during the longest fly-out
        d_h = np.hypot(pos[:, None, 0] - s.kind_pos_enu_m[kinds, 0], pos[:, None, 1] - s.kind_pos_enu_m[kinds, 1])
        near = (d_h <= reach_m[kinds] + np.linalg.norm(vel, axis=-1)[:, None] * tof_max_s[kinds]).any(axis=1)
        if not near.any():
            continue
        if not near.all():
            ci, pos, vel, value = ci[near], pos[near], vel[near], value[near]
            ev = ev._replace(asset=ev.asset[near])
        cls = s.threat_class[ci]
        t_int_rel, pts, ok, pk = geom(pos, vel, cls, kinds, np.zeros(ci.size))
        site_of_col = s.kind_site[kinds][kind_col]
        known_col = s.known_site[site_of_col][:, ci, k].T  # (C, W')
        feasible = ok[:, kind_col] & known_col
        if not feasible.any():
            continue
        pk_cols = pk[:, kind_col]
        vs = expected_value_saved(value, pk_cols, salvo)
        res = assign(vs, feasible, chan_free, col_ready[cols], wr[cols], salvo)
        eng_c = np.flatnonzero(res.launcher_of_threat >= 0)
        if eng_c.size == 0:
            continue
        # 7. launches
        wsel = cols[res.launcher_of_threat[eng_c]]
        mag, times = fire(mag, s.weapon_launcher[wsel], s.weapon_missile[wsel], np.full(eng_c.size, salvo), t)
        offsets = times - t  # (E', salvo)
        for j, (c, w) in enumerate(zip(eng_c.tolist(), wsel.tolist())):
            th = int(ci[c])
            lnch, mis = int(s.weapon_launcher[w]), int(s.weapon_missile[w])
            radar_e = int(s.launcher_radar[lnch])
            site = int(s.launcher_site[lnch])
            kc = int(np.searchsorted(kinds, s.weapon_kind[w]))
            log.add("assigned", t, threat=th, site=site, radar=int(s.eng_radar[radar_e]), launcher=lnch, missile=mis,
                    value=float(vs[c, res.launcher_of_threat[c]]), pk=float(pk[c, kc]), asset=int(ev.asset[c]))
            off = offsets[j]
            if np.all(off == 0.0):
                ti = np.full(salvo, t + t_int_rel[c, kc])
                pp = np.repeat(pts[c, kc][None, :], salvo, axis=0)
                pks = np.full(salvo, pk[c, kc])
            else:  # a launch interval spreads the salvo: each round has its own intercept
                r_t, r_p, r_ok, r_pk = geom(np.repeat(pos[c:c + 1], salvo, 0), np.repeat(vel[c:c + 1], salvo, 0),
                                            np.repeat(cls[c:c + 1], salvo), kinds[kc:kc + 1], off)
                ti = np.where(r_ok[:, 0], t + r_t[:, 0], t + off + 1e-9)
                pp = r_p[:, 0]
                pks = r_pk[:, 0]
            if track_error is not None:
                cue_m, cue_d2 = track_error(th, k, ti, pp)
            else:
                cue_m, cue_d2 = np.full(salvo, np.nan), np.zeros(salvo)
            first_id = len(shot_out)
            ids = np.arange(first_id, first_id + salvo)
            draws = np.array([g.random() for g in shot_rngs(ss, ids)])
            eng_id = len(eng_radar_l)
            for r in range(salvo):
                for key, val in (("threat", th), ("launcher", lnch), ("missile", mis), ("radar", int(s.eng_radar[radar_e])),
                                 ("site", site), ("t_launch_s", float(times[j, r])), ("t_intercept_s", float(ti[r])),
                                 ("pk", float(pks[r])), ("kill_draw", bool(draws[r] < pks[r])),
                                 ("east_m", float(pp[r, 0])), ("north_m", float(pp[r, 1])), ("up_m", float(pp[r, 2])),
                                 ("engagement", eng_id), ("cue_error_m", float(cue_m[r])),
                                 ("cue_error_d2", float(cue_d2[r]))):
                    sh[key].append(val)
                shot_out.append(3)
            log.add("launched", times[j], threat=th, site=site, radar=int(s.eng_radar[radar_e]), launcher=lnch,
                    missile=mis, shot=ids, pk=pks, t_intercept_s=ti, east_m=pp[:, 0], north_m=pp[:, 1], up_m=pp[:, 2])
            eng_radar_l.append(radar_e)
            engaged[th] += 1
            eligible_at[th] = float(ti.max()) + assess
            eng_release = np.append(eng_release, float(ti.max()) + assess)
            eng_radar_a = np.append(eng_radar_a, radar_e)
            shot_t_int = np.append(shot_t_int, ti)
            shot_radar = np.append(shot_radar, np.full(salvo, radar_e, dtype=np.int64))
            unresolved = np.append(unresolved, np.ones(salvo, dtype=bool))

    # shots still in flight at the end
    for i in np.flatnonzero(unresolved).tolist():
        common = dict(threat=sh["threat"][i], site=sh["site"][i], radar=sh["radar"][i], launcher=sh["launcher"][i],
                      missile=sh["missile"][i], shot=i, pk=sh["pk"][i], t_intercept_s=sh["t_intercept_s"][i],
                      east_m=sh["east_m"][i], north_m=sh["north_m"][i], up_m=sh["up_m"][i])
        log.add("missed", sh["t_intercept_s"][i], "in flight at end of run", **common)
    seconds = time.perf_counter() - t_start

    # detection and tracking events (first Pd ≥ 0.5 — tracker: first plot — per radar; first known per firing
    # site), while alive
    end_for_log = np.where(np.isnan(end_time), np.inf, end_time)
    for r in range(s.detected_radar.shape[0]):
        d = s.detected_radar[r]
        has = d.any(axis=1)
        first = np.argmax(d, axis=1)
        keep = np.flatnonzero(has & (t_s[first] <= end_for_log)) if n else np.zeros(0, dtype=np.int64)
        log.add("detected", t_s[first[keep]], threat=keep, radar=r, site=s.world.radars[r].site_index)
    for site in sites_with_weapons.tolist():
        d = s.known_site[site]
        has = d.any(axis=1)
        first = np.argmax(d, axis=1)
        keep = np.flatnonzero(has & (t_s[first] <= end_for_log)) if n else np.zeros(0, dtype=np.int64)
        log.add("tracked", t_s[first[keep]], threat=keep, site=site)

    shots = {k: np.array(v, dtype=(bool if k == "kill_draw" else None)) for k, v in sh.items()}
    for key in ("threat", "launcher", "missile", "radar", "site", "engagement"):
        shots[key] = shots[key].astype(np.int64) if shots[key].size else np.zeros(0, dtype=np.int64)
    for key in ("t_launch_s", "t_intercept_s", "pk", "east_m", "north_m", "up_m", "cue_error_m", "cue_error_d2"):
        shots[key] = shots[key].astype(float) if shots[key].size else np.zeros(0)
    if not shots["kill_draw"].size:
        shots["kill_draw"] = np.zeros(0, dtype=bool)
    shots["outcome"] = np.array([SHOT_OUTCOMES[o] for o in shot_out], dtype=object)
    labels = np.array(["survived", "killed", "leaked"], dtype=object)
    return BattleResult(
        setup=s, seed=seed, events=log.arrays(), shots=shots, status=labels[status],
        end_time_s=end_time, kill_shot=kill_shot, leak_asset=np.where(status == 2, s.leak_asset, -2),
        seconds=seconds, cycles=cycles,
    )


def run_battle_world(world: World, seed: int | None = None) -> BattleResult:
    """Prepare and simulate the battle of a compiled world (one replication)."""
    return simulate(prepare_battle(world), seed)
