"""A served folder with one finished small run (two altitude layers), shared by the web tests."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Small smooth-earth scenario: a fighter raid on one site, two altitude layers (runs in seconds).
SCENARIO = """\
name: {name}
run: {{seed: 7, time_step_s: 2}}
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}}, {{equipment: 91N6E, mast_m: 10}}]
    launchers: [{{equipment: 5P85SE2, count: 2, load: {{48N6E3: 4}}}}]
defended_assets: [{{name: City, lat_deg: 40.0, lon_deg: 32.6, value: 10}}]
threats:
  - name: F
    class: fighter_4gen
    count: 3
    spacing_s: 10
    route:
      - {{lat_deg: 41.5, lon_deg: 32.6, alt_m: {alt}, speed_mps: 250}}
      - {{lat_deg: 40.0, lon_deg: 32.6, alt_m: {alt}, speed_mps: 250}}
coverage: {{max_range_km: {range_km}, cell_m: 4000, threat_classes: [fighter_4gen], altitudes_m: {alts}}}
engagement: {{doctrine: shoot-look-shoot, salvo_size: 2}}
"""

BROKEN = """\
name: broken
run: {seed: 7, time_step_s: 2}
sites:
  - name: S
    lat_deg: 140.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E}]
threats: []
"""


def scenario_text(name: str = "small", alts: str = "[300, 8000]", range_km: int = 260, alt: int = 8000) -> str:
    return SCENARIO.format(name=name, alts=alts, range_km=range_km, alt=alt)


@pytest.fixture(scope="session")
def served(tmp_path_factory) -> Path:
    """A folder with ``scenarios/small.yaml`` and its finished run ``small-run``."""
    from iadsim.api import run_all

    root = tmp_path_factory.mktemp("served")
    (root / "scenarios").mkdir()
    scen = root / "scenarios" / "small.yaml"
    scen.write_text(scenario_text(), encoding="utf-8")
    run_all(scen, root / "small-run", figures=False)
    return root


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where browser screenshots go (kept after the run; CI may upload the folder)."""
    out = Path(os.environ.get("IADSIM_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "web"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="session")
def server(served):
    """uvicorn serving the viewer over ``served`` on 127.0.0.1, on an ephemeral port, in a thread."""
    import uvicorn

    from iadsim.web import create_app

    config = uvicorn.Config(create_app(served), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    host, port = srv.servers[0].sockets[0].getsockname()[:2]
    try:
        yield SimpleNamespace(url=f"http://{host}:{port}", root=served, host=host)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
