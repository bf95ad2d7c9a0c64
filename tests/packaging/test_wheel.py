"""The wheel installs into a fresh virtualenv and runs the packaged demo outside the checkout.

Build the wheel (``python -m build --wheel --no-isolation``, from a copy of the sources so the
checkout is not touched), create a venv in a temporary directory, install ``requirements/lock.txt``
and then the wheel with ``--no-deps``, and run ``iadsim run`` on ``iadsim.examples`` from a
directory outside the checkout. Checks that ``report.html`` is written and that the wheel, the
installed package and the run manifest carry the checkout's ``iadsim.__version__``.
pip uses its usual indexes and cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import iadsim

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 1800


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=TIMEOUT_S, **kw)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(MPLBACKEND="Agg", NUMBA_CACHE_DIR=str(tmp / "numba-cache"))
    return env


def _build_wheel(tmp: Path) -> Path:
    _run(["bash", ROOT / "scripts" / "build_web.sh", "--if-missing"], cwd=ROOT)  # the viewer ships built
    src = tmp / "source"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    dist = tmp / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, src], cwd=src)
    wheels = list(dist.glob("iadsim-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_runs_the_packaged_demo(tmp_path):
    wheel = _build_wheel(tmp_path)
    version = iadsim.__version__
    assert wheel.name.startswith(f"iadsim-{version}-")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for needed in ("iadsim/py.typed", "iadsim/examples/turkey-2019/scenario.yaml",
                   "iadsim/examples/turkey-2019/terrain/globe-ankara.tif",
                   "iadsim/web/static/index.html", "iadsim/web/static/viewer.js",
                   f"iadsim-{version}.dist-info/licenses/LICENSE"):
        assert needed in names, needed
    assert any(n.startswith("iadsim/catalog/data/radars/") for n in names)

    env = _clean_env(tmp_path)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], env=env)
    py = venv / "bin" / "python"
    _run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", ROOT / "requirements" / "lock.txt"], env=env)
    _run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps", wheel], env=env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    info = _run([py, "-c", "import iadsim, sys; print(iadsim.__file__); print(iadsim.__version__)"],
                cwd=elsewhere, env=env).stdout.split()
    assert Path(info[0]).is_relative_to(venv) and info[1] == version
    scenario = Path(_run([py, "-m", "iadsim.examples", "path", "turkey-2019"], cwd=elsewhere, env=env).stdout.strip())
    assert scenario.is_relative_to(venv) and scenario.is_file()

    _run([venv / "bin" / "iadsim", "run", scenario, "-o", "demo-run"], cwd=elsewhere, env=env)
    out = elsewhere / "demo-run"
    assert (out / "report.html").is_file() and (out / "report.html").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["iadsim_version"] == version
