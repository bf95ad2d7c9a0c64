"""The coverage section of the report, and the whole report for ``iadsim coverage``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from iadsim.coverage.compute import CoverageResult
from iadsim.coverage.products import RingRow
from iadsim.report.html import BOUNDARIES, esc, img, page, table

METHOD = """
<ul>
<li><b>Detection</b>: Pd ≥ threshold for one radar, from the radar range equation with a radar constant
calibrated so the equation reproduces the radar's published detection range against its reference RCS,
the class's RCS in the radar's band, exact detection statistics for its Swerling case, Pfa and pulses,
line of sight over the terrain with k-factor refraction, elevation limits, sector and instrumented range.</li>
<li><b>Track</b>: probability of at least M detections in N scans ≥ threshold (the tracker's confirmation rule).</li>
<li><b>Engagement</b>: detected by the site ∧ detected (Pd ≥ threshold, so also in line of sight, sector and
range) by an engagement radar of the site, whose track fire control needs ∧ inside the kinematic envelope
(range, minimum height, ceiling) of a missile its launchers carry.</li>
<li><b>Sea reflection</b>: where the surface is water, the direct and sea-reflected rays interfere: the
specular point on the 4/3 earth for the antenna's and target's heights (Kerr 1951; Blake 1986, ch. 6), the
surface tested at that point (no reflection off land), the divergence factor, Ament's roughness factor for
the scenario's sea state (Douglas/WMO 0–9, σ<sub>h</sub> = H<sub>1/3</sub>/4), and F⁴ averaged over the
lobes a map cell spans.</li>
<li><b>Range ring vs physics</b>: for each sector, the farthest covered ground range beside the nominal
(catalog) range, and the share of the nominal disc's area that is actually covered. Each reach is given at
the scenario's Pd threshold with its spread in brackets: the catalog's low and high RCS of the class in the
radar's band and the radar constant from the low and high published reference range (SNR rescaled; terrain
and propagation unchanged). Engagement is also given at the fire-control Pd 0.9.</li>
</ul>
"""


def _provenance(result: CoverageResult) -> str:
    world = result.world
    from iadsim.catalog import entry_table

    used: list[str] = []
    for r in world.radars:
        used.append(r.equipment)
    for lg in world.launchers:
        used.append(lg.equipment)
        used.extend(m.name for m in lg.missiles)
    used.extend(world.scenario.threat_classes_for_coverage())
    parts = []
    seen = set()
    for name in used:
        if name in seen:
            continue
        seen.add(name)
        rows = entry_table(world.catalog.get(name))
        srcs = world.catalog.sources
        for row in rows:
            ids = row.get("sources") or []
            if isinstance(ids, str):
                ids = [s.strip() for s in ids.split(",") if s.strip()]
            row["sources"] = "; ".join(
                f"{srcs[i].publisher}, {srcs[i].title} ({srcs[i].date}) [{srcs[i].reliability}]" if i in srcs
                else str(i) for i in ids
            )
        parts.append(f"<details><summary>{esc(name)}</summary>{table(rows, left=('field', 'sources', 'note'))}</details>")
    src_rows = [{"id": k, "title": s.title, "publisher": s.publisher, "date": s.date,
                 "reliability": s.grade, "why": s.grade_note or "", "url": str(s.url)}
                for k, s in sorted(world.catalog.sources.items())]
    parts.append("<details><summary>All sources, with their reliability grade (Admiralty scale: A completely "
                 "reliable, B usually, C fairly, D not usually reliable, E unreliable, F cannot be judged; "
                 "[letter] after each source above)</summary>"
                 f"{table(src_rows, left=('id', 'title', 'publisher', 'reliability', 'why', 'url'), links={'title': 'url'})}"
                 "</details>")
    return "".join(parts)


def _km(v: np.ndarray | None) -> str:
    return "–" if v is None else f"{float(np.median(v)):.0f}"


def _spread_cell(r: RingRow) -> str:
    """Median sector reach with the catalog's low–high spread: "78 (52–110)"."""
    if r.reach_low_km is None or r.reach_high_km is None:
        return _km(r.reach_km)
    return f"{_km(r.reach_km)} ({_km(r.reach_low_km)}–{_km(r.reach_high_km)})"


def pivot_rows(rows: list[RingRow]) -> list[dict[str, Any]]:
    """One row per site × product × radar × class, one column per altitude: median sector reach (km)
    with its low–high spread from the catalog, at the named Pd threshold; for engagement, a second
    row at the fire-control Pd (0.9)."""
    out: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = (r.site, r.product, r.radar, r.threat_class, "nominal")
        row = out.setdefault(key, {"site": r.site, "product": r.product, "radar": r.radar,
                                   "threat class": r.threat_class, "Pd ≥": f"{r.pd_threshold:g}",
                                   "nominal km": round(r.nominal_km)})
        row[f"{r.altitude_m:g} m {r.altitude_ref.upper()}"] = _spread_cell(r)
        if r.product == "engagement" and r.reach_fc_km is not None:
            key = (r.site, r.product, r.radar, r.threat_class, "fc")
            row = out.setdefault(key, {"site": r.site, "product": "engagement (fire control)", "radar": r.radar,
                                       "threat class": r.threat_class, "Pd ≥": f"{r.fc_pd:g}",
                                       "nominal km": round(r.nominal_km)})
            row[f"{r.altitude_m:g} m {r.altitude_ref.upper()}"] = _km(r.reach_fc_km)
    return list(out.values())


def headlines(rows: list[RingRow]) -> list[str]:
    """Plain-language findings: the lowest and highest layer of each class's engagement (or track) reach,
    with the catalog's low–high spread and the Pd threshold."""
    lines = []
    for product in ("engagement", "track"):
        sel = [r for r in rows if r.product == product]
        if not sel:
            continue
        for site in dict.fromkeys(r.site for r in sel):
            for cls in dict.fromkeys(r.threat_class for r in sel if r.site == site):
                layers = sorted((r for r in sel if r.site == site and r.threat_class == cls), key=lambda r: r.altitude_m)
                lo, hi = layers[0], layers[-1]
                fc = (f"; at the fire-control Pd {hi.fc_pd:g}, {_km(hi.reach_fc_km)} km at {hi.altitude_m:g} m"
                      if product == "engagement" and hi.reach_fc_km is not None else "")
                lines.append(
                    f"{site}, {product} of a {cls.replace('_', ' ')} (Pd ≥ {lo.pd_threshold:g}): median reach "
                    f"{_spread_cell(lo)} km at {lo.altitude_m:g} m {lo.altitude_ref.upper()} and {_spread_cell(hi)} km "
                    f"at {hi.altitude_m:g} m (catalog low–high in brackets), against a nominal {lo.nominal_km:.0f} km "
                    f"ring ({np.mean(lo.area_fraction) * 100:.0f} % and {np.mean(hi.area_fraction) * 100:.0f} % of its "
                    f"area){fc}."
                )
        break
    return lines


def provenance_sections(result: CoverageResult) -> list[str]:
    """The equipment used, every figure with its source, and the list of sources."""
    return ["<h2>Equipment and sources</h2>" + _provenance(result)]


def coverage_sections(result: CoverageResult, rows: list[RingRow], figures: dict[str, list[tuple[str, Path]]],
                      provenance: bool = True) -> list[str]:
    """Range ring vs physics, maps, diagrams and method; then equipment and sources unless
    ``provenance=False`` (``iadsim run`` puts them at the end of its report)."""
    cs = result.world.scenario.coverage
    out = []
    summary = [r.summary for r in rows]
    out.append("<h2>Range ring vs physics</h2>"
               "<ul>" + "".join(f"<li>{esc(h)}</li>" for h in headlines(rows)) + "</ul>"
               f"<p>Median over {cs.sector_deg:g}° sectors of the farthest ground range covered (km) at Pd ≥ "
               f"{cs.pd_threshold:g}, per altitude layer, with the catalog's low–high spread in brackets, beside the "
               "nominal range the public debate uses (the radar's published detection claim, or the longest missile "
               "range). The engagement (fire control) row requires the engagement radar's Pd ≥ 0.9.</p>"
               + table(pivot_rows(rows), left=("site", "product", "radar", "threat class"))
               + "<details><summary>Per layer: minimum, median and maximum sector reach, and the share of the "
               "nominal disc covered</summary>"
               + table(summary, left=("site", "product", "radar", "threat_class", "altitude_ref"))
               + "<p class='muted'>Per-sector values: range_ring_vs_physics.csv.</p></details>")
    for title, key in (("Maps", "maps"), ("Reach per sector", "polar"), ("Vertical coverage diagrams", "vcd")):
        if figures.get(key):
            out.append(f"<h2>{title}</h2><div class='{'grid' if key == 'polar' else ''}'>"
                       + "".join(img(p, caption) for caption, p in figures[key]) + "</div>")
    out.append("<h2>How the products are computed</h2>" + METHOD)
    if provenance:
        out += provenance_sections(result)
    return out


def write_coverage_report(result: CoverageResult, rows: list[RingRow], figures: dict[str, list[tuple[str, Path]]],
                          manifest: dict[str, Any], out_path: Path) -> Path:
    sc = result.world.scenario
    head = [f"<h1>{esc(sc.name)}</h1>",
            f"<p class='muted'>iadsim {esc(manifest['iadsim_version'])} · seed {esc(sc.run.seed)} · scenario "
            f"sha256 {esc(manifest['scenario_sha256'][:16])}… · coverage computed in {result.seconds:.1f} s</p>"]
    if sc.description:
        head.append(f"<p>{esc(sc.description)}</p>")
    head.append(f"<p class='note'>{esc(BOUNDARIES)}</p>")
    notes = list(result.world.notes) + [n for s in result.sites for n in s.notes]
    if notes:
        head.append("<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    files = "".join(f"<li>{esc(f)}</li>" for f in manifest.get("files", []))
    tail = [f"<h2>Files</h2><details><summary>{len(manifest.get('files', []))} files</summary><ul>{files}</ul></details>"]
    out_path.write_text(page(sc.name, head + coverage_sections(result, rows, figures) + tail), encoding="utf-8")
    return out_path
