"""The battle sections of the report, its two figures, and the one-page report of ``iadsim run``.

:func:`write_run_report` composes the page from named parts, in this order: the battle's headline
outcome (:func:`battle_headline`), coverage, tracking, the battle's details
(:func:`battle_details`), equipment and sources; a later job appends ``(title, sections)`` through
``extra_parts``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from markupsafe import Markup

from iadsim.report.findings import findings_html, rounds_remaining
from iadsim.report.html import BOUNDARIES, esc, img, page, render, table

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.sim.battle import BattleResult


class BattleRun(Protocol):
    """What the battle sections read of a battle job's run (``iadsim.api.battle.BattleRun`` fits):
    the report takes its data in and imports nothing from ``iadsim.api``."""

    out_dir: Path
    result: BattleResult
    metrics: dict[str, Any]
    files: list[Path]
    figures: list[tuple[str, Path]]


class CoverageRun(Protocol):
    """What the run report reads of a coverage job's run (``iadsim.api.coverage.CoverageRun`` fits)."""

    result: Any
    rows: Any
    figures: Any

PERCEPTION = {
    "perfect": """<li><b>Perception</b> (<code>tracking: perfect</code>): a threat is known to a site when a radar of that
site, or of a site it links to, has Pd ≥ 0.5 on it; its true position and velocity are then used.</li>""",
    "tracker": """<li><b>Perception</b> (<code>tracking: tracker</code>): the tracking run above (every radar's plots, one
central tracker) is read at every step. A confirmed track is associated with the threat whose plot last updated it
(tracks fed only by clutter are never engaged); a site knows a threat when it holds a confirmed track of it — a radar of
the site, or of a site it links to, fed the track within that radar's K-miss window (<i>k_miss</i> × revisit). The
battle engages from the track's estimated position and velocity (the most recently updated track of the threat,
extrapolated at constant velocity to the step), and only on a track whose velocity σ is below
<code>engagement.max_velocity_sigma_mps</code>. Whether a round can kill is decided on the true threat (below).
Tracking is open loop: computed for every threat over its whole route before the battle, so a killed threat keeps its
track and the battle ignores it.</li>""",
}

METHOD = """
<ul>
<li><b>Time steps</b> of the scenario's <code>run.time_step_s</code>; threats fly their routes (geodesics,
terrain following where agl); each radar's Pd per threat and step from the same physics as the coverage maps.</li>
{perception}
<li><b>Threat evaluation</b> each step: closest approach and time-to-go to every defended asset; score = asset value ×
closeness of the track to the asset × urgency, plus a small floor so every hostile threat is worth a shot.</li>
<li><b>Weapon assignment</b> (optimal: maximum expected value saved, exact; or greedy): one launcher per threat, free
fire-control channels of the engagement radar (a channel is busy from launch until the last round's intercept plus
the kill-assessment delay; missiles guided at once also capped), ready rounds per launcher above the site's magazine
reserve; the predicted intercept of the constant-velocity threat must lie inside the missile's envelope (minimum and
maximum ground range, height, target speed).</li>
<li><b>Fire control</b>: a guiding engagement radar (the firing site's own, or a linked site's) must hold the true
target at launch and the predicted intercept point: line of sight over terrain and its Pd on the class's RCS in its
band ≥ <code>engagement.fire_control_pd</code> — the same predicate as the coverage job's engagement layer. The
doctrine's firing rule (<code>fire_at</code>: at maximum range, at a fraction of it, or at best Pk) then decides
when.</li>
<li><b>Kill geometry on the truth</b>: a round is a miss when its guiding radar loses the true target at a time step
in flight (<i>lost fire control</i>), does not hold it at the intercept time (<i>masked at intercept</i>), the true
target is then outside the missile's envelope (<i>outside envelope</i>), or the aim point is farther from it than the
missile's divert basket (<i>outside basket</i>); only then is the kill drawn. The aim point is the one predicted at
launch, refreshed at each time step in flight from the firing site's track of the threat (perfect tracking: its
true state), predicted at constant velocity to the intercept time, while the guiding radar holds the target and
until the missile's terminal phase (catalog <code>terminal_homing_s</code> before intercept); a lost track leaves the
last aim point. Kills are plotted and listed at the true target position; the final aim point and the miss distance
are kept beside it, and <code>shots.csv</code> also gives the launch-time aim error.</li>
<li><b>Fly-out</b>: boost–coast profile calibrated to the published maximum and average speeds where both are public;
otherwise constant maximum speed (an optimistic bound, noted below). The interceptor meets the threat at the
time predicted at launch (mid-course updates move the aim point, not the intercept time).</li>
<li><b>Pk per round</b> = the catalog's nominal Pk for missile × threat class × an edge factor falling to half at
maximum range and ceiling; one seeded draw per round from its own random stream. Doctrine <i>salvo</i>: one
engagement of N rounds per threat; <i>shoot-look-shoot</i>: N rounds, then, after intercept + kill assessment, again
while the threat survives and can be reached.</li>
<li><b>Outcomes</b>: <i>killed</i>; <i>leaked</i>: within the leak radius of a defended asset (horizontal
distance, checked every step); <i>route ended</i>: its route ended away from every asset (not a leak); <i>never
within reach</i>: never held by a guiding radar inside a missile's envelope; <i>inbound at end</i>: still flying when
the run ends; <i>not started</i>: starts after the run ends.</li>
</ul>
"""

_CLASS_COLORS = ("#1f77b4", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f")
_MISSILE_COLORS = ("#ff7f0e", "#2ca02c", "#1f77b4", "#d62728", "#9467bd", "#8c564b")


def timeline_png(result: BattleResult, path: Path) -> Path:
    """Engagement timeline: one row per threat (flight span, detection, launches, kills, misses, leaks),
    and below it the ready rounds remaining over time (all launchers; the magazine reserve dotted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s, ev, sh = result.setup, result.events, result.shots
    n = result.n_threats
    fig_h = min(max(3.0, 0.18 * n + 1.6), 30.0)
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(11, fig_h + 1.8), dpi=110, sharex=True,
                                  gridspec_kw={"height_ratios": [fig_h, 1.8]})
    t_end = max(float(s.t_s[-1]) if s.n_steps else 0.0, float(s.world.scenario.run.time_step_s))
    for i in range(n):
        act = s.traj.active[i]
        if act.any():
            t0, t1 = s.t_s[np.argmax(act)], s.t_s[len(act) - 1 - np.argmax(act[::-1])]
            if np.isfinite(result.end_time_s[i]):
                t1 = min(t1, result.end_time_s[i])
            ax.hlines(i, t0, t1, color=_CLASS_COLORS[s.threat_class[i] % len(_CLASS_COLORS)], lw=1.6, alpha=0.55)
    from iadsim.sim.battle import EVENTS

    def pick(name):
        m = ev["event"] == EVENTS.index(name)
        return ev["t_s"][m], ev["threat"][m], m

    t, th, _ = pick("tracked")
    known = ("first confirmed track held by a firing site" if s.tracker_mode
             else "first known to a firing site (Pd ≥ 0.5)")
    ax.scatter(t, th, marker="|", s=60, color="black", lw=1, label=known, zorder=3)
    for mi, name in enumerate(s.missile_names):
        m = sh["missile"] == mi
        if m.any():
            ax.scatter(sh["t_launch_s"][m], sh["threat"][m], marker=">", s=28,
                       color=_MISSILE_COLORS[mi % len(_MISSILE_COLORS)], label=f"launch {name}", zorder=4)
    for outcome, marker, color, label in (("kill", "X", "#2ca02c", "kill"), ("miss", "x", "#7f7f7f", "miss")):
        m = sh["outcome"] == outcome
        if m.any():
            ax.scatter(sh["t_intercept_s"][m], sh["threat"][m], marker=marker, s=50 if outcome == "kill" else 30,
                       color=color, label=label, zorder=5)
    t, th, m = pick("leaked")
    if th.size:
        ax.scatter(t, th, marker="s", s=36, color="#d62728", label="leak", zorder=5)
    ax.set_xlim(0, t_end)
    ax.set_ylim(-1, max(n, 1))
    ax.invert_yaxis()
    if n <= 80:
        ax.set_yticks(range(n))
        ax.set_yticklabels(s.traj.name, fontsize=7 if n > 30 else 8)
    else:
        ax.set_ylabel("threat index")
    k, l_, sv = result.count("killed"), result.count("leaked"), n - result.count("killed") - result.count("leaked")
    ax.set_title(f"Engagement timeline: {n} threats — {k} killed, {l_} leaked, {sv} neither; "
                 f"{sh['threat'].size} interceptors", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    if n:
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, framealpha=0.85)
    _rounds_axes(axr, result, t_end)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _rounds_axes(ax: Any, result: BattleResult, t_end: float) -> None:
    """Ready rounds remaining (step plot), with the magazine reserve and when it ran out."""
    from iadsim.report.findings import battle_findings

    times, ready = rounds_remaining(result)
    ax.step(np.append(times, t_end), np.append(ready, ready[-1]), where="post", color="#1f4e79", lw=1.4,
            label="ready rounds remaining")
    reserve = int(result.setup.settings.magazine_reserve) * len(result.setup.world.sites)
    if reserve:
        ax.axhline(reserve, color="#7f7f7f", ls=":", lw=1, label="magazine reserve")
    empty = battle_findings(result).magazine_empty_s
    if empty is not None:
        ax.axvline(empty, color="#d62728", lw=1, ls="--")
        ax.annotate(f"magazine empty at T+{empty:.0f} s", (empty, max(1, int(ready.max())) * 0.8),
                    xytext=(4, 0), textcoords="offset points", fontsize=7, color="#d62728")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("rounds", fontsize=8)
    ax.set_xlabel("time, s")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, framealpha=0.85)


def _lonlat(frame: Any, e: np.ndarray, n: np.ndarray, u: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Local ENU (m) to lon/lat degrees."""
    lat, lon, _ = frame.enu_to_geodetic(e, n, np.zeros_like(e) if u is None else u)
    return np.degrees(lon), np.degrees(lat)


def intercepts_png(result: BattleResult, path: Path) -> Path:
    """Map in longitude/latitude over the Natural Earth base: threat flight paths, sites and their
    missile reach, assets and leak radius, kills and misses at the TRUE target position at the intercept
    time, and leak points; with a scale bar and a north arrow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from iadsim.coverage.cartography import attribution, finish, ring_lonlat, union_box

    s, sh = result.setup, result.shots
    frame = s.world.frame
    fig, ax = plt.subplots(figsize=(9.5, 8.5), dpi=110)
    pos = s.traj.pos_enu_m
    extent: list[np.ndarray] = []
    for i in range(result.n_threats):
        act = s.traj.active[i].copy()
        if np.isfinite(result.end_time_s[i]):
            act &= s.t_s <= result.end_time_s[i]
        if act.any():
            lon, lat = _lonlat(frame, pos[i, act, 0], pos[i, act, 1])
            ax.plot(lon, lat, color=_CLASS_COLORS[s.threat_class[i] % len(_CLASS_COLORS)], lw=0.8, alpha=0.6,
                    zorder=4)
            extent.append(np.column_stack([lon, lat]))
    for si, site in enumerate(s.world.sites):
        lon0, lat0 = math.degrees(site.lon_rad), math.degrees(site.lat_rad)
        ax.plot(lon0, lat0, marker="^", color="black", ms=9, zorder=8)
        ax.annotate(site.name, (lon0, lat0), textcoords="offset points", xytext=(6, 6), fontsize=8, zorder=9)
        for m in np.unique(s.kind_missile[s.kind_site == si]).tolist():
            ring = ring_lonlat(lon0, lat0, float(s.envelope.range_max_m[m]))
            ax.plot(ring[:, 0], ring[:, 1], ls="--", lw=0.8, color=_MISSILE_COLORS[m % len(_MISSILE_COLORS)],
                    alpha=0.8, zorder=5)
            extent.append(ring)
    radius = s.settings.leak_radius_km
    for ai, name in enumerate(s.asset_names):
        lon0, lat0 = _lonlat(frame, *(np.atleast_1d(v) for v in s.asset_pos_enu_m[ai, :2]))
        lon0, lat0 = float(lon0[0]), float(lat0[0])
        ax.plot(lon0, lat0, marker="*", color="#1f3fbf", ms=14, zorder=8)
        ring = ring_lonlat(lon0, lat0, radius * 1e3)
        ax.plot(ring[:, 0], ring[:, 1], color="#1f3fbf", lw=1, zorder=5)
        ax.annotate(name, (lon0, lat0), textcoords="offset points", xytext=(6, -12), fontsize=8, color="#1f3fbf",
                    zorder=9)
    for outcome, marker, color in (("kill", "X", "#2ca02c"), ("miss", "x", "#ff7f0e")):
        m = sh["outcome"] == outcome
        if m.any():  # the TRUE target position at the intercept time
            lon, lat = _lonlat(frame, sh["true_east_m"][m], sh["true_north_m"][m], sh["true_up_m"][m])
            ax.scatter(lon, lat, marker=marker, s=55 if outcome == "kill" else 30, color=color, zorder=9)
    leaked = np.flatnonzero(result.status == "leaked")
    if leaked.size:
        p = s.leak_pos_enu_m[leaked]
        lon, lat = _lonlat(frame, p[:, 0], p[:, 1])
        ax.scatter(lon, lat, marker="s", s=30, color="#d62728", zorder=9)
    handles = [Line2D([], [], color=_CLASS_COLORS[i % len(_CLASS_COLORS)], label=f"flight path: {c}")
               for i, c in enumerate(s.class_names)]
    handles += [Line2D([], [], ls="--", color=_MISSILE_COLORS[i % len(_MISSILE_COLORS)], label=f"max range {n}")
                for i, n in enumerate(s.missile_names)]
    handles += [Line2D([], [], marker="X", ls="", color="#2ca02c", label="kill (true target at intercept)"),
                Line2D([], [], marker="x", ls="", color="#ff7f0e", label="miss (true target at intercept time)"),
                Line2D([], [], marker="s", ls="", color="#d62728", label="leak"),
                Line2D([], [], marker="^", ls="", color="black", label="site"),
                Line2D([], [], marker="*", ls="", color="#1f3fbf", label=f"defended asset ({radius:g} km leak radius)")]
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85).set_zorder(10)
    if not extent:
        extent.append(np.array([[math.degrees(st.lon_rad), math.degrees(st.lat_rad)] for st in s.world.sites]
                               or [[0.0, 0.0]]))
    finish(ax, union_box(extent))
    ax.set_title("Intercept points, threat flight paths, sites and defended assets", fontsize=10)
    ax.grid(alpha=0.25)
    attribution(fig)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _outcome_rows(result: BattleResult) -> list[dict[str, Any]]:
    from iadsim.sim.battle import EVENTS

    s, sh, ev = result.setup, result.shots, result.events
    known = np.full(result.n_threats, np.inf)
    m = ev["event"] == EVENTS.index("tracked")
    if m.any():
        np.minimum.at(known, ev["threat"][m], ev["t_s"][m])
    first = np.full(result.n_threats, np.inf)
    if sh["threat"].size:
        np.minimum.at(first, sh["threat"], sh["t_launch_s"])
    rows = []
    for i in range(result.n_threats):
        shot = int(result.kill_shot[i])
        a = int(result.leak_asset[i])
        rows.append({
            "threat": s.traj.name[i], "class": s.traj.threat_class[i], "outcome": result.status[i],
            "t, s": "" if np.isnan(result.end_time_s[i]) else f"{result.end_time_s[i]:.1f}",
            "by": f"shot {shot}: {s.missile_names[sh['missile'][shot]]} from {s.launcher_label[sh['launcher'][shot]]}"
            if shot >= 0 else "",
            "leaked at": s.asset_names[a] if a >= 0 and result.status[i] == "leaked" else "",
            "true alt at kill, m MSL": f"{_alt_msl(s, sh, shot):.0f}" if shot >= 0 else "",
            "aim point miss, m": f"{sh['miss_distance_m'][shot]:.0f}" if shot >= 0 else "",
            "known to a firing site, s": f"{known[i]:.0f}" if np.isfinite(known[i]) else "",
            "first launch, s": f"{first[i]:.1f}" if np.isfinite(first[i]) else "",
            "interceptors fired at it": int(np.count_nonzero(sh["threat"] == i)),
        })
    return rows


def _alt_msl(s: Any, sh: dict[str, np.ndarray], shot: int) -> float:
    """Altitude above MSL of the true target at a shot's intercept."""
    return float(s.world.frame.enu_to_geodetic(sh["true_east_m"][shot], sh["true_north_m"][shot],
                                               sh["true_up_m"][shot])[2])


def _headline_text(run: BattleRun) -> str:
    result, m = run.result, run.metrics
    s = result.setup
    leaks = ", ".join(f"{k} {v}" for k, v in m["leaked_at"].items())
    rest = ", ".join(f"{v} {k}" for k, v in m.get("outcomes", {}).items() if v and k not in ("killed", "leaked"))
    loaded = int(s.ready0.sum()) if s.ready0.size else 0
    text = (f"Of {m['threats']} threats, {m['killed']} were killed, {m['leaked']} leaked"
            + (f" ({leaks})" if leaks else "") + (f"; {rest}" if rest else "") + ", "
            f"with {m['shots']} interceptors fired ({loaded} loaded at the start")
    text += (", reloads in reserve)" if s.reserve0.any() else ")")
    if m["kills_per_shot"] is not None:
        text += f": {m['kills_per_shot']:.2f} kills per interceptor"
    text += ". "
    p = m.get("perception", {})
    if s.tracker_mode:
        n_conf = p.get("threats_with_confirmed_track", 0)
        text += (f"Threats were engaged from the tracker's confirmed tracks ({n_conf} of {m['threats']} threats "
                 "ever had one).")
    else:
        text += "Threats were engaged from their true state once detected (perfect perception)."
    fc = m.get("fire_control") or {}
    causes = {k: v for k, v in (fc.get("shots_by_cause") or {}).items() if v and k != "killed"}
    if causes:
        text += " Misses by cause: " + ", ".join(f"{k} {v}" for k, v in causes.items()) + "."
    if fc.get("launch_range_km"):
        lr = fc["launch_range_km"]
        text += (f" Launch ranges {lr['min']:.0f}–{lr['max']:.0f} km (fire control at Pd ≥ "
                 f"{fc['fire_control_pd']:g}).")
    if p.get("mean_first_known_to_first_launch_s") is not None:
        text += f" Mean time from first known to first launch: {p['mean_first_known_to_first_launch_s']:.0f} s."
    return text


def battle_headline(run: BattleRun) -> list[str]:
    """The battle's outcome in one paragraph and one table, with its warnings (top of the report)."""
    m = run.metrics
    s = run.result.setup
    out = ["<h2>Battle outcome</h2>", f"<p><b>{esc(_headline_text(run))}</b></p>"]
    summary = [{"threats": m["threats"], "killed": m["killed"], "leaked": m["leaked"],
                **{k: v for k, v in m.get("outcomes", {}).items() if k not in ("killed", "leaked")},
                "interceptors": m["shots"], "engagements": m["engagements"],
                "kills per interceptor": "" if m["kills_per_shot"] is None else f"{m['kills_per_shot']:.2f}",
                "asset value leaked": f"{m['asset_value_leaked']:g}"}]
    out.append(table(summary))
    if s.warnings:
        out.append("<div class='note'><b>Warnings</b><ul>" + "".join(f"<li>{esc(w)}</li>" for w in s.warnings)
                   + "</ul></div>")
    return out


def battle_sections(run: BattleRun) -> list[str]:
    """HTML sections of the battle alone: headline, then details."""
    return battle_headline(run) + battle_details(run)


def battle_details(run: BattleRun) -> list[str]:
    """The battle's details: settings, outcome per class, leaks, expenditure, figures, outcomes, notes, method."""
    result = run.result
    s = result.setup
    m = run.metrics
    out = ["<h2>Engagement</h2>"]
    st = s.settings
    out.append(f"<p class='muted'>One replication, seed {esc(result.seed)}; doctrine {esc(st.doctrine)} "
               f"(salvo of {st.salvo_size}, kill assessment {st.kill_assessment_s:g} s), assignment "
               f"{esc(st.assignment)}, tracking {esc(st.tracking)}, leak radius {st.leak_radius_km:g} km; "
               f"fire control at Pd ≥ {st.fire_control_pd:g}, fire at {esc(st.fire_at)}"
               + (f" ({st.fire_range_fraction:g} of maximum range)" if st.fire_at == "range_fraction" else "")
               + f", magazine reserve {st.magazine_reserve} per site"
               + (f", launch on tracks with velocity σ < {st.max_velocity_sigma_mps:g} m/s" if st.tracking == "tracker"
                  else "") + "; "
               f"{s.n_steps} steps of {s.world.scenario.run.time_step_s:g} s; time loop {result.seconds:.2f} s.</p>")
    by_class = [{"class": c, **v} for c, v in m["by_class"].items()]
    out.append("<h3>Outcome per threat class</h3>" + table(by_class, left=("class",)))
    if m["leaked_at"]:
        out.append("<h3>Leaks</h3>" + table([{"where": k, "threats": v} for k, v in m["leaked_at"].items()],
                                            left=("where",)))
    loaded = s.ready0.sum(axis=0) if s.ready0.size else np.zeros(len(s.missile_names), dtype=np.int64)
    kills = result.shots["outcome"] == "kill"
    exp = [{"missile": name, "expended": n, "loaded at start": int(loaded[i]),
            "kills": int(np.count_nonzero(kills & (result.shots["missile"] == i)))}
           for i, (name, n) in enumerate(m["interceptors_expended"].items())]
    out.append("<h3>Interceptors expended</h3>" + table(exp, left=("missile",)))
    if run.figures:
        out.append("<div>" + "".join(img(p, caption) for caption, p in run.figures) + "</div>")
    out.append(f"<details><summary>Outcome per threat ({result.n_threats})</summary>"
               + table(_outcome_rows(result), left=("threat", "class", "outcome", "by", "leaked at")) + "</details>")
    if s.notes:
        out.append("<h3>Assumptions and missing figures</h3><ul>" + "".join(f"<li>{esc(x)}</li>" for x in s.notes)
                   + "</ul>")
    out.append("<h3>How the battle is simulated</h3>"
               + METHOD.replace("{perception}", PERCEPTION.get(st.tracking, PERCEPTION["perfect"])))
    return out


def compose_report(sc: Any, manifest: dict[str, Any], notes: Sequence[str], parts: Sequence[tuple[str, list[str]]],
                   subtitle: str = "", findings: str = "") -> str:
    """One page (``templates/report.html.j2``): the head, the findings block, a contents line, then each
    named part's sections in order, then the files."""
    body = render("report.html.j2", sc_name=sc.name, version=manifest.get("iadsim_version", ""), seed=sc.run.seed,
                  sha=str(manifest.get("scenario_sha256", "")), subtitle=subtitle, description=sc.description or "",
                  findings=Markup(findings), boundaries=BOUNDARIES, notes=list(notes),
                  parts=[{"title": t, "html": Markup("".join(sec))} for t, sec in parts],
                  files=list(manifest.get("files", [])))
    return page(sc.name, [body])


def montecarlo_part(out_dir: Path | None) -> list[tuple[str, list[str]]]:
    """The Monte Carlo part when ``out_dir`` holds a sweep (``sweep.json``, written by ``iadsim sweep``):
    the section of :mod:`iadsim.report.montecarlo`; otherwise nothing."""
    if out_dir is None or not (Path(out_dir) / "sweep.json").is_file():
        return []
    from iadsim.report.montecarlo import section_html

    return [("Monte Carlo", [section_html(out_dir)])]


def write_battle_report(run: BattleRun, out_path: Path) -> Path:
    """The report of a battle alone (``run_battle``)."""
    s = run.result.setup
    files = sorted(str(p.relative_to(run.out_dir)) for p in run.files)
    manifest = {"iadsim_version": _version(), "scenario_sha256": s.world.loaded.located.sha256, "files": files}
    html = compose_report(s.world.scenario, manifest, s.world.notes, [("Engagement", battle_sections(run))],
                          "battle", findings=findings_html(run.result))
    out_path.write_text(html, encoding="utf-8")
    return out_path


def write_run_report(coverage: CoverageRun, battle: BattleRun, manifest: dict[str, Any], out_path: Path, *,
                     tracking: Any = None, tracking_note: str | None = None,
                     extra_parts: Sequence[tuple[str, list[str]]] = ()) -> Path:
    """The one report of ``iadsim run``: the battle's headline outcome, coverage, tracking (or
    ``tracking_note`` saying why there is none), the battle's details, ``extra_parts``, then
    equipment and sources."""
    from iadsim.report.coverage_report import coverage_sections, provenance_sections
    from iadsim.report.track_report import tracking_sections

    result = coverage.result
    notes = list(result.world.notes) + [n for s in result.sites for n in s.notes]
    if tracking is not None:
        track_part = tracking_sections(tracking)
        if battle.result.setup.tracker_mode:
            track_part.insert(1, "<p class='note'>The battle perceives through these tracks "
                                 "(<code>engagement.tracking: tracker</code>): the same plots and tracker run.</p>")
    else:
        track_part = ["<h2>Tracking</h2>", f"<p class='note'>{esc(tracking_note or 'tracking was not run')}</p>"]
    parts = [("Battle outcome", battle_headline(battle)),
             ("Coverage", coverage_sections(result, coverage.rows, coverage.figures, provenance=False)),
             ("Tracking", track_part),
             ("Engagement", battle_details(battle)), *montecarlo_part(getattr(battle, "out_dir", None)),
             *extra_parts,
             ("Equipment and sources", provenance_sections(result))]
    t = manifest.get("timings_s", {})
    track_s = (t.get("tracking") or {}).get("total")
    subtitle = (f"coverage {result.seconds:.1f} s · "
                + (f"tracking {track_s:.1f} s · " if track_s is not None else "")
                + f"battle loop {battle.result.seconds:.2f} s")
    out_path.write_text(compose_report(result.world.scenario, manifest, notes, parts, subtitle,
                                       findings=findings_html(battle.result)), encoding="utf-8")
    return out_path


def _version() -> str:
    import iadsim

    return iadsim.__version__
