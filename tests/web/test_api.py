"""The viewer's JSON API (FastAPI TestClient): runs, layers, tables, uploads, validation, runs, limits."""

from __future__ import annotations

import importlib.util
import io
import json
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from iadsim.web import DEFAULT_HOST, MAX_UPLOAD_BYTES, create_app

_spec = importlib.util.spec_from_file_location("_web_conftest", Path(__file__).with_name("conftest.py"))
_cf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cf)


@pytest.fixture(scope="module")
def client(served):
    return TestClient(create_app(served))


def _png(content: bytes) -> np.ndarray:
    from matplotlib.image import imread

    return imread(io.BytesIO(content), format="png")


def test_runs_and_run_detail(client):
    runs = client.get("/api/runs").json()
    assert [r["name"] for r in runs] == ["small-run"] and runs[0]["complete"] is True
    d = client.get("/api/runs/small-run").json()
    assert [s["name"] for s in d["sites"]] == ["S"] and d["sites"][0]["lat_deg"] == 40.0
    rings = {(r["kind"], r["name"]): r["range_km"] for r in d["sites"][0]["rings"]}
    assert rings[("radar", "91N6E")] == 600 and ("missile", "48N6E3") in rings
    assert {layer["altitude_m"] for layer in d["layers"]} == {300.0, 8000.0}
    assert {"truth", "tracks", "shots", "outcomes", "events", "detections"} <= set(d["tables"])


def test_coverage_layers_differ_by_altitude_and_bound_the_site(client):
    q = {"site": "S", "threat_class": "fighter_4gen", "product": "detection"}
    low = client.get("/api/runs/small-run/coverage", params={**q, "altitude_m": 300}).json()
    w, s, e, n = low["bounds"]
    assert w < 32.5 < e and s < 40.0 < n
    img = {a: _png(client.get("/api/runs/small-run/coverage.png", params={**q, "altitude_m": a}).content)
           for a in (300, 8000)}
    covered = {a: float((im[..., 3] > 0).mean()) for a, im in img.items()}
    # a low flier is seen only to the radar horizon (~80 km at 300 m); a high one much farther
    assert 0 < covered[300] < 0.5 * covered[8000]


@pytest.mark.parametrize("params", [
    {"site": "S", "threat_class": "fighter_4gen", "product": "detection", "altitude_m": 1234},
    {"site": "T", "threat_class": "fighter_4gen", "product": "detection", "altitude_m": 300},
    {"site": "S", "threat_class": "lo_fighter", "product": "pd", "altitude_m": 300},
])
def test_missing_layer_is_404(client, params):
    assert client.get("/api/runs/small-run/coverage.png", params=params).status_code == 404


def test_tables_page_and_unknown_table(client):
    truth = client.get("/api/runs/small-run/tables/truth", params={"limit": 5, "offset": 2}).json()
    assert truth["total"] > 5 and len(truth["rows"]) == 5 and truth["offset"] == 2
    assert {"t_s", "lat_deg", "lon_deg", "threat_id"} <= set(truth["rows"][0])
    shots = client.get("/api/runs/small-run/tables/shots").json()["rows"]
    assert shots and all(s["t_intercept_s"] >= s["t_launch_s"] for s in shots)
    assert client.get("/api/runs/small-run/tables/secrets").status_code == 422


@pytest.mark.parametrize("url", [
    "/api/runs/..", "/api/runs/...", "/api/runs/%2e%2e", "/api/runs/..%2F..%2Fetc",
    "/api/runs/small-run/coverage.png?site=..&threat_class=fighter_4gen&product=pd&altitude_m=300",
    "/api/runs/small-run/coverage.png?site=S&threat_class=..%2F..%2Fx&product=pd&altitude_m=300",
    "/api/sweeps/..", "/api/sweeps/..%2F..%2Fetc", "/api/sweeps/small-run",
    "/api/runs/small-run/tables/..%2Fmanifest",
    "/api/scenarios/..%2F..%2Fetc%2Fpasswd",
    "/api/scenarios/.hidden",
])
def test_path_traversal_is_refused_with_4xx(client, url):
    r = client.get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code)
    assert "root:" not in r.text


def test_traversal_in_upload_names_writes_nothing_outside(client, served):
    for name in ("..%2Fevil", "%2E%2E", "a%2F..%2F..%2Fevil", ".evil"):
        r = client.put(f"/api/scenarios/{name}", json={"text": "name: x\n"})
        assert 400 <= r.status_code < 500, name
    assert not any(p.name.startswith("evil") for p in served.parent.rglob("evil*"))
    r = client.post("/api/runs", json={"scenario": "small", "run": "../outside"})
    assert r.status_code == 400 and not (served.parent / "outside").exists()


def test_oversize_upload_is_413(client, served):
    big = json.dumps({"text": "#" * (MAX_UPLOAD_BYTES + 10)})
    assert client.put("/api/scenarios/big", content=big, headers={"content-type": "application/json"}).status_code == 413
    assert client.post("/api/validate", content=big, headers={"content-type": "application/json"}).status_code == 413

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(20):
            yield b" " * 100_000

    assert client.put("/api/scenarios/big", content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    assert not (served / "scenarios" / "big.yaml").exists()


def test_validate_returns_a_located_error(client):
    res = client.post("/api/validate", params={"name": "broken.yaml"}, json={"text": _cf.BROKEN}).json()
    assert res["ok"] is False
    (err,) = res["errors"]
    assert (err["file"], err["line"], err["column"]) == ("broken.yaml", 5, 14)
    assert err["field"] == "sites[0].lat_deg" and err["message"]
    ok = client.post("/api/validate", json={"text": _cf.scenario_text()}).json()
    assert ok["ok"] is True and ok["errors"] == [] and ok["estimate"]


def test_dem_outside_the_served_folder_is_refused(client, tmp_path):
    text = _cf.scenario_text().replace("run: {seed: 7, time_step_s: 2}\n",
                                       "run: {seed: 7, time_step_s: 2}\nenvironment: {dem: /etc/passwd}\n")
    res = client.post("/api/validate", params={"name": "dem.yaml"}, json={"text": text}).json()
    assert res["ok"] is False and res["errors"][0]["field"] == "environment.dem"
    assert res["errors"][0]["line"] == 3


def test_upload_validate_run_and_poll_to_done(served):
    client = TestClient(create_app(served))
    put = client.put("/api/scenarios/tiny", json={"text": _cf.scenario_text("tiny", "[5000]", 120)}).json()
    assert put["ok"] is True and (served / "scenarios" / "tiny.yaml").is_file()
    assert client.get("/api/scenarios").json().count("tiny") == 1
    job = client.post("/api/runs", json={"scenario": "tiny", "run": "tiny-api"})
    assert job.status_code == 202
    job_id = job.json()["id"]
    deadline = time.monotonic() + 600  # a hang guard, not a speed assertion
    while (state := client.get(f"/api/jobs/{job_id}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert state["state"] == "done" and state["progress"] == 1.0, state
    assert "tiny-api" in [r["name"] for r in client.get("/api/runs").json()]
    again = client.post("/api/runs", json={"scenario": "tiny", "run": "tiny-api"})
    assert again.status_code == 409


def test_run_of_an_invalid_or_missing_scenario(client, served):
    assert client.post("/api/runs", json={"scenario": "nosuch"}).status_code == 404
    client.put("/api/scenarios/bad", json={"text": _cf.BROKEN})
    r = client.post("/api/runs", json={"scenario": "bad"})
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 5


def test_default_bind_is_loopback(monkeypatch, served):
    import uvicorn

    from iadsim.cli.main import main
    from iadsim.web import serve

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    serve(served)
    assert main(["serve", str(served)]) == 0
    assert DEFAULT_HOST == "127.0.0.1"
    assert [c["host"] for c in calls] == ["127.0.0.1", "127.0.0.1"]
    assert main(["serve", str(served), "--host", "0.0.0.0", "--port", "9999"]) == 0
    assert (calls[-1]["host"], calls[-1]["port"]) == ("0.0.0.0", 9999)


def test_serving_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    from iadsim.cli.main import main
    from iadsim.errors import InputError

    with pytest.raises(InputError):
        create_app(tmp_path / "nope")
    assert main(["serve", str(tmp_path / "nope")]) == 3  # an input error (see `iadsim --help`)
    err = capsys.readouterr().err.strip()
    assert "nope" in err and "not a folder" in err and "Traceback" not in err


def test_sweep_summary(served, tmp_path):
    """A folder in the layout of ``iadsim sweep`` (sweep.json, results/p*.parquet): per-point statistics."""
    import pandas as pd

    root = tmp_path / "root"
    (root / "sw" / "results").mkdir(parents=True)
    (root / "sw" / "sweep.json").write_text(json.dumps({"hash": "x", "points": [{}, {}]}))
    rows = pd.DataFrame({"point": [0, 0, 1, 1], "rep": [0, 1, 0, 1], "seed": [1, 2, 3, 4],
                         "killed": [3, 5, 1, 1], "leaked": [1, 0, 2, 4]})
    rows.iloc[:2].to_parquet(root / "sw" / "results" / "p000000-r0000000.parquet")
    rows.iloc[2:].to_parquet(root / "sw" / "results" / "p000001-r0000000.parquet")
    client = TestClient(create_app(root))
    assert client.get("/api/sweeps").json() == [{"name": "sw", "batches": 2}]
    s = client.get("/api/sweeps/sw").json()
    assert s["rows"] == 4 and s["definition"]["hash"] == "x"
    assert [p["killed"]["mean"] for p in s["summary"]] == [4.0, 1.0]
    assert s["summary"][1]["leaked"]["max"] == 4.0 and "seed" not in s["summary"][0]


def _sweep_scenario(name: str) -> str:
    """The small scenario under perfect perception (a replication takes milliseconds)."""
    return _cf.scenario_text(name, "[5000]", 120).replace("salvo_size: 2}", "salvo_size: 2, tracking: perfect}")


def _poll(client, job_id: str) -> dict:
    deadline = time.monotonic() + 600  # a hang guard, not a speed assertion
    seen = []
    while (state := client.get(f"/api/jobs/{job_id}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        seen.append(state["progress"])
        time.sleep(0.2)
    assert seen == sorted(seen), seen  # progress never goes back
    return state


def test_start_a_sweep_and_poll_to_done(served):
    client = TestClient(create_app(served))
    assert client.put("/api/scenarios/sw-tiny", json={"text": _sweep_scenario("sw-tiny")}).json()["ok"] is True
    job = client.post("/api/sweeps", json={"scenario": "sw-tiny", "sweep": "sw-api", "replications": 2,
                                           "vary": ["engagement.salvo_size=1,2"]})
    assert job.status_code == 202, job.text
    assert job.json()["kind"] == "sweep" and job.json()["run"] == "sw-api"
    state = _poll(client, job.json()["id"])
    assert state["state"] == "done" and state["progress"] == 1.0, state
    assert (state["done"], state["total"]) == (4, 4) and "4/4 replications" in state["message"]
    assert "sw-api" in [s["name"] for s in client.get("/api/sweeps").json()]
    s = client.get("/api/sweeps/sw-api").json()
    assert s["rows"] == 4 and [p["point"] for p in s["summary"]] == [0, 1]
    assert s["definition"]["definition"]["vary"] == [["engagement.salvo_size", [1, 2]]]
    assert all(p["killed"]["count"] == 2 for p in s["summary"])
    again = client.post("/api/sweeps", json={"scenario": "sw-tiny", "sweep": "sw-api", "replications": 2})
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    named = client.post("/api/sweeps", json={"scenario": "sw-tiny", "replications": 1, "vary": []})
    assert named.status_code == 202 and named.json()["run"] == "sw-tiny-sweep1"
    assert _poll(client, named.json()["id"])["state"] == "done"


def test_a_second_job_while_one_runs_is_409(served, monkeypatch):
    import threading

    from iadsim.api import sweep as sweep_mod

    client = TestClient(create_app(served))
    client.put("/api/scenarios/sw-busy", json={"text": _sweep_scenario("sw-busy")})
    gate = threading.Event()
    monkeypatch.setattr(sweep_mod, "sweep", lambda *a, **k: gate.wait(60))
    first = client.post("/api/sweeps", json={"scenario": "sw-busy", "sweep": "sw-busy-1", "replications": 1})
    assert first.status_code == 202
    try:
        second = client.post("/api/sweeps", json={"scenario": "sw-busy", "sweep": "sw-busy-2", "replications": 1})
        run = client.post("/api/runs", json={"scenario": "sw-busy", "run": "sw-busy-run"})
        assert second.status_code == 409 and run.status_code == 409
    finally:
        gate.set()
    assert _poll(client, first.json()["id"])["state"] == "done"


@pytest.mark.parametrize("body, status, field", [
    ({"scenario": "nosuch", "replications": 2}, 404, None),
    ({"scenario": "sw-bad", "replications": 2}, 422, None),
    ({"scenario": "sw-ok", "replications": 2, "vary": ["engagement.nosuch=1,2"]}, 422, "engagement.nosuch"),
    ({"scenario": "sw-ok", "replications": 2, "vary": ["engagement.salvo_size=4:1:1"]}, 422, "engagement.salvo_size"),
    ({"scenario": "sw-ok", "replications": 2, "uncertain": ["NOPE.figure"]}, 422, None),
    ({"scenario": "sw-ok", "replications": 2, "vary": ["engagement.salvo_size=1:20:1", "threats[0].count=1:20:1"]},
     422, "vary"),
    ({"scenario": "sw-ok", "replications": 0}, 422, None),
    ({"scenario": "sw-ok", "replications": 1001}, 422, None),
    ({"scenario": "sw-ok", "replications": 2, "sweep": "../escape"}, 400, None),
    ({"scenario": "sw-ok", "replications": 2, "sweep": "scenarios"}, 409, None),
    ({"scenario": "sw-ok", "replications": 2, "sweep": "small-run"}, 409, None),
])
def test_bad_sweep_requests(client, served, body, status, field):
    client.put("/api/scenarios/sw-bad", json={"text": _cf.BROKEN})
    client.put("/api/scenarios/sw-ok", json={"text": _sweep_scenario("sw-ok")})
    before = {p.name for p in served.iterdir()}
    r = client.post("/api/sweeps", json=body)
    assert r.status_code == status, r.text
    if status == 422 and "errors" in r.json():
        err = r.json()["errors"][0]
        assert "\n" not in err["text"] and err["message"]
        if field:
            assert err["field"] == field, err
        if body["scenario"] == "sw-bad":
            assert err["line"] == 5
    assert {p.name for p in served.iterdir()} == before  # nothing started, nothing written
