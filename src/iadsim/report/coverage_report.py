"""The coverage section of the report, and the whole report for ``iadsim coverage``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from iadsim.coverage.compute import CoverageResult
from iadsim.coverage.products import RingRow
from iadsim.report.html import BOUNDARIES, data_uri, esc, img, page, render, table

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


def _value(v: Any, unit: Any) -> str:
    if v is None:
        return ""
    return f"{v:g} {unit}".strip() if isinstance(v, (int, float)) and not isinstance(v, bool) else f"{v} {unit or ''}".strip()


def _figure_rows(world: Any, name: str) -> list[dict[str, Any]]:
    """One row per catalog figure of an entry: value, spread, sources with grade, note."""
    from iadsim.catalog import entry_table

    srcs = world.catalog.sources
    rows = []
    for row in entry_table(world.catalog.get(name)):
        ids = row.get("sources") or []
        if isinstance(ids, str):
            ids = [x.strip() for x in ids.split(",") if x.strip()]
        unit = row.get("unit") or ""
        lo, hi = row.get("low"), row.get("high")
        note = " ".join(x for x in (("assumption." if row.get("assumption") else ""), row.get("note") or "",
                                    (f"derived: {row['derived']}" if row.get("derived") else "")) if x)
        rows.append({
            "field": row["field"], "value": _value(row.get("nominal"), unit),
            "spread": f"{_value(lo, '')}–{_value(hi, unit)}" if lo is not None and hi is not None else "",
            "sources": "; ".join(f"{srcs[i].publisher}, {srcs[i].title} ({srcs[i].date}) [{srcs[i].reliability}]"
                                 if i in srcs else str(i) for i in ids),
            "note": note,
        })
    return rows


def _provenance(result: CoverageResult) -> str:
    world = result.world
    used: list[str] = []
    for r in world.radars:
        used.append(r.equipment)
    for lg in world.launchers:
        used.append(lg.equipment)
        used.extend(m.name for m in lg.missiles)
    used.extend(world.scenario.threat_classes_for_coverage())
    equipment = [{"name": name, "rows": _figure_rows(world, name)} for name in dict.fromkeys(used)]
    src_rows = [{"id": k, "title": s.title, "publisher": s.publisher, "date": s.date,
                 "reliability": s.grade, "why": s.grade_note or "", "url": str(s.url)}
                for k, s in sorted(world.catalog.sources.items())]
    return render("methodology.html.j2", equipment=equipment, sources=src_rows)


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
    return [_provenance(result)]


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
    if figures.get("layers"):
        out.append("<h2>Coverage maps</h2><p class='muted'>Choose a site, threat class and altitude layer. Blue: "
                   f"detected (Pd ≥ {cs.pd_threshold:g}); red: engageable; dashed: nominal catalog rings; dotted: "
                   "where the terrain data ends.</p>" + selector_html(figures["layers"]))
    for title, key in (("Maps", "maps"), ("Reach per sector", "polar"), ("Vertical coverage diagrams", "vcd")):
        if key == "maps" and figures.get("layers") and figures.get(key):
            out.append("<details><summary>Every altitude of each class on one figure</summary>"
                       + "".join(img(p, caption) for caption, p in figures[key]) + "</details>")
        elif figures.get(key):
            out.append(f"<h2>{title}</h2><div class='{'grid' if key == 'polar' else ''}'>"
                       + "".join(img(p, caption) for caption, p in figures[key]) + "</div>")
    out.append("<h2>How the products are computed</h2>" + METHOD)
    if provenance:
        out += provenance_sections(result)
    return out


def selector_html(layers: list[tuple[str, Path]], key: str = "coverage") -> str:
    """The class/altitude selector over single-layer maps captioned ``"site|class|altitude"``."""
    images = []
    for caption, p in layers:
        site, cls, alt = (caption.split("|") + ["", ""])[:3]
        images.append({"site": site, "cls": cls, "alt": alt, "src": data_uri(p)})
    uniq = lambda k: list(dict.fromkeys(im[k] for im in images))  # noqa: E731
    return render("selector.html.j2", key=key, images=images, sites=uniq("site"), classes=uniq("cls"),
                  alts=uniq("alt"))


def write_coverage_report(result: CoverageResult, rows: list[RingRow], figures: dict[str, list[tuple[str, Path]]],
                          manifest: dict[str, Any], out_path: Path) -> Path:
    from markupsafe import Markup

    sc = result.world.scenario
    notes = list(result.world.notes) + [n for s in result.sites for n in s.notes]
    body = render("report.html.j2", sc_name=sc.name, version=manifest["iadsim_version"], seed=sc.run.seed,
                  sha=str(manifest["scenario_sha256"]), subtitle=f"coverage computed in {result.seconds:.1f} s",
                  description=sc.description or "", findings="", boundaries=BOUNDARIES, notes=notes,
                  parts=[{"title": "Coverage", "html": Markup("".join(coverage_sections(result, rows, figures)))}],
                  files=list(manifest.get("files", [])))
    out_path.write_text(page(sc.name, [body]), encoding="utf-8")
    return out_path
