"""The fault fixtures of ``tests/api/conftest.py`` (small scenarios, tmpfs, read-only mount), shared."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_iadsim_fault_fixtures",
                                               Path(__file__).resolve().parents[1] / "api" / "conftest.py")
_fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fx)

h = _fx.h
scen_a = _fx.scen_a
scen_b = _fx.scen_b
small_tmpfs = _fx.small_tmpfs
read_only_dir = _fx.read_only_dir
