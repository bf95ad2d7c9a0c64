"""The named phases of one battle step (:mod:`iadsim.sim.battle`), each a small function over arrays.

A step at time ``t`` runs, in order: :func:`reloads`, :func:`kill_assessment` (intercepts due by
``t``), :func:`leaks`, then the decision cycle — :func:`capacity`, :func:`perceive`,
:func:`evaluate`, :func:`fire_control` (geometry, guiding radar and the doctrine's firing rule),
:func:`assign` and :func:`launch` (fly-out). :func:`outcomes` labels every threat at the end. Each
phase reads the static :class:`~iadsim.sim.battle_setup.BattleSetup` and reads or updates the
mutable :class:`BattleState`; a newcomer can replace one phase without touching the others.
"""

from __future__ import annotations

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
    in_envelope,
    intercept_constant_speed,
    intercept_flyout,
    make_magazine,
    shot_rngs,
)
from iadsim.sim.battle_setup import BattleSetup, threat_rcs_m2

EVENTS = ("detected", "tracked", "evaluated", "assigned", "launched", "intercepted", "missed", "leaked",
          "reload_done", "route_ended")
_EV = {name: i for i, name in enumerate(EVENTS)}
SHOT_OUTCOMES = ("kill", "miss", "target_gone", "in_flight")
#: why a shot missed (``shots.csv`` column ``cause``)
MISS_CAUSES = ("kill draw failed", "lost fire control", "masked at intercept", "outside envelope",
               "outside basket", "target already destroyed", "target leaked or its route ended first",
               "in flight at end of run")
VALUE_FLOOR = 1e-3
#: threat status codes during the run
FLYING, KILLED, LEAKED, ROUTE_ENDED = 0, 1, 2, 3
#: above this many (site, threat, step) cells perception is read from ``known_site`` at each step
#: instead of a per-run (step, site, threat) copy (memory)
KNOWN_ACTIVE_MAX_CELLS = 20_000_000

_INT_COLS = ("event", "threat", "site", "radar", "launcher", "missile", "shot", "asset")
_FLOAT_COLS = ("t_s", "value", "pk", "t_intercept_s", "east_m", "north_m", "up_m", "aim_east_m", "aim_north_m",
               "aim_up_m", "miss_distance_m", "launch_aim_error_m")
_SHOT_KEYS = ("threat", "launcher", "missile", "radar", "guide", "site", "t_launch_s", "t_intercept_s", "pk",
              "kill_draw", "east_m", "north_m", "up_m", "true_east_m", "true_north_m", "true_up_m",
              "miss_distance_m", "engagement", "cause", "launch_east_m", "launch_north_m", "launch_up_m",
              "launch_aim_error_m", "aim_updates", "last_update_s")


class EventLog:
    """Events in the order they were added: one-row events as tuples of scalars, longer ones as
    column chunks (scalars or arrays as given); the columns are built once at the end."""

    def __init__(self) -> None:
        self.singles: list[tuple] = []  # (position, event code, value of each of _COLUMNS)
        self.chunks: list[tuple[int, int, int, dict]] = []  # (position, event code, rows, columns)
        self.n_rows = 0

    def add(self, event: str, t_s, detail: str = "", **cols) -> None:
        sizes = [np.size(t_s)] + [np.size(v) for v in cols.values()]
        n = int(max(sizes))
        if min(sizes) == 0:
            return
        unknown = set(cols) - _KNOWN_COLS
        if unknown:
            raise TypeError(f"unknown event columns {sorted(unknown)}")
        cols["t_s"] = t_s
        cols["detail"] = cols.pop("detail_each") if "detail_each" in cols else detail
        if n == 1:
            self.singles.append((self.n_rows, _EV[event], *(_scalar(cols[c]) if c in cols else d
                                                            for c, _, d in _COLUMNS)))
        else:
            self.chunks.append((self.n_rows, _EV[event], n, cols))
        self.n_rows += n

    def arrays(self) -> dict[str, np.ndarray]:
        keys = _INT_COLS + _FLOAT_COLS + ("detail",)
        if not self.n_rows:
            return {k: np.zeros(0, dtype=object if k == "detail" else (np.int64 if k in _INT_COLS else float))
                    for k in keys}
        pos = np.array([r[0] for r in self.singles], dtype=np.int64)
        out = {"event": np.empty(self.n_rows, dtype=np.int64)}
        out["event"][pos] = [r[1] for r in self.singles]
        for p, e, n, _ in self.chunks:
            out["event"][p:p + n] = e
        for j, (c, dtype, default) in enumerate(_COLUMNS):
            col = np.empty(self.n_rows, dtype=dtype)
            if self.singles:
                vals = [r[2 + j] for r in self.singles]
                if dtype is object:
                    col[pos] = np.array(vals + [None], dtype=object)[:-1]  # strings stay whole
                else:
                    col[pos] = np.array(vals, dtype=dtype)
            for p, _, n, cols in self.chunks:
                col[p:p + n] = cols.get(c, default)
            out[c] = col
        order = np.lexsort((out["shot"], out["threat"], out["event"], out["t_s"]))
        return {k: out[k][order] for k in keys}


def _scalar(v):
    """A one-element value as a scalar."""
    return v if np.ndim(v) == 0 else np.asarray(v).reshape(-1)[0]


_KNOWN_COLS = frozenset(_INT_COLS[1:] + _FLOAT_COLS[1:] + ("detail_each",))
#: (name, dtype, default) of every event column but ``event``
_COLUMNS = tuple([(c, np.int64, -1) for c in _INT_COLS[1:]] + [(c, float, np.nan) for c in _FLOAT_COLS]
                 + [("detail", object, "")])


@dataclass
class BattleState:
    """Everything that changes during a run: threats, magazines, fire-control channels, shots."""

    status: np.ndarray  # (N,) FLYING, KILLED, LEAKED, ROUTE_ENDED
    end_time_s: np.ndarray  # (N,)
    kill_shot: np.ndarray  # (N,)
    engaged: np.ndarray  # (N,) engagements so far
    eligible_at: np.ndarray  # (N,) shoot-look-shoot: when the last engagement is assessed
    last_asset: np.ndarray  # (N,) last evaluated asset (event only when it changes)
    mag: object  # MagazineState or None
    shots: dict[str, list] = field(default_factory=lambda: {k: [] for k in _SHOT_KEYS})
    shot_out: list[int] = field(default_factory=list)
    shot_t_int: np.ndarray = field(default_factory=lambda: np.zeros(0))
    shot_radar: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    unresolved: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    eng_release: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eng_radar: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cycles: int = 0
    # when each phase next has work (skipping steps where it has none; the result is the same)
    next_due_s: float = np.inf  # earliest intercept time of an unresolved shot
    next_leak_s: float = -np.inf  # no flying threat leaks before this time
    cap_cache: tuple | None = None  # (magazine, engagements, valid until, Capacity)
    reload_cache: tuple | None = None  # (magazine, its earliest reload completion)
    #: (K, S, N) site s knows threat n at step k, which is on its route and has not leaked by then
    known_active: np.ndarray | None = None

    @classmethod
    def start(cls, s: BattleSetup) -> BattleState:
        n = s.n_threats
        mag = make_magazine(s.ready0, s.reload_s, s.launch_interval_s, reserve=s.reserve0,
                            t_s=float(s.t_s[0]) if s.n_steps else 0.0) if s.ready0.size else None
        known_active = None
        if s.known_site.size <= KNOWN_ACTIVE_MAX_CELLS:
            active = s.traj.active & (s.leak_time_s[:, None] > s.t_s[None, :])  # (N, K)
            known_active = np.ascontiguousarray((s.known_site & active[None]).transpose(2, 0, 1))
        return cls(status=np.zeros(n, dtype=np.int8), end_time_s=np.full(n, np.nan),
                   kill_shot=np.full(n, -1, dtype=np.int64), engaged=np.zeros(n, dtype=np.int64),
                   eligible_at=np.full(n, -np.inf), last_asset=np.full(n, -9, dtype=np.int64), mag=mag,
                   known_active=known_active)


# ---------------------------------------------------------------------------------------------
# truth helpers


def true_state_at(s: BattleSetup, threat: int, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ENU (R, 3), (lat, lon, alt MSL) (R, 3)) of the TRUE threat at times ``t_s``, linear between steps."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    p = np.stack([np.interp(t, s.t_s, s.traj.pos_enu_m[threat, :, j]) for j in range(3)], axis=-1)
    g = np.stack([np.interp(t, s.t_s, a[threat]) for a in (s.traj.lat_rad, s.traj.lon_rad, s.traj.alt_msl_m)],
                 axis=-1)
    return p, g


def ground_height_m(s: BattleSetup, lat_rad: np.ndarray, lon_rad: np.ndarray) -> np.ndarray:
    g = np.asarray(s.world.dem.sample_height_m(np.atleast_1d(lat_rad), np.atleast_1d(lon_rad)), dtype=float)
    return np.where(np.isfinite(g), g, 0.0).reshape(np.shape(np.atleast_1d(lat_rad)))


# ---------------------------------------------------------------------------------------------
# phases 1–3: reloads, kill assessment, leaks


def reloads(s: BattleSetup, st: BattleState, t: float, log: EventLog) -> None:
    """Reloads completed by ``t`` make rounds ready (``reload_done`` events at their exact times)."""
    mag = st.mag
    if mag is None or not mag.queue_type.size:
        return
    if st.reload_cache is None or st.reload_cache[0] is not mag:
        st.reload_cache = (mag, float(mag.queue_done_s.min()))
    if t < st.reload_cache[1]:
        return
    done = mag.queue_done_s <= t
    if done.any():
        li, qi = np.nonzero(done)
        log.add("reload_done", mag.queue_done_s[li, qi], launcher=li, missile=mag.queue_type[li, qi],
                site=s.launcher_site[li])
        st.mag = advance(mag, t)


def kill_assessment(s: BattleSetup, st: BattleState, t: float, log: EventLog) -> None:
    """Shots whose intercept time is ≤ ``t``, in order of (intercept time, shot id): decided on the
    TRUE target (:func:`resolve_shot`)."""
    if t < st.next_due_s:
        return
    due = np.flatnonzero(st.unresolved & (st.shot_t_int <= t))
    for i in due[np.lexsort((due, st.shot_t_int[due]))].tolist():
        resolve_shot(s, st, i, log)
    st.unresolved[due] = False
    st.next_due_s = float(st.shot_t_int[st.unresolved].min()) if st.unresolved.any() else np.inf


def miss_cause(s: BattleSetup, st: BattleState, i: int) -> str | None:
    """Why shot ``i`` cannot kill, checked on the truth in this order, or None (then the draw decides):
    the target is gone; the guiding radar lost it at a step between launch and intercept (``lost fire
    control``); it does not hold the true target at intercept (``masked at intercept``); the true
    target is outside the missile's kinematic envelope (``outside envelope``); the aim point is
    farther from it than the missile's divert basket (``outside basket``)."""
    return _state_cause(s, st, i) or geometry_cause(s, st, i)


def _state_cause(s: BattleSetup, st: BattleState, i: int) -> str | None:
    """The target of shot ``i`` is already gone at its intercept time (killed, leaked, route ended)."""
    sh = st.shots
    th, ti = sh["threat"][i], sh["t_intercept_s"][i]
    if st.status[th] == KILLED and st.end_time_s[th] <= ti:
        return "target already destroyed"
    if s.leak_time_s[th] < ti:
        return "target leaked or its route ended first"
    return None


def geometry_cause(s: BattleSetup, st: BattleState, i: int) -> str | None:
    """The causes of :func:`miss_cause` that depend only on the shot and the truth (not on what else
    happened in the battle): ``lost fire control``, ``masked at intercept``, ``outside envelope``,
    ``outside basket`` (after the mid-course update), or None."""
    sh = st.shots
    th, ti, g = sh["threat"][i], sh["t_intercept_s"][i], sh["guide"][i]
    steps = np.flatnonzero((s.t_s >= sh["t_launch_s"][i] - 1e-9) & (s.t_s < ti))
    if steps.size and not s.fc_hold[g, th, steps].all():
        return "lost fire control"
    _, geo = true_state_at(s, th, np.array([ti]))
    if not _held_at(s, g, th, ti, geo):
        return "masked at intercept"
    true = np.array([sh["true_east_m"][i], sh["true_north_m"][i], sh["true_up_m"][i]])
    m = sh["missile"][i]
    agl = geo[:, 2] - ground_height_m(s, geo[:, 0], geo[:, 1])
    speed = float(np.linalg.norm([np.interp(ti, s.t_s, s.traj.vel_enu_mps[th, :, j]) for j in range(3)]))
    site_pos = s.site_pos_enu_m[sh["site"][i]]
    if not bool(in_envelope(true[None, :], site_pos, speed, s.envelope.take([m]), alt_m=agl)[0]):
        return "outside envelope"
    if not sh["miss_distance_m"][i] <= s.divert_basket_m[m]:
        return "outside basket"
    return None


def _held_at(s: BattleSetup, g: int, th: int, ti: float, geo: np.ndarray) -> bool:
    """Whether guiding radar ``g`` holds the TRUE threat ``th`` (at ``geo``, its state at ``ti``)."""
    radar = s.world.radars[int(s.eng_radar[g])]
    rcs = threat_rcs_m2(s.world, s.traj, radar.band)[th]
    return bool(s.world.fire_control_at(radar, geo[:, 0], geo[:, 1], geo[:, 2], rcs)[0])


def midcourse_update(s: BattleSetup, st: BattleState, i: int) -> None:
    """Mid-course guidance of shot ``i``: at each time step after launch up to the last-update time
    ``t_int − terminal_homing_s`` (the missile's terminal phase), while the firing site perceives the
    threat (``known_site``: tracker mode, a confirmed track associated with it; perfect mode, Pd ≥
    0.5) and the guiding radar holds the TRUE target (``fc_hold``), the aim point is refreshed from
    the site's perception: tracker mode, the track estimate at the latest scan ≤ the step; perfect
    mode, the truth; predicted at constant velocity to the intercept time. The aim point of the
    last such step is the shot's final aim point (``east_m``… and ``miss_distance_m`` to the TRUE
    target); where no step qualifies (track lost, or the flight shorter than the terminal phase)
    the launch-time aim point stands. The intercept TIME stays the one predicted at launch: the
    fly-out is not re-planned (the refresh moves the aim point the missile steers to, not when it
    gets there); a re-plan would change the flight time by the along-track component of the update
    only, a second-order effect next to the cross-track correction. Perception is computed before
    the battle (open loop), so evaluating every step's update when the shot is resolved gives the
    same aim point as updating step by step."""
    sh = st.shots
    th, ti, g, site, m = sh["threat"][i], sh["t_intercept_s"][i], sh["guide"][i], sh["site"][i], sh["missile"][i]
    if s.terminal_homing_s is None or g < 0:
        return
    t_last = ti - float(s.terminal_homing_s[m])
    steps = np.flatnonzero((s.t_s > sh["t_launch_s"][i] + 1e-9) & (s.t_s <= t_last + 1e-9))
    if not steps.size:
        return
    pos_all, vel_all = ((s.est_pos_enu_m, s.est_vel_enu_mps) if s.tracker_mode
                        else (s.traj.pos_enu_m, s.traj.vel_enu_mps))
    pos, vel = pos_all[th, steps], vel_all[th, steps]
    held = (s.known_site[site, th, steps] & s.fc_hold[g, th, steps]
            & np.isfinite(pos).all(axis=-1) & np.isfinite(vel).all(axis=-1))
    if not held.any():
        return
    j = int(np.flatnonzero(held)[-1])
    aim = pos[j] + vel[j] * (ti - float(s.t_s[steps[j]]))
    true = np.array([sh["true_east_m"][i], sh["true_north_m"][i], sh["true_up_m"][i]])
    sh["east_m"][i], sh["north_m"][i], sh["up_m"][i] = (float(x) for x in aim)
    sh["miss_distance_m"][i] = float(np.linalg.norm(aim - true))
    sh["aim_updates"][i] = int(held.sum())
    sh["last_update_s"][i] = float(s.t_s[steps[j]])


#: the shot fields the mid-course update sets
_AIM_KEYS = ("east_m", "north_m", "up_m", "miss_distance_m", "aim_updates", "last_update_s")
#: the shot fields the mid-course update and the geometric causes read (``aim_updates`` and
#: ``last_update_s`` are still 0 and NaN when a shot is resolved)
_GEOMETRY_KEYS = ("threat", "t_launch_s", "t_intercept_s", "guide", "site", "missile", "east_m", "north_m", "up_m",
                  "true_east_m", "true_north_m", "true_up_m", "miss_distance_m")


def _aim_and_geometry(s: BattleSetup, st: BattleState, i: int) -> str | None:
    """Mid-course update of shot ``i`` (:func:`midcourse_update`) and its :func:`geometry_cause`; with
    the setup's memo, taken from an earlier replication that fired the same shot (same inputs)."""
    sh = st.shots
    if s.memo is None:
        midcourse_update(s, st, i)
        return geometry_cause(s, st, i)

    def compute():
        midcourse_update(s, st, i)
        return tuple(sh[k][i] for k in _AIM_KEYS), geometry_cause(s, st, i)

    aim, cause = s.memo.value(("shot", *(sh[k][i] for k in _GEOMETRY_KEYS)), compute)
    for k, v in zip(_AIM_KEYS, aim):
        sh[k][i] = v
    return cause


def resolve_shot(s: BattleSetup, st: BattleState, i: int, log: EventLog) -> None:
    sh = st.shots
    geometry = _aim_and_geometry(s, st, i)
    th, ti = sh["threat"][i], sh["t_intercept_s"][i]
    common = dict(threat=th, site=sh["site"][i], radar=sh["radar"][i], launcher=sh["launcher"][i],
                  missile=sh["missile"][i], shot=i, pk=sh["pk"][i], t_intercept_s=ti,
                  east_m=sh["true_east_m"][i], north_m=sh["true_north_m"][i], up_m=sh["true_up_m"][i],
                  aim_east_m=sh["east_m"][i], aim_north_m=sh["north_m"][i], aim_up_m=sh["up_m"][i],
                  miss_distance_m=sh["miss_distance_m"][i], launch_aim_error_m=sh["launch_aim_error_m"][i])
    cause = _state_cause(s, st, i) or geometry
    if cause is None and sh["kill_draw"][i]:
        st.shot_out[i] = 0
        st.status[th], st.end_time_s[th], st.kill_shot[th] = KILLED, ti, i
        sh["cause"][i] = "killed"
        log.add("intercepted", ti, "killed", **common)
        return
    cause = cause or "kill draw failed"
    st.shot_out[i] = 2 if cause.startswith("target") else 1
    sh["cause"][i] = cause
    detail = cause
    if cause == "outside basket":
        detail = (f"outside basket: the aim point was {sh['miss_distance_m'][i]:.0f} m from the true target "
                  f"(divert basket {s.divert_basket_m[sh['missile'][i]]:.0f} m; "
                  f"{sh['launch_aim_error_m'][i]:.0f} m at launch, {sh['aim_updates'][i]} mid-course updates)")
    log.add("missed", ti, detail, **common)


def leaks(s: BattleSetup, st: BattleState, t: float, log: EventLog) -> None:
    """A flying threat whose leak time is ≤ ``t`` has leaked at its asset, or its route has ended
    away from every asset (not a leak)."""
    if t < st.next_leak_s:
        return
    lk = np.flatnonzero((st.status == FLYING) & (s.leak_time_s <= t))
    later = s.leak_time_s[s.leak_time_s > t]
    st.next_leak_s = float(later.min()) if later.size else np.inf
    if not lk.size:
        return
    la = s.leak_asset[lk]
    st.status[lk] = np.where(la >= 0, LEAKED, ROUTE_ENDED)
    st.end_time_s[lk] = s.leak_time_s[lk]
    p = s.leak_pos_enu_m[lk]
    at = la >= 0
    log.add("leaked", s.leak_time_s[lk[at]], "within leak radius of a defended asset", threat=lk[at], asset=la[at],
            east_m=p[at, 0], north_m=p[at, 1], up_m=p[at, 2])
    log.add("route_ended", s.leak_time_s[lk[~at]], "reached the end of its route away from every asset",
            threat=lk[~at], east_m=p[~at, 0], north_m=p[~at, 1], up_m=p[~at, 2])


# ---------------------------------------------------------------------------------------------
# phase 4: capacity


@dataclass
class Capacity:
    chan_free: np.ndarray  # (E,) engagements each fire unit can still start
    col_ready: np.ndarray  # (W,) ready rounds per weapon column
    col_radar: np.ndarray  # (W,) fire unit of each column, −1
    col_ok: np.ndarray  # (W,) the column can fire a salvo now
    site_avail: np.ndarray  # (S,) ready rounds above the site's magazine reserve
    cols: np.ndarray | None = None  # weapon columns that can fire (flatnonzero(col_ok))
    kinds: np.ndarray | None = None  # their weapon kinds (sorted, unique)
    kind_col: np.ndarray | None = None  # kind of each of ``cols`` (index into ``kinds``)
    usable_sites: np.ndarray | None = None  # sites of ``kinds`` (sorted, unique)


def capacity(s: BattleSetup, st: BattleState, t: float, salvo: int) -> Capacity:
    """Free fire-control channels (targets engaged and missiles guided at once), ready rounds,
    launch interval and the sites' magazine reserve. Reused while nothing it depends on changes:
    the same magazine state, no new engagement, and ``t`` before the next channel release,
    intercept or launcher readiness time (the callers never modify it)."""
    c = st.cap_cache
    if c is not None and c[0] is st.mag and c[1] == st.eng_release.size and t < c[2]:
        return c[3]
    cap = _capacity_now(s, st, t, salvo)
    times = np.concatenate([st.eng_release, st.shot_t_int, st.mag.next_launch_s])
    later = times[times > t]
    st.cap_cache = (st.mag, st.eng_release.size, float(later.min()) if later.size else np.inf, cap)
    return cap


def _capacity_now(s: BattleSetup, st: BattleState, t: float, salvo: int) -> Capacity:
    n_e = s.eng_radar.size
    busy_t = np.bincount(st.eng_radar[st.eng_release > t], minlength=n_e)
    busy_m = (np.bincount(st.shot_radar[st.shot_t_int > t], minlength=n_e) if st.shot_radar.size
              else np.zeros(n_e, np.int64))
    chan_free = np.maximum(np.minimum(s.eng_targets - busy_t, (s.eng_missiles - busy_m) // salvo), 0)
    ready = st.mag.ready
    col_ready = ready[s.weapon_launcher, s.weapon_missile]
    wr = s.launcher_radar[s.weapon_launcher]
    n_sites = len(s.world.sites)
    site_avail = (np.bincount(s.launcher_site, weights=ready.sum(axis=1), minlength=n_sites).astype(np.int64)
                  - int(s.settings.magazine_reserve))
    col_ok = ((col_ready >= salvo) & (st.mag.next_launch_s[s.weapon_launcher] <= t) & (wr >= 0)
              & (chan_free[np.maximum(wr, 0)] > 0) & (site_avail[s.launcher_site[s.weapon_launcher]] >= salvo))
    cols = np.flatnonzero(col_ok)
    kinds, kind_col = np.unique(s.weapon_kind[cols], return_inverse=True)
    return Capacity(chan_free, col_ready, wr, col_ok, site_avail, cols, kinds, kind_col.reshape(-1),
                    np.unique(s.kind_site[kinds]))


# ---------------------------------------------------------------------------------------------
# phase 5: perception and threat evaluation


def perceive(s: BattleSetup, st: BattleState, cap: Capacity, k: int) -> np.ndarray:
    """Candidate threats at step ``k``: flying, eligible (shoot–look–shoot: the last engagement
    assessed; salvo: never engaged), known to a site that can fire, and (tracker) on a track whose
    velocity σ is below ``max_velocity_sigma_mps``."""
    t = float(s.t_s[k])
    elig = (t >= st.eligible_at) if s.settings.doctrine == "shoot-look-shoot" else (st.engaged == 0)
    usable_sites = cap.usable_sites
    if usable_sites is None:
        usable_sites = np.unique(s.kind_site[s.weapon_kind[cap.col_ok]])
    if st.known_active is None:
        known = (s.known_site[usable_sites, :, k].any(axis=0) & s.traj.active[:, k] & (s.leak_time_s > t))
    else:
        known = st.known_active[k]  # (S, N): known, on its route and not leaked at step k
        known = known[int(usable_sites[0])] if usable_sites.size == 1 else known[usable_sites].any(axis=0)
    cand = (st.status == FLYING) & elig & known
    if s.tracker_mode:
        with np.errstate(invalid="ignore"):
            cand &= s.est_vel_sigma_mps[:, k] < float(s.settings.max_velocity_sigma_mps)
    return np.flatnonzero(cand)


def evaluate(s: BattleSetup, st: BattleState, ci: np.ndarray, pos: np.ndarray, vel: np.ndarray, t: float,
             log: EventLog):
    """Threat evaluation against the defended assets: (evaluation, value ≥ a small floor)."""
    if s.memo is None:
        ev = evaluate_threats(pos, vel, s.asset_pos_enu_m, s.asset_value)
    else:
        ev = _Evaluation(*s.memo.rows(("ev",), (pos, vel), lambda i: _evaluation(s, pos[i], vel[i])))
    floor = VALUE_FLOOR * (float(s.asset_value.min()) if s.asset_value.size else 1.0)
    changed = ev.asset != st.last_asset[ci]
    if changed.any():
        log.add("evaluated", t, threat=ci[changed], asset=ev.asset[changed], value=ev.score[changed])
        st.last_asset[ci[changed]] = ev.asset[changed]
    return ev, ev.score + floor


@dataclass
class _Evaluation:
    asset: np.ndarray
    score: np.ndarray


def _evaluation(s: BattleSetup, pos: np.ndarray, vel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ev = evaluate_threats(pos, vel, s.asset_pos_enu_m, s.asset_value)
    return ev.asset, ev.score


# ---------------------------------------------------------------------------------------------
# phase 6: fire control (predicted intercept, envelope, guiding radar, when to fire)


class FireControl:
    """Predicted intercepts, envelope, the guiding radar and Pk for (threat, weapon kind) pairs."""

    def __init__(self, setup: BattleSetup) -> None:
        self.s = setup
        w = setup.world
        self.rcs = np.array([threat_rcs_m2(w, setup.traj, w.radars[ri].band) for ri in setup.eng_radar.tolist()]
                            ).reshape(setup.eng_radar.size, setup.n_threats)
        # per weapon kind: maximum range and the longest time of flight (the battle's pre-filter)
        km = setup.kind_missile
        self.kind_reach_m = setup.envelope.range_max_m[km]
        tof = self.kind_reach_m / setup.speed_max_mps[km]
        if setup.profile is not None and km.size:
            tof = np.where(setup.boost_coast[km], setup.profile.take(km).time_max_s, tof)
        self.kind_tof_s = tof

    def predict(self, pos, vel, kinds, offset):
        """(t_int (P, Kd'), points (P, Kd', 3), feasible) of the fly-out launched ``offset`` s later."""
        s = self.s
        n_p, n_k = pos.shape[0], kinds.size
        kpos, km = s.kind_pos_enu_m[kinds], s.kind_missile[kinds]
        bc = s.boost_coast[km]
        t_int = np.full((n_p, n_k), np.nan)
        pts = np.full((n_p, n_k, 3), np.nan)
        feas = np.zeros((n_p, n_k), dtype=bool)
        for sel, solve in ((~bc, "cs"), (bc, "bc")):
            if not sel.any():
                continue
            if solve == "cs":
                sol = intercept_constant_speed(pos, vel, kpos[sel], s.speed_max_mps[km[sel]], offset[:, None])
            else:
                sol = intercept_flyout(pos, vel, kpos[sel], s.profile.take(km[sel]), offset[:, None])
            t_int[:, sel], pts[:, sel], feas[:, sel] = sol.t_intercept_s, sol.pos_enu_m, sol.feasible
        return t_int, pts, feas

    def guides(self, pts, threats, kinds, k, work):
        """(P, Kd') eng index of the first radar that may guide the kind's site and holds the TRUE
        threat now (step ``k``) and the predicted point ``pts``; −1: none."""
        s = self.s
        guide = np.full(work.shape, -1, dtype=np.int64)
        if not work.any():
            return guide, np.full(work.shape, np.nan)
        p = pts[work]
        lat, lon, h = (np.atleast_1d(a) for a in s.world.frame.enu_to_geodetic(p[:, 0], p[:, 1], p[:, 2]))
        agl = np.full(work.shape, np.nan)
        agl[work] = h - ground_height_m(s, lat, lon)
        th = np.broadcast_to(threats[:, None], work.shape)[work]
        site_of = np.broadcast_to(s.kind_site[kinds][None, :], work.shape)[work]
        g_w = np.full(th.size, -1, dtype=np.int64)
        for site in np.unique(site_of).tolist():
            for g in s.site_guides[site]:
                m = (site_of == site) & (g_w < 0) & s.fc_hold[g, th, k]
                if m.any():
                    radar = s.world.radars[int(s.eng_radar[g])]
                    held = s.world.fire_control_at(radar, lat[m], lon[m], h[m], self.rcs[g, th[m]])
                    g_w[np.flatnonzero(m)[held]] = g
        guide[work] = g_w
        return guide, agl

    def __call__(self, pos, vel, threats, kinds, offset, k):
        """(t_int, points, ok, pk, guide), arrays (P, Kd'), for P threat states; rows already solved
        for the same step, kinds and inputs by an earlier replication come from the setup's memo."""
        memo = self.s.memo
        if memo is None:
            return self.solve(pos, vel, threats, kinds, offset, k)
        offset = np.broadcast_to(np.asarray(offset, dtype=float), threats.shape)
        return memo.rows(("fc", int(k), kinds.tobytes()), (np.asarray(threats, dtype=np.int64), pos, vel, offset),
                         lambda i: self.solve(pos[i], vel[i], threats[i], kinds, offset[i], k))

    def solve(self, pos, vel, threats, kinds, offset, k):
        """:meth:`__call__` without the memo (each row independent of the others)."""
        s = self.s
        km = s.kind_missile[kinds]
        kpos = s.kind_pos_enu_m[kinds]
        t_int, pts, feas = self.predict(pos, vel, kinds, offset)
        gr = np.hypot(pts[..., 0] - kpos[None, :, 0], pts[..., 1] - kpos[None, :, 1])
        with np.errstate(invalid="ignore"):
            work = feas & (gr <= s.envelope.range_max_m[km][None, :]) & (gr >= s.envelope.range_min_m[km][None, :])
        guide, agl = self.guides(pts, threats, kinds, k, work)
        speed = np.linalg.norm(vel, axis=-1)[:, None]
        cls = s.threat_class[threats]
        pk, inside = engagement_pk(pts, kpos, speed, s.envelope.take(km), s.pk_table, km[None, :], cls[:, None],
                                   alt_m=agl)
        ok = feas & inside & (guide >= 0) & (pk > 0)
        return t_int, pts, ok, np.where(ok, pk, 0.0), guide


def when_to_fire(s: BattleSetup, fc: FireControl, pos, vel, threats, kinds, k, pts, ok, pk) -> np.ndarray:
    """The doctrine's firing rule (``engagement.fire_at``) on top of ``ok``: ``max_range`` fires as
    soon as it can; ``range_fraction`` once the predicted intercept is within
    ``fire_range_fraction`` × the missile's maximum range; ``best_pk`` holds fire while a launch one
    time step later would have a higher Pk."""
    rule = s.settings.fire_at
    if rule == "max_range" or not ok.any():
        return ok
    km = s.kind_missile[kinds]
    if rule == "range_fraction":
        kpos = s.kind_pos_enu_m[kinds]
        gr = np.hypot(pts[..., 0] - kpos[None, :, 0], pts[..., 1] - kpos[None, :, 1])
        with np.errstate(invalid="ignore"):
            return ok & (gr <= s.settings.fire_range_fraction * s.envelope.range_max_m[km][None, :])
    dt = float(s.world.scenario.run.time_step_s)
    _, _, ok_later, pk_later, _ = fc(pos, vel, threats, kinds, np.full(threats.size, dt), k)
    return ok & ~(ok_later & (pk_later > pk + 1e-9))


# ---------------------------------------------------------------------------------------------
# phases 7–8: assignment and launch (fly-out)


def assign(s: BattleSetup, cap: Capacity, cols: np.ndarray, kind_col: np.ndarray, value: np.ndarray,
           ok: np.ndarray, pk: np.ndarray, known_col: np.ndarray, salvo: int):
    """Weapon–target assignment maximising the expected value saved, ``value × (1 − (1 − Pk)^salvo)``,
    under channel, round and one-launcher-per-threat constraints."""
    feasible = ok[:, kind_col] & known_col
    if not feasible.any():
        return None, None
    vs = expected_value_saved(value, pk[:, kind_col], salvo)
    solver = assign_optimal if s.settings.assignment == "optimal" else assign_greedy
    args = (vs, feasible, cap.chan_free, cap.col_ready[cols], cap.col_radar[cols])
    if s.memo is None:
        return solver(*args, salvo), vs
    key = ("assign", salvo, *((a.shape, a.tobytes()) for a in args))
    return s.memo.value(key, lambda: solver(*args, salvo)), vs


def launch(s: BattleSetup, st: BattleState, fc: FireControl, t: float, k: int, eng: dict, log: EventLog,
           ss) -> None:
    """Fire ``salvo_size`` rounds per engagement; each round is a shot with its own predicted
    intercept (the launch interval spreads a salvo), aim point, Pk, guiding radar and kill draw (its
    own generator keyed by the shot id). The TRUE target position at the predicted intercept time is
    recorded beside the aim point."""
    salvo = int(s.settings.salvo_size)
    c, w, kc = eng["c"], eng["w"], eng["kc"]
    th = int(eng["threats"][c])
    lnch, mis = int(s.weapon_launcher[w]), int(s.weapon_missile[w])
    site = int(s.launcher_site[lnch])
    radar_e = int(s.launcher_radar[lnch])
    st.mag, times = fire(st.mag, np.array([lnch]), np.array([mis]), np.array([salvo]), t)
    times = times[0]
    off = times - t
    kinds = eng["kinds"]
    if np.all(off == 0.0):
        ti = np.full(salvo, t + eng["t_int"][c, kc])
        pp = np.repeat(eng["pts"][c, kc][None, :], salvo, axis=0)
        pks = np.full(salvo, eng["pk"][c, kc])
        gd = np.full(salvo, eng["guide"][c, kc])
    else:
        r_t, r_p, r_ok, r_pk, r_g = fc(np.repeat(eng["pos"][c:c + 1], salvo, 0), np.repeat(eng["vel"][c:c + 1], salvo, 0),
                                       np.full(salvo, th), kinds[kc:kc + 1], off, k)
        ti = np.where(r_ok[:, 0], t + r_t[:, 0], t + off + 1e-9)
        pp, pks = r_p[:, 0], r_pk[:, 0]
        gd = np.where(r_g[:, 0] >= 0, r_g[:, 0], eng["guide"][c, kc])
    true_p, _ = true_state_at(s, th, ti)
    miss = np.linalg.norm(pp - true_p, axis=-1)
    ids = np.arange(len(st.shot_out), len(st.shot_out) + salvo)
    draws = np.array([g.random() for g in shot_rngs(ss, ids)])
    eng_id = int(st.eng_release.size)
    radar_w = int(s.eng_radar[radar_e])
    sh = st.shots
    for r in range(salvo):
        for key, val in (("threat", th), ("launcher", lnch), ("missile", mis), ("radar", radar_w),
                         ("guide", int(gd[r])), ("site", site), ("t_launch_s", float(times[r])),
                         ("t_intercept_s", float(ti[r])), ("pk", float(pks[r])), ("kill_draw", bool(draws[r] < pks[r])),
                         ("east_m", float(pp[r, 0])), ("north_m", float(pp[r, 1])), ("up_m", float(pp[r, 2])),
                         ("true_east_m", float(true_p[r, 0])), ("true_north_m", float(true_p[r, 1])),
                         ("true_up_m", float(true_p[r, 2])), ("miss_distance_m", float(miss[r])),
                         ("engagement", eng_id), ("cause", ""), ("launch_east_m", float(pp[r, 0])),
                         ("launch_north_m", float(pp[r, 1])), ("launch_up_m", float(pp[r, 2])),
                         ("launch_aim_error_m", float(miss[r])), ("aim_updates", 0),
                         ("last_update_s", float("nan"))):
            sh[key].append(val)
        st.shot_out.append(3)
    log.add("assigned", t, threat=th, site=site, radar=radar_w, launcher=lnch, missile=mis, value=eng["value_saved"],
            pk=float(eng["pk"][c, kc]), asset=eng["asset"])
    log.add("launched", times, threat=th, site=site, radar=radar_w, launcher=lnch, missile=mis, shot=ids, pk=pks,
            t_intercept_s=ti, east_m=pp[:, 0], north_m=pp[:, 1], up_m=pp[:, 2])
    st.engaged[th] += 1
    release = float(ti.max()) + float(s.settings.kill_assessment_s)
    st.eligible_at[th] = release
    st.eng_release = np.append(st.eng_release, release)
    st.eng_radar = np.append(st.eng_radar, radar_e)
    st.shot_t_int = np.append(st.shot_t_int, ti)
    st.shot_radar = np.append(st.shot_radar, np.full(salvo, radar_e, dtype=np.int64))
    st.unresolved = np.append(st.unresolved, np.ones(salvo, dtype=bool))
    st.next_due_s = min(st.next_due_s, float(ti.min()))


# ---------------------------------------------------------------------------------------------
# the end: shots still in flight, outcome labels

#: per-threat outcome labels (``BattleResult.status``)
OUTCOMES = ("killed", "leaked", "route ended", "inbound at end", "never within reach", "not started")


def end_of_run(s: BattleSetup, st: BattleState, log: EventLog) -> None:
    """Shots still in flight when the run ends: ``in_flight`` (every launch has one outcome; their
    recorded aim point is the launch-time one: no mid-course update is applied)."""
    sh = st.shots
    for i in np.flatnonzero(st.unresolved).tolist():
        sh["cause"][i] = "in flight at end of run"
        log.add("missed", sh["t_intercept_s"][i], "in flight at end of run", threat=sh["threat"][i],
                site=sh["site"][i], radar=sh["radar"][i], launcher=sh["launcher"][i], missile=sh["missile"][i],
                shot=i, pk=sh["pk"][i], t_intercept_s=sh["t_intercept_s"][i], east_m=sh["east_m"][i],
                north_m=sh["north_m"][i], up_m=sh["up_m"][i])


def outcomes(s: BattleSetup, st: BattleState) -> np.ndarray:
    """(N,) labels (:data:`OUTCOMES`): ``killed``; ``leaked`` (within the leak radius of an asset);
    ``not started`` (starts after the run ends); ``never within reach`` (never held by a guiding
    radar inside a missile's envelope, and not killed or leaked); ``route ended`` (its route ended
    away from every asset); ``inbound at end`` (still flying when the run ends)."""
    t_end = float(s.t_s[-1]) if s.n_steps else 0.0
    lab = np.full(st.status.size, "inbound at end", dtype=object)
    lab[st.status == ROUTE_ENDED] = "route ended"
    reach = s.within_reach if s.within_reach is not None else np.ones(st.status.size, dtype=bool)
    lab[~reach & (st.status != KILLED) & (st.status != LEAKED)] = "never within reach"
    lab[(s.traj.start_s > t_end) & (st.status == FLYING)] = "not started"
    lab[st.status == LEAKED] = "leaked"
    lab[st.status == KILLED] = "killed"
    return lab
