"""``report/`` sits below ``api/``: it must not import it at all, not even for type checking (the
old ``TYPE_CHECKING`` import of ``iadsim.api.battle`` made the two packages a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import iadsim

REPORT = Path(iadsim.__file__).parent / "report"


def imported_modules(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_report_never_imports_api():
    files = sorted(REPORT.glob("*.py"))
    assert files
    for f in files:
        bad = {m for m in imported_modules(f) if m == "iadsim.api" or m.startswith("iadsim.api.")}
        assert not bad, (f.name, bad)
