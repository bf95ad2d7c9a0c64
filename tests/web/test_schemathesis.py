"""Schemathesis against the viewer's own OpenAPI schema: no request makes the server answer 5xx."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from iadsim.web import create_app

# The schema is loaded at collection time, so the app serves a folder made now; the finished run is
# copied in by the fixture below (the app reads run folders per request). No scenario is copied:
# the only scenarios POST /api/runs can name are the fuzzer's own uploads, never valid, so no
# simulation starts.
FUZZ_ROOT = Path(tempfile.mkdtemp(prefix="iadsim-fuzz-"))
atexit.register(shutil.rmtree, FUZZ_ROOT, True)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(FUZZ_ROOT))


@pytest.fixture(scope="module", autouse=True)
def _finished_run(served):
    if not (FUZZ_ROOT / "small-run").exists():
        shutil.copytree(served / "small-run", FUZZ_ROOT / "small-run")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case):
    """Every operation with generated (bounded: 25 examples each) inputs answers without a 5xx."""
    case.call_and_validate(checks=[not_a_server_error])
