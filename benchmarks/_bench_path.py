"""Imported first by every benchmark script: ``python benchmarks/NAME.py`` puts ``benchmarks/`` first
on ``sys.path``, where ``coverage.py`` (the coverage benchmark) would shadow the ``coverage`` package
that numba imports when it looks for coverage support."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != _HERE]
