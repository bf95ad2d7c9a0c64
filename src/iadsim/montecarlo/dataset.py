"""A sweep's folder: ``sweep.json`` (the definition and its hash) and ``results/`` (Parquet batches).

Each batch (the replications ``start..stop-1`` of one point) is written to a temporary file in
``results/`` and renamed into place (``p000003-r0000040.parquet``), so a batch is either whole or
absent whatever kills the process; a resume runs exactly the batches whose file is absent. The
batch boundaries are fixed by the manifest, so an interrupted and resumed sweep holds exactly the
rows of an uninterrupted one. A folder holding another sweep (another hash) is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from iadsim.errors import InputError, OutputError, one_line, os_error

MANIFEST = "sweep.json"
RESULTS = "results"
FORMAT = 1
_PART = re.compile(r"^p(\d{6})-r(\d{7})\.parquet$")


def definition_hash(definition: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the sweep definition."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def part_name(point: int, start: int) -> str:
    return f"p{point:06d}-r{start:07d}.parquet"


def open_folder(out: Path, manifest: dict[str, Any], *, resume: bool) -> set[tuple[int, int]]:
    """Prepare ``out`` for the sweep of ``manifest``; returns the (point, start) batches already
    done. A folder of another sweep, or a non-empty folder that is not a sweep, is refused; the
    same sweep without ``resume`` too (its results are never overwritten)."""
    out = Path(out)
    path = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise OutputError("output path exists and is not a directory", file=one_line(out))
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise OutputError(f"{MANIFEST} is not readable JSON; this folder is not a sweep iadsim can resume",
                              file=one_line(out)) from None
        if old.get("hash") != manifest["hash"]:
            raise OutputError("this folder holds the results of another sweep (another scenario or sweep definition); "
                              "choose a new folder", file=one_line(out))
        if not resume:
            raise OutputError("this folder already holds this sweep; pass --resume to continue it, or choose a new folder",
                              file=one_line(out))
    elif out.exists() and any(out.iterdir()):
        raise OutputError("the folder is not empty and holds no sweep; choose a new or empty folder",
                          file=one_line(out))
    try:
        (out / RESULTS).mkdir(parents=True, exist_ok=True)
        if not path.is_file():
            write_atomic(path, json.dumps(manifest, indent=2, default=str).encode("utf-8"))
    except OSError as exc:
        raise os_error(exc, action="create the sweep folder", file=out) from None
    for tmp in (out / RESULTS).glob(".tmp-*"):
        tmp.unlink(missing_ok=True)  # a batch that was being written when the process died
    return done_batches(out)


def done_batches(out: Path) -> set[tuple[int, int]]:
    done = set()
    for p in (Path(out) / RESULTS).glob("p*.parquet"):
        m = _PART.match(p.name)
        if m:
            done.add((int(m.group(1)), int(m.group(2))))
    return done


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_batch(out: Path, point: int, start: int, rows: list[dict[str, Any]]) -> Path:
    """Write one batch's rows atomically (temporary file, then rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(out) / RESULTS / part_name(point, start)
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    pq.write_table(pa.Table.from_pylist(rows), tmp)
    os.replace(tmp, path)
    return path


def read_manifest(out: Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no {MANIFEST}: this folder holds no sweep (run iadsim sweep first)",
                         file=one_line(out)) from None
    except (OSError, ValueError):
        raise InputError(f"{MANIFEST} is not readable JSON", file=one_line(out)) from None


def read_results(out: Path):
    """Every finished row as one pandas DataFrame, sorted by (point, rep)."""
    import pandas as pd
    import pyarrow.parquet as pq

    parts = sorted((Path(out) / RESULTS).glob("p*.parquet"))
    if not parts:
        return pd.DataFrame(columns=["point", "rep", "seed"])
    frames = [pq.read_table(p).to_pandas() for p in parts]
    df = pd.concat(frames, ignore_index=True, sort=False)
    return df.sort_values(["point", "rep"], kind="stable").reset_index(drop=True)
