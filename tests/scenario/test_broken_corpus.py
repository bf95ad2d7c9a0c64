"""The broken-scenario corpus (``tests/data/broken/*.yaml``): each file fails ``iadsim validate``
with exactly the one-line message written on its first line (``# expect: …``).

``{file}`` stands for the scenario's path and ``{dir}`` for its folder. The resource-limit cases
are checked against a fixed 16 GiB of available memory and the default time budget, so their
messages do not depend on the machine. Regenerate after a deliberate message change with
``IADSIM_WRITE_CORPUS=1 pytest tests/scenario/test_broken_corpus.py`` and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import iadsim.world.budget as budget
from iadsim.catalog import load_catalog
from iadsim.errors import IadsimError
from iadsim.scenario import load_scenario
from iadsim.world.budget import preflight

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken"
CASES = sorted(BROKEN.glob("*.yaml"))


@pytest.fixture(autouse=True)
def fixed_machine(monkeypatch):
    monkeypatch.setattr(budget, "available_memory_bytes", lambda: 16.0 * 2**30)
    for var in ("IADSIM_TIME_BUDGET_S", "IADSIM_YAML_MAX_BYTES", "IADSIM_YAML_MAX_NODES",
                "IADSIM_YAML_MAX_ALIAS_NODES", "IADSIM_YAML_MAX_DEPTH", "IADSIM_MAX_DEM_CELLS"):
        monkeypatch.delenv(var, raising=False)


def validate_message(path: Path) -> str:
    """What ``iadsim validate`` reports for ``path`` (its scenario and DEM checks and budget)."""
    catalog = load_catalog()
    try:
        preflight(load_scenario(path, catalog), catalog)
    except IadsimError as exc:
        return str(exc).replace(str(path), "{file}").replace(str(path.parent), "{dir}")
    return "(no error)"


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_broken_scenario_gives_its_exact_message(path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: <message>'"
    expected = first.removeprefix("# expect: ")
    got = validate_message(path)
    if os.environ.get("IADSIM_WRITE_CORPUS"):
        text = path.read_text(encoding="utf-8").split("\n", 1)
        path.write_text(f"# expect: {got}\n{text[1]}", encoding="utf-8")
        return
    assert "\n" not in got and len(got) < 700
    assert got == expected
