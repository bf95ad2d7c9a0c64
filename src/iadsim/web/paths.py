"""Names and paths a request may name: validated, and confined to the served folder."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import HTTPException

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SCENARIO_DIR = "scenarios"


def check_name(name: str, what: str) -> str:
    """``name`` when it is a plain file/folder name (letters, digits, ``_.-``; no ``..``), else 400."""
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name:
        raise HTTPException(400, f"{what}: invalid name; expected 1-64 letters, digits, '_', '.', '-' "
                                 "starting with a letter or digit, without '..'")
    return name


def confined(root: Path, *parts: str) -> Path:
    """``root/parts...`` resolved, refused (400) when it leaves ``root`` (symlinks included)."""
    path = root.joinpath(*parts).resolve()
    if path != root and root not in path.parents:
        raise HTTPException(400, "path leaves the served folder")
    return path


def run_dir(root: Path, run: str) -> Path:
    """The run folder ``run`` (a child of ``root`` with a ``manifest.json``), else 400/404."""
    path = confined(root, check_name(run, "run"))
    if not (path / "manifest.json").is_file():
        raise HTTPException(404, f"run {run!r} not found")
    return path


def scenario_file(root: Path, name: str) -> Path:
    """``root/scenarios/<name>.yaml`` (``name`` without the suffix)."""
    name = check_name(name.removesuffix(".yaml"), "scenario")
    return confined(root, SCENARIO_DIR, f"{name}.yaml")
