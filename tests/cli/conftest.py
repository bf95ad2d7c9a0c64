"""The fault fixtures of ``tests/api/conftest.py`` (small scenarios, tmpfs, read-only mount), shared."""

from __future__ import annotations

from ..api.conftest import h, read_only_dir, scen_a, scen_b, small_tmpfs  # noqa: F401
