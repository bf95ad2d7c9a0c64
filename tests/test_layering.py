"""Data flows one way: a module imports only from its own layer or lower ones (DEVELOPERS.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "iadsim"

LAYERS = {
    "errors": 0, "io": 0, "examples": 0,
    "catalog": 1, "scenario": 1,
    "geo": 2,
    "sensors": 3,
    "world": 4,
    "coverage": 5, "tracking": 5, "engagement": 5,
    "sim": 6,
    "montecarlo": 7,
    "report": 8, "api": 8, "web": 8, "export": 8,
    "cli": 9, "__main__": 9,
}
# Array-only cores that must not need the scenario machinery (see DEVELOPERS.md).
PURE_CORES = {"tracking": {"errors", "io", "geo", "sensors", "tracking"},
              "engagement": {"errors", "io", "geo", "engagement"}}


def _top(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "iadsim" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def _layer_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 or rel.stem != "__init__" else "__init__"


def test_every_package_has_a_layer():
    for p in _modules():
        name = _layer_of(p)
        if name == "__init__":
            continue
        assert name in LAYERS, f"{p.relative_to(SRC)}: package {name!r} has no layer in tests/test_layering.py"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_downwards(path: Path):
    own = _layer_of(path)
    if own == "__init__":
        return
    for lineno, module in _imports(path):
        target = _top(module)
        if target is None:
            continue
        assert LAYERS[target] <= LAYERS[own], (
            f"{path.relative_to(SRC)}:{lineno} imports iadsim.{target} (layer {LAYERS[target]}) "
            f"from layer {LAYERS[own]} ({own})"
        )
        if own in PURE_CORES:
            assert target in PURE_CORES[own], (
                f"{path.relative_to(SRC)}:{lineno}: the {own} core may not import iadsim.{target}"
            )
