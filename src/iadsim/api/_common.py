"""What every job does first and last: load and compile the scenario, prepare the output
directory, and merge its figures into the run's ``metrics.json`` (run folders: :mod:`iadsim.api._staging`)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iadsim.catalog import Catalog, load_catalog
from iadsim.errors import OutputError, one_line, os_error
from iadsim.scenario import LoadedScenario, load_scenario
from iadsim.world import World, compile_world
from iadsim.world.budget import JOBS, check_budget

Progress = Callable[[str, float], None]


def prepare_output_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` (and parents); a path that exists and is not a directory is an error."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError("output path exists and is not a directory", file=one_line(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, action="create the output directory", file=out) from None
    return out


def load(scenario: str | Path | LoadedScenario, catalog: Catalog | None = None) -> tuple[LoadedScenario, Catalog]:
    """The scenario validated against the catalog (the packaged one by default)."""
    catalog = catalog or load_catalog()
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario, catalog)
    return loaded, catalog


def compiled(scenario: str | Path | LoadedScenario, catalog: Catalog | None = None, world: World | None = None,
             progress: Progress | None = None, *, force: bool = False,
             jobs: tuple[str, ...] = JOBS, tile_size: int | None = None) -> tuple[LoadedScenario, Catalog, World]:
    """Load and compile ``scenario``, or reuse ``world`` when a caller already compiled it.

    Before compiling, the work of ``jobs`` is estimated (:mod:`iadsim.world.budget`): above a hard
    limit a :class:`~iadsim.errors.ResourceError` is raised unless ``force``; soft-limit warnings
    and the scenario's own warnings (implausible speeds, …) go into ``world.notes``. ``tile_size``:
    the coverage runs in tiles (its estimate is one tile's working set)."""
    if world is not None:
        return world.loaded, world.catalog, world
    loaded, catalog = load(scenario, catalog)
    budget_notes = check_budget(loaded, catalog, jobs, force=force, tile_size=tile_size)
    if progress:
        progress("compiling the scenario (catalog, terrain)", 0.0)
    world = compile_world(loaded, catalog)
    world.notes.extend(list(loaded.warnings) + budget_notes)
    return loaded, catalog, world


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def merge_json(path: Path, key: str, value: dict[str, Any]) -> None:
    """Set ``key`` in the JSON object at ``path`` (created if missing), keeping the other keys.
    Non-finite numbers become ``null`` so the file stays valid JSON."""
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
    data[key] = _finite(value)
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=str))


# ----------------------------------------------------------------------------- absolute UTC time
#: Time columns in seconds from the scenario start that get a ``*_utc`` twin in the tables.
TIME_COLUMNS = ("t_s", "t_launch_s", "t_intercept_s", "last_update_s")


def utc_times(epoch_utc: Any, seconds: Any) -> Any:
    """``numpy.datetime64[ms]`` (UTC, naive) of ``epoch_utc`` + ``seconds``; NaN → NaT."""
    import numpy as np

    s = np.asarray(seconds, dtype=np.float64)
    base = np.datetime64(epoch_utc.replace(tzinfo=None), "ms")
    ms = np.where(np.isfinite(s), np.round(np.nan_to_num(s) * 1e3), 0).astype(np.int64)
    out = base + ms.astype("timedelta64[ms]")
    return np.where(np.isfinite(s), out, np.datetime64("NaT", "ms"))


def utc_text(epoch_utc: Any, seconds: float) -> str:
    """ISO 8601 UTC text (``2019-07-12T00:15:00.390Z``) of ``epoch_utc`` + ``seconds``; "" for NaN."""
    t = utc_times(epoch_utc, [seconds])[0]
    return "" if t != t else f"{t}Z"


def with_utc_columns(table: Any, epoch_utc: Any) -> Any:
    """``table`` (pyarrow) with a ``<name>_utc`` timestamp column (ms, UTC) appended after the
    columns for each time column in seconds (:data:`TIME_COLUMNS`, ``t_s`` → ``t_utc``)."""
    import pyarrow as pa

    for name in TIME_COLUMNS:
        if name in table.column_names and name.removesuffix("_s") + "_utc" not in table.column_names:
            t = utc_times(epoch_utc, table.column(name).to_numpy(zero_copy_only=False))
            arr = pa.array(t, pa.timestamp("ms"), from_pandas=True).cast(pa.timestamp("ms", tz="UTC"))
            table = table.append_column(name.removesuffix("_s") + "_utc", arr)
    return table
