"""The tracking section of the report, and the whole report for ``iadsim track``.

:func:`tracking_sections` takes the :class:`iadsim.api.track.TrackingRun` (duck-typed: ``metrics``,
``figures``, ``world``, ``warnings``) and returns HTML fragments that ``iadsim run``'s combined
report can include as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iadsim.report.html import BOUNDARIES, esc, img, page, render, table

METHOD = """
<ul>
<li><b>Plots</b>: each radar scans every <code>revisit_s</code>; each threat is detected with the Pd of the radar
equation, detection statistics, terrain line of sight and refraction at its position at the scan time; range,
azimuth and elevation carry Gaussian errors with the catalog's accuracies. False plots are Poisson, uniform over
the radar's volume, at the scenario's rate or at Pfa × resolution cells (table below).</li>
<li><b>Tracker</b>: one tracker fuses every radar's scans in time order (central sequential fusion):
nearly-constant-velocity state in the local ENU frame, EKF / UKF / IMM update on (range, az, el), GNN or JPDA
association. Track management (<code>tracking.management</code>): <i>score</i> (default), a log-likelihood track
score in the style of Blackman &amp; Popoli (1999, §6.2) — a plot adds ln(Pd·g/β<sub>FA</sub>), a scan without
one ln(1 − Pd), with Pd the scanning radar's expected Pd on the predicted track, weighted over the scenario's threat
classes by the track's own detection history — confirmed at a score threshold, deleted when the score falls a set
amount below its peak; or <i>m_of_n</i>, M-of-N confirmation and K-miss deletion counted on the scans of radars
whose geometry covers the track. Either way a track needs plots at two distinct times to be confirmed. Radars scan
at seeded phases, not in lockstep.</li>
<li><b>Scoring</b>: the headline GOSPA (α = 2) is between confirmed tracks and the threats that at least one radar
detects with Pd ≥ 0.5 (a threat nobody can detect is not counted as missed), split per threat class; GOSPA against
every threat active inside the analysis radius is given beside it. The GOSPA assignment gives the RMSE of matched
tracks, ID switches and fragmentations; the plots give the time from a threat's first plot to the first confirmed
track carrying its plots, the number of confirmed tracks that carried them and how often that track changed (ID
switches by data association).</li>
</ul>
"""


def _fmt(v: Any, nd: int = 1, scale: float = 1.0) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v * scale:.{nd}f}"
    return str(v)


def summary_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    g, gd = metrics["gospa"], metrics["gospa_detectable"]
    return [
        {"quantity": "threats (detected / tracked)",
         "value": f"{metrics['threats']} ({metrics['threats_detected']} / {metrics['threats_tracked']})"},
        {"quantity": "plots (target / clutter)", "value": f"{metrics['target_plots']} / {metrics['clutter_plots']}"},
        {"quantity": "confirmed tracks (false)", "value": f"{metrics['confirmed_tracks']} ({metrics['false_tracks']})"},
        {"quantity": "mean GOSPA vs detectable threats (Pd ≥ 0.5), km — headline",
         "value": _fmt(gd["mean_m"], 2, 1e-3)},
        {"quantity": "mean GOSPA vs threats in the area, km", "value": _fmt(g["mean_m"], 2, 1e-3)},
        {"quantity": "mean missed / false count (area)",
         "value": f"{_fmt(g['mean_missed_count'], 2)} / {_fmt(g['mean_false_count'], 2)}"},
        {"quantity": "position RMSE of matched tracks, m", "value": _fmt(metrics["rmse_m"], 0)},
        {"quantity": "ID switches / fragmentations",
         "value": f"{metrics['continuity']['id_switches']} / {metrics['continuity']['fragmentations']}"},
        {"quantity": "ID switches by data association",
         "value": _fmt(metrics.get("continuity_by_plots", {}).get("id_switches"))},
        {"quantity": "mean confirmed tracks per threat", "value": _fmt(metrics.get("mean_confirmed_tracks_per_threat"), 2)},
        {"quantity": "mean first plot → confirmed track, s", "value": _fmt(metrics["mean_detection_to_confirmation_s"])},
    ]


def class_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per threat class: headline GOSPA share, latency, tracks per threat, ID switches."""
    return [{"class": c, "threats": v["threats"], "confirmed": v["threats_confirmed"],
             "GOSPA vs detectable, km": _fmt(v["gospa_detectable_mean_m"], 2, 1e-3),
             "mean missed": _fmt(v["mean_missed_count"], 2),
             "first plot → confirmed, s": _fmt(v["mean_detection_to_confirmation_s"]),
             "tracks per threat": _fmt(v["mean_confirmed_tracks_per_threat"], 2),
             "ID switches (GOSPA / by plots)": f"{v['id_switches']} / {v['id_switches_by_plots']}"}
            for c, v in metrics.get("per_class", {}).items()]


def tracking_sections(run: Any) -> list[str]:
    """HTML fragments of the tracking results (summary, per threat, per radar, plots, method)."""
    m = run.metrics
    out = []
    tr = m["tracker"]
    out.append(
        "<h2>Tracking</h2>"
        f"<p>{esc(tr['filter'].upper())} filter, {esc(tr['association'].upper())} association, "
        + (f"Pd-aware track score: confirm at {tr['confirm_score']:g}, delete {tr['delete_score_drop']:g} below "
           f"the peak or after {tr['max_coast_s']:g} s without a plot, "
           if tr.get("management") == "score" else
           f"confirm {tr['m_confirm']} of {tr['n_confirm']}, delete after {tr['k_miss']} missed scans, ")
        + f"process noise {tr['process_noise_mps2']:g} m/s²; {m['scans']} scans over {m['t_end_s']:g} s. "
        f"GOSPA c = {m['gospa']['c_m'] / 1e3:g} km, p = {m['gospa']['p']:g}, every "
        f"{m['gospa']['evaluation_step_s']:g} s.</p>"
        + table(summary_rows(m), left=("quantity",)))
    if run.warnings:
        out.append("<ul>" + "".join(f"<li class='note'>{esc(w)}</li>" for w in run.warnings) + "</ul>")
    rows = [{"threat": p["threat"], "class": p["class"], "plots": p["detections"],
             "first plot, s": _fmt(p["first_detection_s"], 0), "confirmed, s": _fmt(p["confirmed_s"], 0),
             "latency, s": _fmt(p["detection_to_confirmation_s"], 0),
             "in area, s": _fmt(p["time_in_area_s"], 0), "detectable, s": _fmt(p["time_detectable_s"], 0),
             "tracked, s": _fmt(p["time_tracked_s"], 0), "RMSE, m": _fmt(p["rmse_m"], 0),
             "tracks": p.get("confirmed_tracks", len(p["tracks"])), "ID switches": p["id_switches"],
             "fragmentations": p["fragmentations"]}
            for p in m["per_threat"]]
    crow = class_rows(m)
    if crow:
        out.append("<h3>Per threat class</h3>" + table(crow, left=("class",)))
    out.append("<h3>Per threat</h3>" + table(rows, left=("threat", "class")))
    rrows = []
    for r in m["radars"]:
        c = r["clutter"]
        rrows.append({
            "radar": f"{r['equipment']} at {r['site']}", "revisit, s": _fmt(r["revisit_s"], 1), "scans": r["scans"],
            "target plots": r["target_plots"], "clutter plots": r["clutter_plots"],
            "σr, m": _fmt(r["sigma_range_m"], 0), "σaz, mrad": _fmt(r["sigma_az_mrad"], 1),
            "σel, mrad": _fmt(r["sigma_el_mrad"], 1), "false plots / scan": _fmt(c["rate_per_scan"], 2),
            "from": c["source"], "Pfa": f"{c['pfa']:.1e}",
            "cells": "—" if c.get("n_cells") is None else f"{c['n_cells']:.3g}",
            "beams (angle cells / timeline)": "—" if c.get("n_beams") is None else
            f"{c['n_beams']:.0f} ({c['n_az_cells'] * c['n_el_cells']:.0f} / "
            f"{'—' if c.get('n_beams_timeline') is None else format(c['n_beams_timeline'], '.0f')})",
            "el extent": c["el_extent_source"],
        })
    out.append("<h3>Radars, accuracies and clutter</h3>" + table(rrows, left=("radar", "from", "el extent"))
               + "<p class='muted'>Pfa-implied clutter: λ = Pfa · N_cells, N_cells = (R_max/Δr) · min(angle cells, "
               "revisit · c / (2 R_max n_pulses)), resolutions Δ = σ·√(2·SNR₅₀) from the catalog accuracies; "
               "elevation extent from the catalog or assumed −2° … 30° (see iadsim.sim.measure).</p>")
    figs = getattr(run, "figures", {}) or {}
    if figs:
        out.append("<h3>Tracks and GOSPA</h3>" + "".join(
            img(Path(p), caption) for caption, p in (("confirmed tracks over truth", figs.get("tracks_over_truth")),
                                                     ("GOSPA over time", figs.get("gospa"))) if p))
    out.append("<h3>How tracking is simulated and scored</h3>" + METHOD)
    return out


def write_tracking_report(run: Any, out_path: Path) -> Path:
    """The standalone report of ``iadsim track`` (``templates/report.html.j2``)."""
    from markupsafe import Markup

    sc = run.world.scenario
    man = run.manifest
    body = render("report.html.j2", sc_name=f"{sc.name}: tracking", version=man["iadsim_version"], seed=sc.run.seed,
                  sha=str(man["scenario_sha256"]), subtitle=f"run in {man['timings_s'].get('total', 0):.1f} s",
                  description=sc.description or "", findings="", boundaries=BOUNDARIES, notes=list(run.world.notes),
                  parts=[{"title": "Tracking", "html": Markup("".join(tracking_sections(run)))}],
                  files=list(man.get("files", [])))
    Path(out_path).write_text(page(f"{sc.name}: tracking", [body]), encoding="utf-8")
    return Path(out_path)
