"""MkDocs hook: pages generated at build time from the package itself, never hand-copied.

* ``reference/scenario-schema.md`` from ``iadsim.scenario.Scenario.model_json_schema()``;
* ``reference/catalog.md`` from the packaged catalog (:func:`iadsim.catalog.load_catalog`);
* ``reference/api/<package>.md``: a mkdocstrings page per public package;
* the Tutorials section of the nav and the table in ``tutorials/index.md`` list every
  ``docs/tutorials/*.ipynb`` (title: the notebook's first ``# `` heading);
* ``{{ iadsim_version }}`` in any page becomes ``iadsim.__version__``.

Registered in ``mkdocs.yml`` under ``hooks:``. Needs ``iadsim`` importable (``PYTHONPATH=src``
or an installed package).
"""

from __future__ import annotations

import html
import json
from typing import Any

from mkdocs.structure.files import File

import iadsim
from iadsim.catalog import entry_table, load_catalog
from iadsim.scenario import Scenario

SCHEMA_PAGE = "reference/scenario-schema.md"
CATALOG_PAGE = "reference/catalog.md"
KIND_TITLES = {"radar": "Radars", "launcher": "Launchers", "missile": "Missiles",
               "threat": "Threat classes", "system": "Systems"}
BOUND_KEYS = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<",
              "minLength": "length ≥", "maxLength": "length ≤", "minItems": "items ≥",
              "maxItems": "items ≤", "pattern": "matches"}


# ---------------------------------------------------------------- table helpers
def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    text = html.escape(str(value), quote=False).replace("|", "&#124;").replace("\n", " ")
    return text.replace("*", "&#42;").replace("_", "&#95;") if text.strip() else ""


def _code(value: Any) -> str:
    return f"<code>{html.escape(str(value), quote=False).replace('|', '&#124;')}</code>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- scenario schema
def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _anchor(name: str) -> str:
    return name.lower()


def _type(prop: dict[str, Any]) -> str:
    """A short type text with links to the referenced models."""
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        return f"[{name}](#{_anchor(name)})"
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"])
    if "allOf" in prop and len(prop["allOf"]) == 1:
        return _type(prop["allOf"][0])
    if "const" in prop:
        return f"{_code(json.dumps(prop['const']))} (constant)"
    if "enum" in prop:
        return "one of " + ", ".join(_code(v) for v in prop["enum"])
    t = prop.get("type", "any")
    if t == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if t == "object" and "additionalProperties" in prop:
        ap = prop["additionalProperties"]
        return f"map of name → {_type(ap) if isinstance(ap, dict) else 'any'}"
    return {"number": "number", "integer": "integer", "string": "text", "boolean": "true/false",
            "null": "none", "object": "mapping"}.get(t, str(t))


def _bounds(prop: dict[str, Any]) -> str:
    found: list[str] = []
    for sub in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
        for key, sign in BOUND_KEYS.items():
            if key in sub:
                found.append(f"{sign} {_code(sub[key])}")
    return ", ".join(dict.fromkeys(found))


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" in prop:
        return _code(json.dumps(prop["default"], ensure_ascii=False))
    return ""


def _model_section(name: str, model: dict[str, Any]) -> str:
    out = [f"## {name} {{#{_anchor(name)}}}\n"]
    if model.get("description"):
        out.append(_cell(model["description"]).replace("&#42;", "*").replace("&#95;", "_") + "\n")
    if "properties" not in model:
        if "enum" in model:
            out.append("Values: " + ", ".join(_code(v) for v in model["enum"]) + "\n")
        return "\n".join(out)
    required = set(model.get("required", []))
    rows = []
    for field, prop in model["properties"].items():
        rows.append([_code(field), _type(prop), _default(prop, field in required), _bounds(prop),
                     _cell(prop.get("description", ""))])
    out.append(_table(["field", "type", "default", "bounds", "description"], rows))
    return "\n".join(out)


def schema_page() -> str:
    """The scenario format reference, one table per model, top level first."""
    schema = Scenario.model_json_schema()
    defs = schema.get("$defs", {})
    parts = [
        "# Scenario schema reference\n",
        f"Generated at build time from the pydantic models of iadsim {iadsim.__version__} "
        "(`iadsim.scenario.Scenario.model_json_schema()`; the same schema `iadsim schema` prints). "
        "Units are in the field names; unknown fields are errors.\n",
        _model_section("Scenario", schema),
    ]
    parts += [_model_section(name, defs[name]) for name in sorted(defs)]
    return "\n".join(parts)


# ---------------------------------------------------------------- catalog
def _num(x: float) -> str:
    return f"{x:g}"


def _source_cell(ids: list[str]) -> str:
    return ", ".join(f"[{_cell(i)}](#src-{i.lower()})" for i in ids)


def _entry_section(catalog: Any, name: str) -> str:
    entry = catalog.get(name)
    out = [f"### {name} {{#{_anchor('entry-' + name)}}}\n"]
    extras = [f"`{catalog.file(name).rsplit('/', 1)[-1]}`"]
    for attr in ("system", "role", "band", "description"):
        val = getattr(entry, attr, None)
        if val:
            extras.append(f"{attr}: {_cell(val)}")
    out.append(" · ".join(extras) + "\n")
    if getattr(entry, "note", None):
        out.append(f"*{_cell(entry.note)}*\n")
    rows = []
    for r in entry_table(entry):
        spread = "" if r["low"] == r["high"] == r["nominal"] else f"{_num(r['low'])} – {_num(r['high'])}"
        note = " ".join(x for x in (r["note"], f"derived: {r['derived']}" if r["derived"] else None) if x)
        rows.append([_code(r["field"]), _num(r["nominal"]), spread, _cell(r["unit"]),
                     _source_cell(r["sources"]), "yes" if r["assumption"] else "", _cell(note)])
    if rows:
        out.append(_table(["figure", "nominal", "spread (low – high)", "unit", "sources",
                           "assumption", "note"], rows))
    return "\n".join(out)


def _grade(source: Any) -> str:
    """The source's reliability grade, with its meaning when the model gives one."""
    grade = getattr(source, "grade", None) or getattr(source, "reliability", None) or ""
    grade = getattr(grade, "value", grade)
    note = getattr(source, "grade_note", None)
    return _cell(f"{grade}: {note}" if note else grade)


def _scale_legend() -> str:
    from iadsim.catalog import models

    scale = getattr(models, "RELIABILITY_SCALE", None)
    if not scale:
        return "`reliability` is the source's grade, A (most reliable) to F.\n\n"
    return ("`reliability` grades each source on the Admiralty scale: "
            + "; ".join(f"**{k}** {_cell(v)}" for k, v in scale.items()) + ".\n\n")


def _sources_section(catalog: Any) -> str:
    sources = catalog.sources
    graded = any(getattr(s, "reliability", None) is not None for s in sources.values())
    header = ["id", "title", "publisher", "date", "language", "url"] + (["reliability"] if graded else [])
    rows = []
    for sid in sorted(sources):
        s = sources[sid]
        row = [f'<span id="src-{sid.lower()}"></span>{_code(sid)}', _cell(s.title), _cell(s.publisher),
               _cell(s.date), _cell(s.language), f"<{s.url}>"]
        if graded:
            row.append(_grade(s))
        rows.append(row)
    text = "## Sources\n\n"
    if graded:
        text += _scale_legend()
    return text + _table(header, rows)


def catalog_page() -> str:
    """Every catalog entry as a table of figures with spread and sources, then the source list."""
    catalog = load_catalog()
    parts = [
        "# Equipment catalog\n",
        f"Generated at build time from the catalog packaged with iadsim {iadsim.__version__} "
        "(`iadsim.catalog.load_catalog()`; the same figures `iadsim catalog show NAME` prints). "
        "Each figure has a nominal value, a spread where sources disagree and the ids of its "
        "public sources (listed at the end); figures no source gives are marked as assumptions.\n",
    ]
    for kind, title in KIND_TITLES.items():
        names = catalog.names(kind)
        if names:
            parts.append(f"## {title}\n")
            parts += [_entry_section(catalog, n) for n in names]
    parts.append(_sources_section(catalog))
    return "\n".join(parts)


# ---------------------------------------------------------------- tutorials
TUTORIALS_DIR = "tutorials"
TUTORIALS_MARKER = "<!-- tutorials-table -->"


def _notebook_title(path: Any) -> tuple[str, str]:
    """(first ``# `` heading, first paragraph after it) of a notebook's markdown cells."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        lines = "".join(cell.get("source", "")).splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# "):
                para = []
                for rest in lines[i + 1:]:
                    if rest.strip():
                        para.append(rest.strip())
                    elif para:
                        break
                return line[2:].strip(), " ".join(para)
    return path.stem.replace("-", " ").capitalize(), ""


def _notebooks(config: Any) -> list[Any]:
    from pathlib import Path

    return sorted((Path(config["docs_dir"]) / TUTORIALS_DIR).glob("*.ipynb"))


def on_config(config: Any) -> Any:
    """Append every ``docs/tutorials/*.ipynb`` not already in the nav to its Tutorials section."""
    for item in config["nav"] or []:
        if isinstance(item, dict) and isinstance(item.get("Tutorials"), list):
            section = item["Tutorials"]
            listed = repr(section)
            for nb in _notebooks(config):
                uri = f"{TUTORIALS_DIR}/{nb.name}"
                if uri not in listed:
                    section.append({_notebook_title(nb)[0]: uri})
    return config


def _tutorials_table(config: Any) -> str:
    rows = []
    for nb in _notebooks(config):
        title, summary = _notebook_title(nb)
        rows.append([f"[{_cell(title)}]({nb.name})", _cell(summary)])
    return _table(["notebook", "what it shows"], rows)


# ---------------------------------------------------------------- mkdocs events
def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the site."""
    for uri, content in ((SCHEMA_PAGE, schema_page()), (CATALOG_PAGE, catalog_page())):
        files.append(File.generated(config, uri, content=content))
    _on_files_api(files, config)
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace ``{{ iadsim_version }}`` with the package's version and the tutorials marker with
    the table of notebooks."""
    if TUTORIALS_MARKER in markdown:
        markdown = markdown.replace(TUTORIALS_MARKER, _tutorials_table(config))
    return markdown.replace("{{ iadsim_version }}", iadsim.__version__)


# ---------------------------------------------------------------- API reference
#: Public packages with one API page each (``reference/api/<name>.md``), lowest layer first.
API_PACKAGES = {
    "errors": "Errors", "io": "YAML input", "examples": "Packaged examples",
    "catalog": "Catalog", "scenario": "Scenario", "geo": "Geodesy and terrain input",
    "sensors": "Sensors", "world": "World", "coverage": "Coverage", "tracking": "Tracking",
    "engagement": "Engagement", "sim": "Simulation", "api": "Jobs (Python API)",
}


def _submodules(package: str) -> list[str]:
    """``iadsim.<package>`` and its public submodules, listed from the files (nothing imported)."""
    from pathlib import Path

    pkg_dir = Path(iadsim.__file__).resolve().parent / package
    name = f"iadsim.{package}"
    if not pkg_dir.is_dir():
        return [name]
    subs = sorted(p.stem for p in pkg_dir.glob("*.py") if not p.stem.startswith("_"))
    return [name] + [f"{name}.{s}" for s in subs]


def api_page(package: str) -> str:
    """One package's reference: its docstring, then every public submodule's members."""
    mods = _submodules(package)
    parts = [f"# {API_PACKAGES[package]}: `iadsim.{package}`\n",
             "Generated from the docstrings at build time.\n"]
    for name in mods:
        opts = "    options:\n      show_root_heading: true\n      heading_level: 2\n"
        if name == mods[0] and len(mods) > 1:
            opts += "      members: false\n"
        parts.append(f"::: {name}\n{opts}")
    return "\n".join(parts)


def _on_files_api(files: Any, config: Any) -> None:
    for package in API_PACKAGES:
        files.append(File.generated(config, f"reference/api/{package}.md", content=api_page(package)))
