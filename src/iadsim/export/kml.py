"""KML / KMZ for Google Earth (simplekml): coverage polygons in folders per product → site → class
→ altitude (styled per product, drawn at the layer's altitude), time-stamped threat truth and
track paths (``gx:Track``: Google Earth's time slider plays them), sites, defended assets and
intercept points (the true target position, stamped with the intercept time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iadsim.export.layers import Path4D, RunLayers

#: KML colours are aabbggrr
_PRODUCT_COLOR = {"detection": "ffd08a3c", "track": "ff4caf50", "engagement": "ff2828d6"}
_PATH_COLOR = {"threat": "ff1c1cc8", "track": "ffe0a000", "flyout": "ff00d7ff"}


def _fill(color: str, alpha: int = 0x50) -> str:
    return f"{alpha:02x}{color[2:]}"


def write_kml(run: RunLayers, out: Path, *, kmz: bool = False) -> Path:
    """Write ``run`` as KML (or KMZ when ``kmz``) to ``out``."""
    import simplekml

    kml = simplekml.Kml(name=f"iadsim: {run.name}")
    kml.document.description = (f"Exported by iadsim from {run.source.name}; times are UTC from the scenario "
                                f"epoch {run.iso(0)}; coverage heights are {run.altitude_ref.upper()}.")
    _coverage(kml, run)
    _paths(kml, run, "threat", "Threats (truth)")
    _paths(kml, run, "track", "Tracks")
    _paths(kml, run, "flyout", "Interceptor fly-outs")
    _points(kml, run, "intercepts", "Intercepts (true target position)", "shot")
    _points(kml, run, "sites", "Sites", "name")
    _points(kml, run, "assets", "Defended assets", "name")
    out.parent.mkdir(parents=True, exist_ok=True)
    (kml.savekmz if kmz else kml.save)(str(out))
    return out


# ----------------------------------------------------------------------------- coverage
def _coverage(kml: Any, run: RunLayers) -> None:
    import simplekml

    gdf = run.layers["coverage"]
    if not len(gdf):
        return
    top = kml.newfolder(name="Coverage")
    mode = simplekml.AltitudeMode.relativetoground if run.altitude_ref == "agl" else simplekml.AltitudeMode.absolute
    folders: dict[tuple, Any] = {(): top}

    def folder(path: tuple) -> Any:
        if path not in folders:
            folders[path] = folder(path[:-1]).newfolder(name=str(path[-1]))
        return folders[path]

    for row in gdf.sort_values(["product", "site", "threat_class", "altitude_m"]).itertuples(index=False):
        key = (row.product, row.site, row.threat_class, f"{float(row.altitude_m):g} m {run.altitude_ref.upper()}")
        _coverage_placemark(folder(key), row, mode)


def _coverage_placemark(folder: Any, row: Any, mode: Any) -> None:
    alt = float(row.altitude_m)
    mg = folder.newmultigeometry(name=f"{row.product} {row.threat_class} at {alt:g} m")
    mg.description = (f"{row.site}: {row.product} of {row.threat_class} at {alt:g} m; "
                      f"area {getattr(row, 'area_km2', float('nan')):g} km²")
    color = _PRODUCT_COLOR.get(row.product, "ffffffff")
    for poly in row.geometry.geoms:
        p = mg.newpolygon(outerboundaryis=[(x, y, alt) for x, y, *_ in poly.exterior.coords],
                          innerboundaryis=[[(x, y, alt) for x, y, *_ in r.coords] for r in poly.interiors])
        p.altitudemode = mode
    mg.style.polystyle.color = _fill(color)
    mg.style.linestyle.color = color
    mg.style.linestyle.width = 1


# ----------------------------------------------------------------------------- paths / points
def _paths(kml: Any, run: RunLayers, kind: str, title: str) -> None:
    import simplekml

    paths = [p for p in run.paths if p.kind == kind]
    if not paths:
        return
    folder = kml.newfolder(name=title)
    color = _PATH_COLOR[kind]
    for p in paths:
        trk = folder.newgxtrack(name=p.name, altitudemode=simplekml.AltitudeMode.absolute)
        trk.newwhen([run.iso(t) for t in p.t_s])
        trk.newgxcoord([(float(x), float(y), float(z)) for x, y, z in zip(p.lon_deg, p.lat_deg, p.alt_m)])
        trk.description = _describe(p)
        trk.style.linestyle.color = color
        trk.style.linestyle.width = 2
        trk.style.iconstyle.color = color
        trk.style.iconstyle.scale = 0.6


def _describe(p: Path4D) -> str:
    return "; ".join(f"{k}: {v}" for k, v in p.props.items())


def _points(kml: Any, run: RunLayers, layer: str, title: str, label: str) -> None:
    import simplekml

    gdf = run.layers[layer]
    if not len(gdf):
        return
    folder = kml.newfolder(name=title)
    for row in gdf.itertuples(index=False):
        g = row.geometry
        coords = [(g.x, g.y, g.z)] if g.has_z else [(g.x, g.y)]
        pnt = folder.newpoint(name=f"{label} {getattr(row, label)}" if label == "shot" else str(getattr(row, label)),
                              coords=coords)
        pnt.altitudemode = simplekml.AltitudeMode.absolute if g.has_z else simplekml.AltitudeMode.clamptoground
        pnt.description = "; ".join(f"{k}: {v}" for k, v in row._asdict().items()
                                    if k != "geometry" and not k.endswith("_utc"))
        if layer == "intercepts":
            pnt.timestamp.when = run.iso(float(row.t_intercept_s))
            pnt.style.iconstyle.color = "ff0000ff" if str(row.outcome) == "kill" else "ff00ffff"
