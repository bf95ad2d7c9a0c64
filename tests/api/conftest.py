"""Small smooth-earth scenarios that run in about a second, and a small tmpfs for disk faults."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..conftest import small_scenario_yaml


def write_scenario(folder: Path, name: str = "A", lon: float = 32.5, file: str | None = None) -> Path:
    """A scenario file named ``file`` (default ``<name>.yaml``) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (file or f"{name}.yaml")
    path.write_text(small_scenario_yaml(name, lon=lon), encoding="utf-8")
    return path


@pytest.fixture
def scen_a(tmp_path: Path) -> Path:
    return write_scenario(tmp_path / "scen", "A", 32.5)


@pytest.fixture
def scen_b(tmp_path: Path) -> Path:
    return write_scenario(tmp_path / "scen", "B", 32.4)


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def hidden_leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir()
                  if p.name.startswith(".") and (".partial-" in p.name or ".old-" in p.name))


def looks_complete(folder: Path) -> bool:
    """A folder a reader would take for a finished run: a manifest that says complete."""
    import json

    m = folder / "manifest.json"
    if not m.is_file():
        return False
    try:
        return json.loads(m.read_text()).get("complete") is True
    except ValueError:
        return False


@pytest.fixture
def h():
    """The helpers above, for tests (conftest modules are not importable under importlib mode)."""
    return SimpleNamespace(write_scenario=write_scenario, files_under=files_under,
                           hidden_leftovers=hidden_leftovers, looks_complete=looks_complete)


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 300 KiB tmpfs (real ENOSPC); skipped where mounting is not allowed (needs root)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mnt)], capture_output=True)
    if res.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the fault-injection tests cover ENOSPC")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.fixture
def read_only_dir(tmp_path: Path):
    """A folder bind-mounted read-only (root ignores permission bits, not a read-only mount)."""
    d = tmp_path / "ro"
    d.mkdir()
    res = subprocess.run(["mount", "-o", "bind,ro", str(d), str(d)], capture_output=True)
    if res.returncode != 0:
        pytest.skip("cannot bind-mount read-only here (needs root); the fault-injection test covers EROFS")
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)
