"""A self-contained HTML report rendered from Jinja2 templates (``report/templates/``): every figure
embedded, every catalog figure with its source, no network.

Values pass through :func:`display` on their way into a template (Jinja2 ``finalize``), so a Python
``None``/``True``/``False`` never reaches the page: they show as an empty cell, "yes" and "no".
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

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
.findings{background:#f3f7fb;border-left:5px solid #1f4e79;padding:.6em 1em;margin:1em 0}
.findings h2{border:none;margin-top:.2em}.findings li{margin:.25em 0}
.selector label{margin-right:1em;font-size:.9em}.selector select{font-size:.9em}
nav.contents{font-size:.9em}
"""


def display(value: Any) -> Any:
    """How a value reads on the page: None → "", True/False → "yes"/"no", floats without noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("iadsim.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                             finalize=display, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["display"] = display
    return env


def render(template: str, **context: Any) -> str:
    """Render one template of ``report/templates``."""
    return environment().get_template(template).render(**context)


def esc(value: Any) -> str:
    return html.escape(str(display(value)), quote=True)


def data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def img(path: Path, alt: str) -> str:
    return str(Markup('<img alt="{}" src="{}">').format(alt, data_uri(path)))


def table(rows: Sequence[dict[str, Any]], left: Iterable[str] = (), links: dict[str, str] | None = None) -> str:
    return render("table.html.j2", rows=list(rows), keys=list(rows[0]) if rows else [], left=set(left),
                  links=links or {})


def page(title: str, sections: Sequence[str]) -> str:
    return render("page.html.j2", title=title, css=Markup(CSS), body=Markup("".join(sections)))
