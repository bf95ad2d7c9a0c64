"""Helpers for catalog tests: write small catalog directories into tmp_path."""

from __future__ import annotations

import pytest

from iadsim.catalog import PACKAGED_DIR


@pytest.fixture
def packaged_text():
    """Text of a packaged entry file, by relative path (e.g. 'missiles/48N6E2.yaml')."""
    return lambda rel: (PACKAGED_DIR / rel).read_text(encoding="utf-8")
