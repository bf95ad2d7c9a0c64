"""Run folders that never mix or lose results.

Every job writes into a staging folder next to its target, ``.<name>.partial-<pid>``, and renames
it into place when complete; ``manifest.json`` (with ``"complete": true`` and ``run_files``) is
written last. A non-empty target that is not an iadsim run of the same scenario (manifest
``scenario_sha256``) holding only the files that run wrote is refused unless ``overwrite=True``;
an accepted target is replaced whole. Staging folders of dead processes are removed the next time.
OS and GDAL write errors become one-line :class:`~iadsim.errors.OutputError`s naming the file.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import glob
import inspect
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from iadsim.api._common import load
from iadsim.errors import OutputError, one_line, os_error
from iadsim.scenario import LoadedScenario

__all__ = ["run_folder", "staged"]

_ACTIVE: ContextVar[tuple[str, ...]] = ContextVar("iadsim_active_staging", default=())
_NAME_BYTES = 255
_LEGACY_FILES = {"manifest.json", "report.html", "metrics.json"}


def _target_path(out_dir: str | Path) -> Path:
    try:
        p = Path(out_dir).expanduser()
    except RuntimeError:  # ~nosuchuser/...
        raise OutputError("the user in '~user' is unknown; expected an existing user or a plain path",
                          file=one_line(out_dir)) from None
    p = Path(os.path.abspath(p))
    if len(p.name.encode("utf-8", "surrogateescape")) > _NAME_BYTES:
        raise OutputError(f"the output folder's name is {len(p.name.encode('utf-8', 'surrogateescape'))} bytes; "
                          f"expected at most {_NAME_BYTES}", file=one_line(p))
    return p


def _hidden(target: Path, tag: str, pid: int | None = None) -> Path:
    stem = target.name.encode("utf-8", "surrogateescape")[:180].decode("utf-8", "ignore")
    return target.parent / f".{stem}.{tag}-{os.getpid() if pid is None else pid}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _clean_stale(target: Path) -> None:
    """Remove staging/old folders of ``target`` left by processes that no longer run (kill -9)."""
    if not target.parent.is_dir():
        return
    for tag in ("partial", "old"):
        prefix = _hidden(target, tag, 0).name[: -len("0")]
        for p in target.parent.glob(glob.escape(prefix) + "*"):
            pid = p.name[len(prefix):]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def _refusal(target: Path, sha256: str) -> str | None:
    """Why ``target`` may not be replaced without ``overwrite`` (None: it may)."""
    first = next(iter(sorted(p.name for p in target.iterdir())), None)
    if first is None:
        return None
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or "iadsim_version" not in manifest or "scenario_sha256" not in manifest:
        return f"it holds files that are not an iadsim run (e.g. '{one_line(first, 80)}')"
    if manifest.get("scenario_sha256") != sha256:
        return (f"it holds an iadsim run of another scenario "
                f"('{one_line(manifest.get('scenario', '?'), 80)}', sha256 {str(manifest['scenario_sha256'])[:12]}…)")
    known = manifest.get("run_files")
    allowed = set(known) if isinstance(known, list) else set(manifest.get("files") or []) | _LEGACY_FILES
    extra = sorted(_listing(target) - allowed - {"manifest.json"})
    if extra:
        return f"it holds '{one_line(extra[0], 80)}', which the earlier run of this scenario did not write"
    return None


def _check_target(target: Path, loaded: LoadedScenario, overwrite: bool) -> None:
    sha256 = loaded.located.sha256
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise OutputError("output path exists and is not a directory; expected a folder (new or empty)",
                          file=one_line(target))
    precious = [Path.cwd(), Path.home(), Path(os.path.abspath(str(loaded.source)))]
    if target.is_dir() and any(p == target or target in p.parents for p in precious):
        raise OutputError("the output folder holds the scenario, the current directory or the home folder; "
                          "expected a folder of its own for the run", file=one_line(target))
    if target.is_dir() and not overwrite:
        why = _refusal(target, sha256)
        if why:
            raise OutputError(f"output folder is not empty and {why}; choose a new or empty folder, or pass "
                              "--overwrite (overwrite=True) to replace it whole", file=one_line(target))


def scenario_places(loaded: LoadedScenario) -> dict[str, Any]:
    """Sites (radars, launchers), defended assets and threat routes of the scenario, in degrees, for
    the manifest: what exports (:mod:`iadsim.export`) draw without the scenario file."""
    sc = loaded.scenario
    return {
        "sites": [{"name": s.name, "lat_deg": s.lat_deg, "lon_deg": s.lon_deg, "ground_alt_m": s.ground_alt_m,
                   "radars": [r.equipment for r in s.radars],
                   "launchers": [f"{x.count} × {x.equipment}" for x in s.launchers]} for s in sc.sites],
        "defended_assets": [{"name": a.name, "lat_deg": a.lat_deg, "lon_deg": a.lon_deg, "value": a.value}
                            for a in sc.defended_assets],
        "threat_routes": [{"name": t.name, "class": t.threat_class, "count": t.count,
                           "route": [[w.lon_deg, w.lat_deg, w.alt_m, w.alt_ref.value] for w in t.route]}
                          for t in sc.threats],
    }


def _complete(staging: Path, job: str, loaded: LoadedScenario) -> None:
    """Write ``manifest.json`` last, with ``"complete": true`` and the list of every file of the run."""
    import iadsim

    path = staging / "manifest.json"
    data: dict[str, Any] = {}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    data.setdefault("iadsim_version", iadsim.__version__)
    data.setdefault("job", job)
    data.setdefault("scenario", str(loaded.source))
    data.setdefault("scenario_sha256", loaded.located.sha256)
    data.setdefault("epoch_utc", loaded.scenario.run.epoch_utc.isoformat().replace("+00:00", "Z"))
    data.setdefault("places", scenario_places(loaded))
    data["run_files"] = sorted(_listing(staging) | {"manifest.json"})
    data["complete"] = True
    tmp = staging / ".manifest.json.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, indent=2, allow_nan=False, default=str))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _swap_in(staging: Path, target: Path) -> None:
    """Rename the finished staging folder to ``target``, replacing what was there whole."""
    old = None
    if target.is_dir():
        old = _hidden(target, "old")
        try:
            os.rename(target, old)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM):
                raise
            _move_contents(staging, target)  # a mount point: replace its contents instead
            return
    os.rename(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _move_contents(staging: Path, target: Path) -> None:
    for p in list(target.iterdir()):
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    entries = sorted(staging.iterdir(), key=lambda p: p.name == "manifest.json")  # manifest last
    for p in entries:
        os.rename(p, target / p.name)
    staging.rmdir()


def _relocate(obj: Any, staging: Path, target: Path) -> Any:
    """``obj`` with every path under ``staging`` moved under ``target`` (job results, in place)."""
    if isinstance(obj, Path):
        try:
            return target / obj.relative_to(staging)
        except ValueError:
            return obj
    if isinstance(obj, list):
        obj[:] = [_relocate(v, staging, target) for v in obj]
        return obj
    if isinstance(obj, tuple):
        return tuple(_relocate(v, staging, target) for v in obj)
    if isinstance(obj, dict):
        for k in list(obj):
            obj[k] = _relocate(obj[k], staging, target)
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type) and type(obj).__module__.startswith("iadsim.api"):
        for f in dataclasses.fields(obj):
            setattr(obj, f.name, _relocate(getattr(obj, f.name), staging, target))
    return obj


def _mark_complete(result: Any, manifest_path: Path) -> None:
    """Give the job result's in-memory manifest(s) the ``complete`` and ``run_files`` keys of the
    ``manifest.json`` written last."""
    try:
        final = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    todo = [result]
    while todo:
        obj = todo.pop()
        if not (dataclasses.is_dataclass(obj) and type(obj).__module__.startswith("iadsim.api")):
            continue
        m = getattr(obj, "manifest", None)
        if isinstance(m, dict) and m.get("job", final.get("job")) == final.get("job"):
            m.update(complete=final.get("complete"), run_files=final.get("run_files"))
        todo += [getattr(obj, f.name) for f in dataclasses.fields(obj)]


_WRITE_ERRORS: tuple[type[BaseException], ...] = (OSError,)


def _write_errors() -> tuple[type[BaseException], ...]:
    """OS errors plus GDAL's (rasterio raises CPLE_* for failed writes, e.g. a full disk)."""
    try:
        from rasterio._err import CPLE_BaseError
        from rasterio.errors import RasterioError
    except ImportError:  # pragma: no cover
        return _WRITE_ERRORS
    return (OSError, RasterioError, CPLE_BaseError)


def _newest_file(folder: Path) -> Path | None:
    """The file written last in ``folder`` (the one a failed write without a file name was writing)."""
    try:
        files = [p for p in folder.rglob("*") if p.is_file()]
        return max(files, key=lambda p: p.stat().st_mtime_ns) if files else None
    except OSError:
        return None


def _as_output_error(exc: BaseException, staging: Path, target: Path) -> OutputError:
    named = getattr(exc, "filename", None)
    err = os_error(exc, action="write the run", file=None if named else (_newest_file(staging) or target))
    return _relocated_error(err, staging, target)


def _relocated_error(err: OutputError, staging: Path, target: Path) -> OutputError:
    """``err`` naming the file where it will be (under ``target``), not in the staging folder."""
    name = err.location.file or str(target)
    s, t = str(staging), str(target)
    err.location.file = t + name[len(s):] if name.startswith(s) else name
    err.args = (str(err),)
    return err


@contextmanager
def _libtiff_quiet() -> Iterator[None]:
    """Silence libtiff's own stderr handler while a job writes (a full disk makes it print raw
    ``_tiffWriteProc: No space left on device.`` lines beside the one-line error, and GDAL does not
    raise: :func:`_verify_rasters` finds the broken file instead). Restored afterwards."""
    lib = None
    try:
        import ctypes

        import rasterio

        found = sorted(glob.glob(os.path.join(os.path.dirname(rasterio.__file__) + ".libs", "libtiff*.so*")))
        if found:
            lib = ctypes.CDLL(found[0])
            lib.TIFFSetErrorHandler.restype = ctypes.c_void_p
            lib.TIFFSetErrorHandler.argtypes = [ctypes.c_void_p]
    except (ImportError, OSError, AttributeError):  # pragma: no cover - a system GDAL: leave it alone
        lib = None
    old = lib.TIFFSetErrorHandler(None) if lib is not None else None
    try:
        yield
    finally:
        if lib is not None:
            lib.TIFFSetErrorHandler(old)


def _verify_rasters(staging: Path) -> None:
    """Read back every GeoTIFF of the run: GDAL can leave a truncated file without raising when the
    disk fills while it flushes. A broken one raises :class:`OutputError` naming it."""
    import rasterio

    for path in sorted(staging.rglob("*.tif")):
        try:
            with rasterio.Env(CPL_LOG_ERRORS="OFF"), rasterio.open(path) as ds:
                for band in range(1, ds.count + 1):
                    ds.read(band)
        except Exception as exc:  # noqa: BLE001 - any failure to read back means the write failed
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise OutputError(f"cannot write the run: GDAL left the raster incomplete ({one_line(first, 160)}); "
                              "is the disk full?", file=str(path)) from None


@contextmanager
def run_folder(out_dir: str | Path, loaded: LoadedScenario, *, job: str,
               overwrite: bool = False) -> Iterator[Path]:
    """Yield the staging folder a job writes into; on success rename it to ``out_dir`` (module
    notes above). Inside another job's staging folder (``run_all``) it yields that folder as is."""
    if os.path.abspath(out_dir) in _ACTIVE.get():
        yield Path(out_dir)
        return
    target = _target_path(out_dir)
    staging = _hidden(target, "partial")
    errors = _write_errors()
    try:
        _check_target(target, loaded, overwrite)
        _clean_stale(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except errors as exc:
        raise _as_output_error(exc, staging, target) from None
    token = _ACTIVE.set(_ACTIVE.get() + (str(staging),))
    try:
        with _libtiff_quiet():
            yield staging
            _verify_rasters(staging)
        _complete(staging, job, loaded)
        _swap_in(staging, target)
    except OutputError as exc:
        raise _relocated_error(exc, staging, target) from None
    except errors as exc:
        raise _as_output_error(exc, staging, target) from None
    finally:
        _ACTIVE.reset(token)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def staged(job: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a job ``fn(scenario, out_dir, *, catalog=None, world=None, ...)`` so that it loads
    the scenario first, writes into a staging folder (:func:`run_folder`) and returns its result
    with paths under ``out_dir``. Adds the keyword ``overwrite=False``: replace a non-empty
    ``out_dir`` that is not a run of the same scenario (whole; never merged)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def job_fn(scenario: Any, out_dir: str | Path, *args: Any, overwrite: bool = False, **kw: Any) -> Any:
            world = kw.get("world")
            if world is not None:
                loaded = world.loaded
            else:
                loaded, kw["catalog"] = load(scenario, kw.get("catalog"))
            with run_folder(out_dir, loaded, job=job, overwrite=overwrite) as stage:
                result = fn(loaded, stage, *args, **kw)
            if Path(stage) != Path(out_dir):
                result = _relocate(result, Path(stage), _target_path(out_dir))
                _mark_complete(result, _target_path(out_dir) / "manifest.json")
            return result

        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        params.append(inspect.Parameter("overwrite", inspect.Parameter.KEYWORD_ONLY, default=False,
                                        annotation="bool"))
        job_fn.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        return job_fn

    return wrap


def check_output_folder(out_dir: str | Path, loaded: LoadedScenario, *, overwrite: bool = False) -> Path:
    """Raise now the :class:`~iadsim.errors.OutputError` a run of ``loaded`` into ``out_dir`` would
    raise when it starts writing (a name too long, a file in the way, a folder of other files
    without ``overwrite``, a folder that cannot be created), so a caller that computes first and
    writes last (``iadsim.run(...).to_folder``) fails before the long part. Leaves no trace;
    returns the absolute target path."""
    import tempfile

    target = _target_path(out_dir)
    try:
        _check_target(target, loaded, overwrite)
        ancestor = target
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if ancestor.is_dir():
            os.rmdir(tempfile.mkdtemp(prefix=".iadsim-probe-", dir=ancestor))
    except OSError as exc:
        raise os_error(exc, action="write the run", file=target) from None
    return target
