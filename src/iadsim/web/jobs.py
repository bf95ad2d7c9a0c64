"""Scenario validation with located errors, and runs started in a background thread with progress."""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LOCATED = re.compile(r"^(?P<file>[^:]*):(?P<line>\d+):(?P<column>\d+): (?:(?P<field>[^:]+): )?(?P<message>.*)$")


def located_error(exc: Exception, fallback_file: str) -> dict[str, Any]:
    """An :class:`iadsim.errors.IadsimError` as ``{file, line, column, field, message, text}``."""
    text = str(exc)
    loc = getattr(exc, "location", None)
    if loc is not None and getattr(loc, "line", None) is not None:
        return {"file": loc.file or fallback_file, "line": loc.line, "column": loc.column, "field": loc.field,
                "message": getattr(exc, "message", text), "text": text}
    m = _LOCATED.match(text)
    if m is None and loc is not None and getattr(loc, "field", None):  # e.g. a sweep's --vary PATH, no line
        return {"file": loc.file or fallback_file, "line": None, "column": None, "field": loc.field,
                "message": getattr(exc, "message", text), "text": text}
    if m:
        return {"file": m["file"], "line": int(m["line"]), "column": int(m["column"]), "field": m["field"],
                "message": m["message"], "text": text}
    return {"file": fallback_file, "line": None, "column": None, "field": None, "message": text, "text": text}


def validate_text(text: str, source: str, base_dir: Path, root: Path) -> dict[str, Any]:
    """Validate scenario YAML ``text``: ``{ok, errors: [located...], warnings, estimate}``."""
    from iadsim.catalog import load_catalog
    from iadsim.errors import IadsimError, InputError
    from iadsim.scenario import parse_scenario

    try:
        loaded = parse_scenario(text, source=source, base_dir=base_dir)
        dem = loaded.dem_path
        if dem is not None and root not in Path(dem).resolve().parents:
            raise InputError("the DEM must be a file inside the served folder", file=source,
                             **_dem_location(loaded), field="environment.dem")
        from iadsim.world.budget import preflight

        pre = preflight(loaded, load_catalog(), force=False)
    except IadsimError as exc:
        return {"ok": False, "errors": [located_error(exc, source)], "warnings": [], "estimate": None}
    return {"ok": True, "errors": [], "warnings": list(pre.warnings), "estimate": pre.estimate.summary()}


def _dem_location(loaded) -> dict[str, int | None]:
    line, column = loaded.located.where(("environment", "dem"))
    return {"line": line, "column": column}


@dataclass
class Job:
    id: str
    scenario: str
    run: str
    state: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    error: dict[str, Any] | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    kind: str = "run"  # run | sweep (``run`` is then the sweep folder's name)
    done: int | None = None  # sweeps: replications finished, of ``total``
    total: int | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "scenario": self.scenario, "run": self.run, "state": self.state,
                "progress": round(self.progress, 4), "message": self.message, "error": self.error,
                "elapsed_s": round((self.finished or time.time()) - self.started, 2),
                "kind": self.kind, "done": self.done, "total": self.total}


class JobRunner:
    """One run at a time, in a daemon thread, writing ``root/<run>`` through :func:`iadsim.api.run_all`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def busy(self) -> bool:
        return any(j.state in ("queued", "running") for j in self.jobs.values())

    def start(self, scenario_path: Path, run_dir: Path) -> Job:
        with self._lock:
            if self.busy():
                return None  # type: ignore[return-value]
            job = Job(id=str(next(self._ids)), scenario=scenario_path.stem, run=run_dir.name)
            self.jobs[job.id] = job
        threading.Thread(target=self._work, args=(job, scenario_path, run_dir), daemon=True,
                         name=f"iadsim-run-{job.id}").start()
        return job

    def start_sweep(self, scenario_path: Path, out_dir: Path, **options: Any) -> Job | None:
        """``iadsim.sweep(scenario_path, out=out_dir, workers=1, **options)`` in a daemon thread; None when busy."""
        with self._lock:
            if self.busy():
                return None
            job = Job(id=str(next(self._ids)), scenario=scenario_path.stem, run=out_dir.name, kind="sweep")
            self.jobs[job.id] = job
        threading.Thread(target=self._work_sweep, args=(job, scenario_path, out_dir, options), daemon=True,
                         name=f"iadsim-sweep-{job.id}").start()
        return job

    def _work(self, job: Job, scenario_path: Path, run_dir: Path) -> None:
        from iadsim.api import run_all

        def progress(message: str, fraction: float | None = None) -> None:
            job.message = str(message)
            if fraction is not None:
                job.progress = max(job.progress, min(1.0, float(fraction)))

        _guarded(job, scenario_path, lambda: run_all(scenario_path, run_dir, progress=progress, figures=False))

    def _work_sweep(self, job: Job, scenario_path: Path, out_dir: Path, options: dict[str, Any]) -> None:
        from iadsim.api.sweep import sweep

        def progress(done: int, total: int, new: int) -> None:
            job.done, job.total = int(done), int(total)
            job.message = f"{done}/{total} replications"
            if total:
                job.progress = max(job.progress, min(1.0, done / total))

        _guarded(job, scenario_path, lambda: sweep(scenario_path, out=out_dir, workers=1, progress=progress,
                                                   **options))


def _guarded(job: Job, scenario_path: Path, work) -> None:
    """Run ``work()`` as ``job``: done, or failed with a located (or one-line internal) error."""
    from iadsim.errors import IadsimError

    job.state = "running"
    try:
        work()
    except IadsimError as exc:
        job.state, job.error = "failed", located_error(exc, scenario_path.name)
        job.message = str(exc)
    except Exception as exc:  # noqa: BLE001  (reported to the user as a failed job, one line)
        job.state, job.message = "failed", f"internal error: {type(exc).__name__}: {exc}"
        job.error = {"file": None, "line": None, "column": None, "field": None, "message": job.message,
                     "text": job.message}
    else:
        job.state, job.progress = "done", 1.0
        job.message = "finished" if job.kind == "run" else f"finished: {job.message}"
    finally:
        job.finished = time.time()
