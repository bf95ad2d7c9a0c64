"""A self-contained HTML report: every figure embedded, every catalog figure with its source."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

BOUNDARIES = (
    "iadsim uses public, unclassified figures only; every catalog figure cites its public source, "
    "and figures that are assumptions say so. It works at analysis fidelity (statistical detection, "
    "point-mass kinematics, statistical Pk): it is not a model of any real system's signal processing, "
    "and its outputs are estimates whose spread follows the spread of the public figures."
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;padding:1.2em;color:#1d1d1f}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f4f4f6}td.l,th.l{text-align:left}.note{background:#fff8e6;border-left:4px solid #f0b400;padding:.5em .8em;font-size:.9em}
.muted{color:#666;font-size:.85em}img{max-width:100%;border:1px solid #eee;margin:.3em 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:.6em}
details{margin:.4em 0}summary{cursor:pointer;font-weight:600}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def table(rows: Sequence[dict[str, Any]], left: Iterable[str] = (), links: dict[str, str] | None = None) -> str:
    if not rows:
        return "<p class='muted'>(none)</p>"
    keys = list(rows[0])
    left = set(left)
    head = "".join(f"<th class='{'l' if k in left else ''}'>{esc(k)}</th>" for k in keys)
    body = []
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k, "")
            text = esc(v)
            if links and k in links and r.get(links[k]):
                text = f"<a href='{esc(r[links[k]])}'>{text}</a>"
            cells.append(f"<td class='{'l' if k in left else ''}'>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(title: str, sections: Sequence[str]) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(sections)}</body></html>")
