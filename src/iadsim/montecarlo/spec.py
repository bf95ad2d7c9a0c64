"""What a sweep varies: ``--vary PATH=VALUES`` read into a path and a tuple of values.

VALUES is a comma list (``1,2``; ``greedy,optimal``) or an inclusive range ``start:stop:step``
(``4:40:4``, ``0.5:3:0.5``). PATH is a scenario path (the syntax of ``--set``:
``engagement.salvo_size``, ``threats[0].count``, ``sites[Murted].launchers[0].count``),
``raid.scale`` (every threat group's ``count`` scaled and rounded, at least 1), or a catalog figure
``catalog.ENTRY.FIGURE`` (``catalog.48N6E3.pk.fighter_4gen``, ``catalog.5P85SE2.reload_s``: the
paths ``iadsim catalog show`` lists), whose nominal value is replaced for that point.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

import yaml

from iadsim.catalog import Catalog
from iadsim.errors import ScenarioError

RAID_SCALE = "raid.scale"
MAX_VALUES = 10_000


@dataclass(frozen=True)
class Vary:
    """One swept PATH and its values; ``kind`` is ``scenario``, ``raid`` or ``catalog``."""

    path: str
    values: tuple[Any, ...]
    kind: str

    @property
    def entry(self) -> str:
        """The catalog entry of a ``catalog.`` path."""
        return self.path.split(".", 2)[1]

    @property
    def figure(self) -> str:
        return self.path.split(".", 2)[2]


def _scalar(path: str, raw: str) -> Any:
    try:
        return yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError(f"the value {raw.strip()!r} is not valid YAML", field=path) from None


def _number(path: str, raw: str) -> float | int:
    v = _scalar(path, raw)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ScenarioError(f"range bound {raw.strip()!r} is not a number; expected START:STOP:STEP such as 4:40:4",
                            field=path)
    return v


def parse_values(path: str, text: str) -> tuple[Any, ...]:
    """``"1,2"`` → ``(1, 2)``; ``"4:12:4"`` → ``(4, 8, 12)`` (inclusive). An empty list, a zero or
    negative step, a reversed or empty range is a one-line :class:`ScenarioError`."""
    text = str(text).strip()
    if not text:
        raise ScenarioError("no values; expected a list such as 1,2 or a range START:STOP:STEP such as 4:40:4",
                            field=path)
    if ":" in text and not text.startswith(("[", "{")):
        bits = text.split(":")
        if len(bits) != 3:
            raise ScenarioError(f"range {text!r} is not START:STOP:STEP (e.g. 4:40:4)", field=path)
        start, stop, step = (_number(path, b) for b in bits)
        if step <= 0:
            raise ScenarioError(f"range {text!r} has step {step:g}; the step must be positive", field=path)
        if stop < start:
            raise ScenarioError(f"range {text!r} is reversed (stop {stop:g} < start {start:g}); write START:STOP:STEP "
                                "with START <= STOP", field=path)
        n = int(math.floor((stop - start) / step + 1e-9)) + 1
        if n > MAX_VALUES:
            raise ScenarioError(f"range {text!r} has {n} values; at most {MAX_VALUES}", field=path)
        ints = all(isinstance(x, int) for x in (start, stop, step))
        vals = [start + i * step for i in range(n)]
        return tuple(int(v) for v in vals) if ints else tuple(round(float(v), 12) for v in vals)
    parsed = _scalar(path, text)
    if isinstance(parsed, list):
        values = parsed
    else:
        values = [_scalar(path, b) for b in text.split(",")]
    if not values or any(v is None for v in values):
        raise ScenarioError(f"empty value in {text!r}; expected a list such as 1,2", field=path)
    return tuple(values)


def parse_vary(text: str, catalog: Catalog) -> Vary:
    """``"engagement.salvo_size=1,2"`` → :class:`Vary` (scenario paths are checked against the
    scenario later, when the points are built; catalog paths and ``raid.scale`` here)."""
    path, sep, raw = str(text).partition("=")
    path = path.strip()
    if not sep or not path:
        raise ScenarioError(f"--vary {text!r} is not PATH=VALUES (e.g. engagement.salvo_size=1,2)", field=str(text))
    values = parse_values(path, raw)
    if path == RAID_SCALE or path.startswith("raid."):
        if path != RAID_SCALE:
            raise ScenarioError(f"unknown raid path {path!r} (did you mean 'raid.scale'?)", field=path)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ScenarioError(f"raid.scale must be a positive number, got {v!r}", field=path)
        return Vary(path, tuple(float(v) for v in values), "raid")
    if path.startswith("catalog."):
        entry, figure = check_catalog_path(path, catalog)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ScenarioError(f"a catalog figure takes numbers, got {v!r}", field=path)
        return Vary(path, tuple(float(v) for v in values), "catalog")
    return Vary(path, values, "scenario")


def check_catalog_path(path: str, catalog: Catalog) -> tuple[str, str]:
    """``catalog.48N6E3.pk.fighter_4gen`` → ``("48N6E3", "pk.fighter_4gen")``; unknown entry or
    figure → one line with a did-you-mean."""
    bits = path.split(".", 2)
    if len(bits) < 3 or not bits[1] or not bits[2]:
        raise ScenarioError(f"catalog path {path!r} is not catalog.ENTRY.FIGURE (e.g. catalog.48N6E3.pk.fighter_4gen)",
                            field=path)
    entry, figure = bits[1], bits[2]
    if entry not in catalog:
        close = difflib.get_close_matches(entry, catalog.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(f"unknown catalog entry {entry!r}{hint}", field=path)
    figures = [p for p, _ in catalog.figures(entry)]
    if figure not in figures:
        close = difflib.get_close_matches(figure, figures, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ScenarioError(f"{entry} has no figure {figure!r}{hint}; figures: {', '.join(figures)}", field=path)
    return entry, figure


def cross_product(varies: list[Vary]) -> list[dict[str, Any]]:
    """The sweep points: every combination of the values, the first PATH varying slowest."""
    points: list[dict[str, Any]] = [{}]
    for v in varies:
        points = [{**p, v.path: x} for p in points for x in v.values]
    return points
