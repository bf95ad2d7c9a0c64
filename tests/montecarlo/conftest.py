"""Small smooth-earth scenarios for sweeps (a replication takes milliseconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import small_scenario_yaml


def small_scenario(folder: Path, *, count: int = 3, doctrine: str = "shoot-look-shoot", tracking: str = "perfect",
                   name: str = "small.yaml", run: str = "{seed: 11, time_step_s: 2}") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(small_scenario_yaml("mc small", run=run, count=count,
                                        engagement=f"{{doctrine: {doctrine}, salvo_size: 2, tracking: {tracking}}}"),
                    encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return small_scenario(tmp_path / "scen")
