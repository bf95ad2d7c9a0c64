"""The FastAPI application of ``iadsim serve`` (module docstring of :mod:`iadsim.web`)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from iadsim.web import data, jobs
from iadsim.web.paths import SCENARIO_DIR, check_name, confined, run_dir, scenario_file

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_UPLOAD_BYTES = 1_000_000
STATIC = Path(__file__).parent / "static"

TableName = Literal["detections", "tracks", "truth", "events", "outcomes", "shots", "expended", "gospa"]
Product = Literal["detection", "track", "engagement", "pd"]


class ScenarioText(BaseModel):
    text: str = Field(max_length=MAX_UPLOAD_BYTES, description="Scenario YAML.")


class RunRequest(BaseModel):
    scenario: str = Field(max_length=64, description="Name of a scenario under DIR/scenarios (without .yaml).")
    run: str | None = Field(default=None, max_length=64, description="New run folder name inside DIR.")


MAX_SWEEP_REPLICATIONS = 1000  # per point
MAX_SWEEP_POINTS = 100  # the cross product of the vary lists
_Spec = Annotated[str, Field(min_length=1, max_length=200)]


class SweepRequest(BaseModel):
    scenario: str = Field(max_length=64, description="Name of a scenario under DIR/scenarios (without .yaml).")
    sweep: str | None = Field(default=None, max_length=64, description="New sweep folder name inside DIR.")
    replications: int = Field(ge=1, le=MAX_SWEEP_REPLICATIONS, description="Replications per sweep point.")
    vary: list[_Spec] | None = Field(default=None, max_length=8,
                                     description="PATH=VALUES strings, as `iadsim sweep --vary` (default: the "
                                                 "scenario's sweep section).")
    uncertain: list[_Spec] | None = Field(default=None, max_length=32,
                                          description="`catalog` or ENTRY.FIGURE names sampled per replication.")


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is refused with 413 before it is read whole."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await _too_large(send, self.limit)
        seen, refused = 0, False

        async def limited():
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                seen += len(message.get("body", b""))
                if seen > self.limit:  # answer now; the app sees the client go away
                    refused = True
                    await _too_large(send, self.limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            return await self.app(scope, limited, guarded_send)
        except Exception:
            if not refused:
                raise


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"detail": f"request body over the {limit} byte limit"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(root: str | Path, *, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> FastAPI:
    """The viewer over the folder ``root`` (run folders, and uploaded scenarios in ``root/scenarios``)."""
    root = Path(root).resolve()
    if not root.is_dir():
        from iadsim.errors import InputError

        raise InputError("not a folder; give a folder of runs written by `iadsim run`", file=root)
    app = FastAPI(title="iadsim viewer", version=_version(), docs_url="/api/docs", openapi_url="/api/openapi.json")
    runner = jobs.JobRunner(root)
    app.state.root, app.state.runner = root, runner
    _api_runs(app, root)
    _api_scenarios(app, root, runner)
    _static(app)
    return BodyLimit(app, max_upload_bytes)  # type: ignore[return-value]


def _version() -> str:
    import iadsim

    return iadsim.__version__


def _api_runs(app: FastAPI, root: Path) -> None:
    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/runs")
    def runs() -> list[dict[str, Any]]:
        """Every run folder (a child of DIR with ``manifest.json``)."""
        return data.list_runs(root)

    @app.get("/api/runs/{run}")
    def run_info(run: str) -> dict[str, Any]:
        """A run: sites with nominal rings, defended assets, coverage layers, tables."""
        return data.run_detail(run_dir(root, run))

    def layer(run, site, threat_class, product, altitude_m):
        path = run_dir(root, run)
        return data.coverage_png(path, check_name(site, "site"), check_name(threat_class, "threat_class"),
                                 product, altitude_m)

    alt_q = Query(ge=-1000.0, le=100_000.0, allow_inf_nan=False)

    @app.get("/api/runs/{run}/coverage")
    def coverage(run: str, site: str, threat_class: str, product: Product, altitude_m: float = alt_q) -> dict[str, Any]:
        """A coverage layer's WGS84 bounds ``[west, south, east, north]`` and the URL of its PNG."""
        _, bounds = layer(run, site, threat_class, product, altitude_m)
        from urllib.parse import urlencode

        q = urlencode({"site": site, "threat_class": threat_class, "product": product, "altitude_m": altitude_m})
        return {"bounds": bounds, "url": f"/api/runs/{run}/coverage.png?{q}"}

    @app.get("/api/runs/{run}/coverage.png", response_class=Response,
             responses={200: {"content": {"image/png": {}}}})
    def coverage_png(run: str, site: str, threat_class: str, product: Product, altitude_m: float = alt_q) -> Response:
        """The layer as a PNG in Web Mercator (bounds in the ``X-Bounds`` header)."""
        png, bounds = layer(run, site, threat_class, product, altitude_m)
        return Response(png, media_type="image/png", headers={"X-Bounds": json.dumps(bounds),
                                                               "Cache-Control": "max-age=3600"})

    @app.get("/api/runs/{run}/tables/{table}")
    def table(run: str, table: TableName, limit: int = Query(10_000, ge=1, le=data.MAX_ROWS),
              offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
        """Rows of detections, tracks, truth, events, outcomes, shots, expended or gospa."""
        return data.table_records(run_dir(root, run), table, limit, offset)

    @app.get("/api/sweeps")
    def sweeps() -> list[dict[str, Any]]:
        """Every sweep folder of DIR (written by ``iadsim sweep``: ``sweep.json`` and ``results/*.parquet``)."""
        return data.list_sweeps(root)

    @app.get("/api/sweeps/{sweep}")
    def sweep(sweep: str) -> dict[str, Any]:
        """A sweep's definition and, per point, the replications' count, mean, std, min and max of each metric."""
        path = confined(root, check_name(sweep, "sweep"))
        if not (path / "sweep.json").is_file():
            raise HTTPException(404, f"sweep {sweep!r} not found")
        return data.sweep_summary(path)


def _api_scenarios(app: FastAPI, root: Path, runner: jobs.JobRunner) -> None:
    sdir = root / SCENARIO_DIR

    @app.get("/api/scenarios")
    def scenarios() -> list[str]:
        """Scenario names stored under ``DIR/scenarios``."""
        return sorted(p.stem for p in sdir.glob("*.yaml")) if sdir.is_dir() else []

    @app.get("/api/scenarios/{name}")
    def get_scenario(name: str) -> dict[str, str]:
        path = scenario_file(root, name)
        if not path.is_file():
            raise HTTPException(404, f"scenario {name!r} not found")
        return {"name": path.stem, "text": path.read_text(encoding="utf-8", errors="replace")}

    @app.put("/api/scenarios/{name}")
    def put_scenario(name: str, body: ScenarioText) -> dict[str, Any]:
        """Store (create or replace) a scenario and validate it; the result carries located errors."""
        path = scenario_file(root, name)
        sdir.mkdir(exist_ok=True)
        path.write_text(body.text, encoding="utf-8")
        return {"name": path.stem, **jobs.validate_text(body.text, path.name, sdir, root)}

    @app.post("/api/validate")
    def validate(body: ScenarioText, name: str = Query("scenario.yaml", max_length=64)) -> dict[str, Any]:
        """Validate scenario YAML without storing it: ``{ok, errors: [{file, line, column, field, message}]}``."""
        check_name(name, "name")
        return jobs.validate_text(body.text, name, sdir, root)

    def stored_scenario(name: str) -> tuple[Path, JSONResponse | None]:
        """A stored scenario's file (404 when absent) and, when it does not validate, the 422 answer
        with its located errors."""
        path = scenario_file(root, name)
        if not path.is_file():
            raise HTTPException(404, f"scenario {name!r} not found")
        checked = jobs.validate_text(path.read_text(encoding="utf-8", errors="replace"), path.name, sdir, root)
        return path, None if checked["ok"] else JSONResponse(status_code=422, content=checked)

    @app.post("/api/runs", status_code=202)
    def start_run(body: RunRequest = Body()) -> dict[str, Any]:
        """Start ``iadsim run`` of a stored scenario into a new run folder of DIR (one run at a time)."""
        path, invalid = stored_scenario(body.scenario)
        if invalid is not None:
            return invalid  # type: ignore[return-value]
        name = check_name(body.run, "run") if body.run else _free_name(root, path.stem)
        target = confined(root, name)
        if target.exists() or name == SCENARIO_DIR:
            raise HTTPException(409, f"{name!r} already exists in the served folder")
        job = runner.start(path, target)
        if job is None:
            raise HTTPException(409, "a run is already in progress; poll /api/jobs")
        return job.public()

    @app.post("/api/sweeps", status_code=202)
    def start_sweep(body: SweepRequest = Body()) -> dict[str, Any]:
        """Start ``iadsim sweep`` (one worker) of a stored scenario into a new sweep folder of DIR; progress
        (replications done of total) is polled at ``/api/jobs/{id}``. One job at a time."""
        path, invalid = stored_scenario(body.scenario)
        if invalid is not None:
            return invalid  # type: ignore[return-value]
        options = {"replications": body.replications, "vary": body.vary, "uncertain": body.uncertain}
        planned = _plan_errors(path, options)
        if planned is not None:
            return JSONResponse(status_code=422, content=planned)  # type: ignore[return-value]
        name = check_name(body.sweep, "sweep") if body.sweep else _free_name(root, path.stem, "sweep")
        target = confined(root, name)
        if target.exists() or name == SCENARIO_DIR:
            raise HTTPException(409, f"{name!r} already exists in the served folder")
        job = runner.start_sweep(path, target, **options)
        if job is None:
            raise HTTPException(409, "a run or sweep is already in progress; poll /api/jobs")
        return job.public()

    @app.get("/api/jobs")
    def job_list() -> list[dict[str, Any]]:
        return [j.public() for j in runner.jobs.values()]

    @app.get("/api/jobs/{job_id}")
    def job(job_id: str) -> dict[str, Any]:
        """A run's or sweep's state (queued, running, done, failed), progress fraction, message and located
        error; for a sweep (``kind: sweep``) also the replications ``done`` of ``total``."""
        j = runner.jobs.get(job_id)
        if j is None:
            raise HTTPException(404, f"job {job_id!r} not found")
        return j.public()


def _plan_errors(path: Path, options: dict[str, Any]) -> dict[str, Any] | None:
    """The sweep's own one-line error (unknown PATH, bad range, ...) as a validation result, before it starts."""
    from iadsim.api.sweep import plan_sweep
    from iadsim.errors import IadsimError

    try:
        _check_size(path, options)
        plan_sweep(path, workers=1, **options)
    except IadsimError as exc:
        return {"ok": False, "errors": [jobs.located_error(exc, path.name)], "warnings": [], "estimate": None}
    return None


def _check_size(path: Path, options: dict[str, Any]) -> None:
    """Refuse (one-line ScenarioError) a sweep over ``MAX_SWEEP_POINTS`` points before its points are built."""
    from math import prod

    from iadsim.api.scenario_edit import load_scenario
    from iadsim.catalog import load_catalog
    from iadsim.errors import ScenarioError
    from iadsim.montecarlo import spec

    catalog = load_catalog()
    vary = options["vary"]
    if vary is None:
        section = load_scenario(path, catalog).validate().scenario.sweep
        vary = [f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in (dict(section.vary) if section else {}).items()]
    n = prod(len(spec.parse_vary(v, catalog).values) for v in vary)
    if n > MAX_SWEEP_POINTS:
        raise ScenarioError(f"{n} sweep points; the viewer starts at most {MAX_SWEEP_POINTS} (use `iadsim sweep`)",
                            field="vary")


def _free_name(root: Path, stem: str, kind: str = "run") -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", stem)[:50] or kind
    for i in range(1, 10_000):
        name = f"{base}-{kind}{i}"
        if not (root / name).exists():
            return name
    raise HTTPException(409, f"no free {kind} name")


def _static(app: FastAPI) -> None:
    if (STATIC / "index.html").is_file():
        from fastapi.staticfiles import StaticFiles

        app.mount("/", StaticFiles(directory=STATIC, html=True), name="static")
        return

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def missing() -> str:
        return ("<!doctype html><title>iadsim viewer</title><p>The front end is not built: run "
                "<code>scripts/build_web.sh</code> (needs npm). The JSON API is at <a href='/api/docs'>/api/docs</a>.")


def serve(root: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, log_level: str = "warning") -> None:
    """Serve the viewer over ``root`` with uvicorn (blocking); loopback unless ``host`` says otherwise."""
    import uvicorn

    uvicorn.run(create_app(root), host=host, port=port, log_level=log_level)
