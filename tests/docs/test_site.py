"""The documentation site builds with ``mkdocs build --strict`` and its generated pages hold real content.

The scenario schema and the catalog pages are generated at build time from the package
(``docs/_hooks/generate.py``); these tests check that they carry what the models and the packaged
catalog hold (a field, a radar, a source URL) and that the site prints the package's version.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import iadsim
from iadsim.catalog import load_catalog
from iadsim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "docs" / "tutorials"


def _hook():
    spec = importlib.util.spec_from_file_location("iadsim_docs_hook", ROOT / "docs" / "_hooks" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build the site once (strict, offline) into a temporary directory."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["NO_MKDOCS_2_WARNING"] = "1"
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                          "-d", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"mkdocs build --strict failed:\n{res.stdout}\n{res.stderr}"
    return out


def _page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text(encoding="utf-8")


def test_schema_page_holds_the_model_fields(site):
    html = _page(site, "reference/scenario-schema")
    assert "mast_m" in html and "Antenna height above ground, metres" in html
    assert "RadarPlacement" in html and "k_factor" in html


def test_catalog_page_holds_every_entry_with_figures_and_source_urls(site):
    html = _page(site, "reference/catalog")
    cat = load_catalog()
    for name in cat.names():
        assert f'id="entry-{name.lower()}"' in html, name
    radar = cat.radar("92N6E")
    assert "detection_reference.range_km" in html
    for sid in radar.detection_reference.range_km.sources:
        assert cat.sources[sid].url in html, sid


def test_site_prints_the_package_version(site):
    assert f"iadsim {iadsim.__version__}" in _page(site, "")
    assert iadsim.__version__ in _page(site, "reference/catalog")


def test_every_tutorial_is_rendered(site):
    for nb in sorted(TUTORIALS.glob("*.ipynb")):
        assert (site / "tutorials" / nb.stem / "index.html").is_file(), nb.name


def test_api_and_methodology_pages_exist(site):
    assert "radar_constant_from_reference" in _page(site, "reference/api/sensors")
    html = _page(site, "methodology")
    for term in ("SNR_ref", "Swerling", "Albersheim", "Shnidman", "4/3", "GOSPA", "PCRLB", "Joseph"):
        assert term in html, term


def test_schema_generator_lists_every_field_of_every_model():
    page = _hook().schema_page()
    schema = Scenario.model_json_schema()
    models = {"Scenario": schema, **schema["$defs"]}
    for name, model in models.items():
        assert f"## {name} " in page, name
        for field in model.get("properties", {}):
            assert f"<code>{field}</code>" in page, f"{name}.{field}"


def test_catalog_generator_shows_spread_sources_and_reliability_if_the_model_has_it():
    page = _hook().catalog_page()
    cat = load_catalog()
    fig = cat.radar("92N6E").detection_reference.range_km
    assert f"{fig.low:g} – {fig.high:g}" in page
    graded = any(getattr(s, "reliability", None) is not None for s in cat.sources.values())
    assert ("| url | reliability |" in page) == graded


def test_every_tutorial_is_in_the_nav_and_the_index(site):
    nav = _page(site, "tutorials")
    for nb in sorted(TUTORIALS.glob("*.ipynb")):
        assert f'href="{nb.stem}/"' in nav, f"{nb.name} is not linked from the tutorials index"
        assert f'href="../tutorials/{nb.stem}/"' in _page(site, "install"), f"{nb.name} is not in the nav"


def test_every_tutorial_stores_its_outputs():
    notebooks = sorted(TUTORIALS.glob("*.ipynb"))
    assert notebooks, "docs/tutorials holds no notebook"
    for nb in notebooks:
        cells = yaml.safe_load(nb.read_text(encoding="utf-8"))["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(c.get("execution_count") for c in code), f"{nb.name}: store the executed outputs"
