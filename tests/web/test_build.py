"""The viewer's front end is built from pinned npm packages, works offline and ships in the wheel."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def test_static_front_end_is_package_data_and_built_by_setuptools():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["setuptools"]["package-data"]["iadsim.web"] == ["static/*"]
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "build_web.sh" in setup and "build_py" in setup


def test_npm_dependencies_are_pinned_by_the_lock_file():
    pkg = json.loads((WEB / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in {**pkg["dependencies"], **pkg["devDependencies"]}.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)  # exact pins
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "world-atlas" in pkg["dependencies"] and "leaflet" in pkg["dependencies"]


def test_front_end_sources_load_nothing_from_the_internet():
    """No tile server, web font or CDN: the page references only its own files and the API."""
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    js = (WEB / "src" / "main.js").read_text(encoding="utf-8")
    assert "tileLayer" not in js and not re.search(r"https?://", js)
    css = (WEB / "src" / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css
