"""KML / KMZ for Google Earth: coverage polygons in folders per product → site → class → altitude
(one shared style per product, drawn at the layer's altitude), time-stamped threat truth, track
and interceptor fly-out paths (``gx:Track``: Google Earth's time slider plays them), sites,
defended assets and intercept points (the true target position, stamped with the intercept time).

Written with lxml in the element order of the OGC KML 2.2 schema (and ids that are valid
``xs:ID``), so strict readers such as fastkml validate it; KMZ is the same ``doc.kml`` zipped.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from iadsim.export.layers import Path4D, RunLayers

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
_K = f"{{{KML_NS}}}"
_GX = f"{{{GX_NS}}}"

#: KML colours are aabbggrr
_PRODUCT_COLOR = {"detection": "ffd08a3c", "track": "ff50af4c", "engagement": "ff2828d6"}
_PATH_COLOR = {"threat": "ff1c1cc8", "track": "ffe0a000", "flyout": "ff00d7ff"}
_POINT_COLOR = {"site": "ffffffff", "asset": "ff008cff", "kill": "ff0000ff", "miss": "ff00ffff"}
_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"


def write_kml(run: RunLayers, out: Path, *, kmz: bool = False) -> Path:
    """Write ``run`` as KML (or KMZ when ``kmz``) to ``out``."""
    root = etree.Element(f"{_K}kml", nsmap={None: KML_NS, "gx": GX_NS})
    doc = _sub(root, "Document")
    _text(doc, "name", f"iadsim: {run.name}")
    _text(doc, "open", "1")
    _text(doc, "description", f"Exported by iadsim from {run.source.name}; times are UTC from the scenario epoch "
                              f"{run.iso(0)}; coverage heights are {run.altitude_ref.upper()}.")
    _styles(doc)
    _coverage(doc, run)
    _paths(doc, run, "threat", "Threats (truth)")
    _paths(doc, run, "track", "Tracks")
    _paths(doc, run, "flyout", "Interceptor fly-outs")
    _points(doc, run, "intercepts", "Intercepts (true target position)")
    _points(doc, run, "sites", "Sites")
    _points(doc, run, "assets", "Defended assets")
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    if kmz:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", data)
    else:
        out.write_bytes(data)
    return out


# ----------------------------------------------------------------------------- XML helpers
def _sub(parent: Any, tag: str, ns: str = _K, **attrib: str) -> Any:
    return etree.SubElement(parent, f"{ns}{tag}", **attrib)


def _text(parent: Any, tag: str, text: str, ns: str = _K) -> Any:
    el = _sub(parent, tag, ns)
    el.text = text
    return el


def _folder(parent: Any, name: str) -> Any:
    f = _sub(parent, "Folder")
    _text(f, "name", name)
    return f


def _coord(x: float, y: float, z: float | None = None) -> str:
    return f"{x:.6f},{y:.6f}" if z is None else f"{x:.6f},{y:.6f},{z:.1f}"


def _styles(doc: Any) -> None:
    for product, color in _PRODUCT_COLOR.items():
        st = _sub(doc, "Style", id=f"coverage-{product}")
        ls = _sub(st, "LineStyle")
        _text(ls, "color", color)
        _text(ls, "width", "1")
        ps = _sub(st, "PolyStyle")
        _text(ps, "color", "50" + color[2:])
    for kind, color in _PATH_COLOR.items():
        st = _sub(doc, "Style", id=f"path-{kind}")
        ic = _sub(st, "IconStyle")
        _text(ic, "color", color)
        _text(ic, "scale", "0.6")
        _text(_sub(ic, "Icon"), "href", _ICON)
        ls = _sub(st, "LineStyle")
        _text(ls, "color", color)
        _text(ls, "width", "2")
    for kind, color in _POINT_COLOR.items():
        st = _sub(doc, "Style", id=f"point-{kind}")
        ic = _sub(st, "IconStyle")
        _text(ic, "color", color)
        _text(_sub(ic, "Icon"), "href", _ICON)


# ----------------------------------------------------------------------------- coverage
def _coverage(doc: Any, run: RunLayers) -> None:
    gdf = run.layers["coverage"]
    if not len(gdf):
        return
    folders: dict[tuple, Any] = {(): _folder(doc, "Coverage")}

    def folder(path: tuple) -> Any:
        if path not in folders:
            folders[path] = _folder(folder(path[:-1]), str(path[-1]))
        return folders[path]

    mode = "relativeToGround" if run.altitude_ref == "agl" else "absolute"
    for row in gdf.sort_values(["product", "site", "threat_class", "altitude_m"]).itertuples(index=False):
        alt = float(row.altitude_m)
        key = (row.product, row.site, row.threat_class, f"{alt:g} m {run.altitude_ref.upper()}")
        pm = _sub(folder(key), "Placemark")
        _text(pm, "name", f"{row.product} {row.threat_class} at {alt:g} m")
        _text(pm, "description", f"{row.site}: {row.product} of {row.threat_class} at {alt:g} m "
                                 f"{run.altitude_ref.upper()}; area {getattr(row, 'area_km2', float('nan')):g} km²")
        _text(pm, "styleUrl", f"#coverage-{row.product}")
        mg = _sub(pm, "MultiGeometry")
        for poly in row.geometry.geoms:
            _polygon(mg, poly, alt, mode)


def _polygon(parent: Any, poly: Any, alt: float, mode: str) -> None:
    p = _sub(parent, "Polygon")
    _text(p, "altitudeMode", mode)
    rings = [("outerBoundaryIs", poly.exterior)] + [("innerBoundaryIs", r) for r in poly.interiors]
    for tag, ring in rings:
        lr = _sub(_sub(p, tag), "LinearRing")
        _text(lr, "coordinates", " ".join(_coord(x, y, alt) for x, y, *_ in ring.coords))


# ----------------------------------------------------------------------------- paths / points
def _paths(doc: Any, run: RunLayers, kind: str, title: str) -> None:
    paths = [p for p in run.paths if p.kind == kind]
    if not paths:
        return
    folder = _folder(doc, title)
    for p in paths:
        pm = _sub(folder, "Placemark")
        _text(pm, "name", p.name)
        if p.props:
            _text(pm, "description", _describe(p))
        _text(pm, "styleUrl", f"#path-{kind}")
        trk = _sub(pm, "Track", _GX)
        _text(trk, "altitudeMode", "absolute")
        for t in p.t_s:
            _text(trk, "when", run.iso(float(t)))
        for x, y, z in zip(p.lon_deg, p.lat_deg, p.alt_m):
            _text(trk, "coord", f"{x:.6f} {y:.6f} {z:.1f}", _GX)


def _describe(p: Path4D) -> str:
    return "; ".join(f"{k}: {v}" for k, v in p.props.items())


def _points(doc: Any, run: RunLayers, layer: str, title: str) -> None:
    gdf = run.layers[layer]
    if not len(gdf):
        return
    folder = _folder(doc, title)
    for row in gdf.itertuples(index=False):
        rec = row._asdict()
        g = rec.pop("geometry")
        pm = _sub(folder, "Placemark")
        _text(pm, "name", f"shot {rec['shot']}: {rec.get('outcome', '')}" if layer == "intercepts" else str(rec["name"]))
        _text(pm, "description", "; ".join(f"{k}: {v}" for k, v in rec.items() if not k.endswith("_utc")))
        if layer == "intercepts":
            _text(_sub(pm, "TimeStamp"), "when", run.iso(float(rec["t_intercept_s"])))
            style = "kill" if str(rec.get("outcome")) == "kill" else "miss"
        else:
            style = "site" if layer == "sites" else "asset"
        _text(pm, "styleUrl", f"#point-{style}")
        pt = _sub(pm, "Point")
        if g.has_z:
            _text(pt, "altitudeMode", "absolute")
        _text(pt, "coordinates", _coord(g.x, g.y, g.z if g.has_z else None))
