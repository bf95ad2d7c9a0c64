"""Packaging metadata and the packaged demo: one version, LICENSE, CHANGELOG, CITATION.cff, py.typed.

Fast checks on the checkout; ``test_wheel.py`` builds and installs the wheel itself.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import iadsim
from iadsim import examples
from iadsim.errors import IadsimError

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SRC_DEMO = ROOT / "examples" / "turkey-2019"


def test_one_version_read_from_the_package():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "iadsim.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?(a|b|rc|dev|post)\d+)?", iadsim.__version__)


def test_citation_cff_is_valid_1_2_0_and_carries_the_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff.get(key), key
    assert all(isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in cff["authors"])
    assert str(cff["version"]) == iadsim.__version__
    assert cff["license"] == PYPROJECT["project"]["license"] == "Apache-2.0"


def test_license_is_apache_2_and_ships_in_the_metadata():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_changelog_follows_keep_a_changelog_with_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog") and "keepachangelog.com" in text
    assert re.search(r"^## \[Unreleased\]$", text, re.M)
    assert re.search(r"^### Added$", text, re.M)


def test_py_typed_marker_is_package_data():
    assert (ROOT / "src" / "iadsim" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["iadsim"]


def test_packaged_demo_is_byte_identical_to_examples():
    """The wheel's copy (src/iadsim/examples/turkey-2019) must equal examples/turkey-2019; after
    editing the demo, copy it: ``cp -r examples/turkey-2019/. src/iadsim/examples/turkey-2019/``."""
    packaged = examples.path("turkey-2019").parent
    src_files = sorted(p.relative_to(SRC_DEMO) for p in SRC_DEMO.rglob("*") if p.is_file())
    pkg_files = sorted(p.relative_to(packaged) for p in packaged.rglob("*") if p.is_file())
    assert src_files == pkg_files
    for rel in src_files:
        assert filecmp.cmp(SRC_DEMO / rel, packaged / rel, shallow=False), f"{rel} differs"


def test_packaged_demo_is_package_data():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["iadsim.examples"]
    packaged = examples.EXAMPLES_DIR
    for f in (p for p in packaged.rglob("*") if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts):
        rel = f.relative_to(packaged)
        assert any(rel.match(pat) for pat in patterns), f"{rel} is not in package-data"


def test_examples_path_and_names():
    assert examples.names() == ["turkey-2019"]
    p = examples.path("turkey-2019")
    assert p.is_absolute() and p.name == "scenario.yaml" and (p.parent / "terrain" / "globe-ankara.tif").is_file()


def test_unknown_example_is_a_one_line_error_with_a_suggestion():
    with pytest.raises(IadsimError) as err:
        examples.path("turkey")
    msg = str(err.value)
    assert "\n" not in msg and "'turkey'" in msg and "did you mean 'turkey-2019'" in msg


def test_python_m_iadsim_examples_prints_the_path():
    res = subprocess.run([sys.executable, "-m", "iadsim.examples", "path", "turkey-2019"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and Path(res.stdout.strip()) == examples.path("turkey-2019")
    bad = subprocess.run([sys.executable, "-m", "iadsim.examples", "path", "nowhere"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


SMALL = """\
name: version check
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E, mast_m: 20}]
    launchers: [{equipment: 5P85SE2, count: 1}]
threats: []
coverage: {max_range_km: 60, cell_m: 5000, threat_classes: [fighter_4gen], altitudes_m: [5000]}
"""


def test_run_manifest_records_the_package_version(tmp_path):
    from iadsim.api.coverage import run_coverage

    scen = tmp_path / "s.yaml"
    scen.write_text(SMALL, encoding="utf-8")
    run_coverage(scen, tmp_path / "out")
    manifest = yaml.safe_load((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["iadsim_version"] == iadsim.__version__
