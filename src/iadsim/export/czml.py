"""CZML for Cesium (czml3 validates every packet): a document packet whose clock runs from the
scenario epoch over the run, time-dynamic threat truth, track and interceptor fly-out paths
(launch point to the intercept point over launch → intercept time) with their availability,
sites and defended assets, and coverage polygons drawn at their altitude (extruded down to the
ground, hidden by default: switch them on in Cesium's entity list)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.export.layers import Path4D, RunLayers

_RGBA = {"threat": [220, 30, 30, 255], "track": [0, 160, 230, 255], "flyout": [255, 215, 0, 255],
         "detection": [60, 138, 208, 70], "track_cov": [76, 175, 80, 70], "engagement": [214, 40, 40, 70],
         "site": [255, 255, 255, 255], "asset": [255, 140, 0, 255]}

_CLAMP = {"heightReference": "CLAMP_TO_GROUND"}


def czml_packets(run: RunLayers) -> list[dict[str, Any]]:
    """The CZML document as plain packets (document packet first, ids unique)."""
    packets = [_document(run)]
    packets += [_path(run, p) for p in run.paths]
    packets += _places(run, "sites", "site")
    packets += _places(run, "assets", "asset")
    packets += _coverage(run)
    return packets


def write_czml(run: RunLayers, out: Path) -> Path:
    """Write ``run`` as a CZML file, each packet validated by czml3's models."""
    from czml3 import Document, Packet

    doc = Document(packets=[Packet.model_validate(p) for p in czml_packets(run)])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(doc.dumps(), encoding="utf-8")
    return out


def _interval(run: RunLayers, t0: float, t1: float) -> str:
    return f"{run.iso(t0)}/{run.iso(t1)}"


def _document(run: RunLayers) -> dict[str, Any]:
    t_end = max(run.t_end_s, 1.0)
    return {"id": "document", "name": f"iadsim: {run.name}", "version": "1.0",
            "clock": {"interval": _interval(run, 0.0, t_end), "currentTime": run.iso(0.0), "multiplier": 10,
                      "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"}}


def _path(run: RunLayers, p: Path4D) -> dict[str, Any]:
    t0 = float(p.t_s[0])
    samples = np.column_stack([p.t_s - t0, p.lon_deg, p.lat_deg, p.alt_m]).round(6).ravel().tolist()
    color = _RGBA[p.kind]
    trail = 120.0 if p.kind != "flyout" else float(p.t_s[-1] - t0)
    return {
        "id": p.id, "name": p.name, "description": "; ".join(f"{k}: {v}" for k, v in p.props.items()),
        "availability": _interval(run, t0, float(p.t_s[-1])),
        "position": {"epoch": run.iso(t0), "cartographicDegrees": samples,
                     "interpolationAlgorithm": "LINEAR"},
        "point": {"pixelSize": 7 if p.kind == "threat" else 5, "color": {"rgba": color}},
        "path": {"width": 2 if p.kind != "track" else 1, "leadTime": 0, "trailTime": trail,
                 "material": {"solidColor": {"color": {"rgba": color}}}},
    }


def _places(run: RunLayers, layer: str, kind: str) -> list[dict[str, Any]]:
    out = []
    for i, row in enumerate(run.layers[layer].itertuples(index=False)):
        g = row.geometry
        out.append({"id": f"{kind}/{i}", "name": str(row.name),
                    "position": {"cartographicDegrees": [round(g.x, 6), round(g.y, 6), 0.0]},
                    "point": {"pixelSize": 10, "color": {"rgba": _RGBA[kind]}, "heightReference": _CLAMP},
                    "label": {"text": str(row.name), "font": "12pt sans-serif", "pixelOffset": {"cartesian2": [0, -18]},
                              "heightReference": _CLAMP}})
    return out


def _ring(coords: Any, alt: float) -> list[float]:
    xy = np.asarray(coords)[:-1, :2].round(5)
    return np.column_stack([xy, np.full(len(xy), alt)]).ravel().tolist()


def _coverage(run: RunLayers) -> list[dict[str, Any]]:
    out = []
    gdf = run.layers["coverage"]
    for i, row in enumerate(gdf.itertuples(index=False)):
        alt = float(row.altitude_m)
        color = _RGBA["track_cov" if row.product == "track" else row.product]
        for j, poly in enumerate(row.geometry.geoms):
            packet: dict[str, Any] = {
                "id": f"coverage/{row.product}/{row.site}/{row.threat_class}/{alt:g}/{j}",
                "name": f"{row.site} {row.product} {row.threat_class} at {alt:g} m {run.altitude_ref.upper()}",
                "polygon": {"show": False, "positions": {"cartographicDegrees": _ring(poly.exterior.coords, alt)},
                            "height": alt, "extrudedHeight": 0.0,
                            "heightReference": {"heightReference": "RELATIVE_TO_GROUND" if run.altitude_ref == "agl"
                                                                else "NONE"},
                            "material": {"solidColor": {"color": {"rgba": color}}}, "outline": False},
            }
            if poly.interiors:
                packet["polygon"]["holes"] = {"cartographicDegrees": [_ring(r.coords, alt) for r in poly.interiors]}
            out.append(packet)
    return out


def read_czml(path: Path) -> list[dict[str, Any]]:
    """The packets of a CZML file (plain JSON)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
