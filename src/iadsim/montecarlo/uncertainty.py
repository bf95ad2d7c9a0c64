"""Catalog figures with a spread, sampled per replication.

Every catalog figure stores a nominal value and a public low–high spread. Under ``--uncertain``
each replication draws the selected figures from a **triangular distribution** (mode = nominal,
support = [low, high]) — or uniform on [low, high] with ``distribution="uniform"`` — with a
**Latin hypercube across the replications of a sweep point** (each figure's [0, 1) axis cut into
N equal strata, one draw per stratum, strata shuffled independently per figure; the generator is
:func:`iadsim.montecarlo.seeds.lhs_generator`). A count (fire-control channels, track capacity)
is sampled as a whole number. Sampled values always lie within [low, high].

A catalog with other figures is a copy (:meth:`iadsim.catalog.Catalog.replaced`): the figure's
nominal is the sampled (or swept) value, its spread widened to contain it when a sweep sets a value
outside the public spread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from iadsim.catalog import Catalog
from iadsim.catalog.models import iter_figures
from iadsim.errors import CatalogError, ScenarioError
from iadsim.io import format_path

DISTRIBUTIONS = ("triangular", "uniform")
#: figure names of catalog counts (``CountFigure`` in :mod:`iadsim.catalog.models`)
COUNT_FIGURES = frozenset({"targets", "missiles", "track_capacity", "count"})


@dataclass(frozen=True)
class Uncertain:
    """A catalog figure sampled per replication: ``ENTRY.FIGURE`` with its spread."""

    entry: str
    figure: str
    low: float
    nominal: float
    high: float

    @property
    def name(self) -> str:
        return f"{self.entry}.{self.figure}"

    @property
    def integral(self) -> bool:
        """A count (fire-control channels, track capacity, …): sampled as a whole number."""
        return self.figure.rsplit(".", 1)[-1] in COUNT_FIGURES


def used_entries(world) -> list[str]:
    """Catalog entries a compiled world uses: radars, launchers, missiles, threat classes."""
    names: list[str] = []
    for r in world.radars:
        names.append(r.equipment)
    for g in world.launchers:
        names.append(g.equipment)
        names.extend(m.name for m in g.missiles)
    names.extend(t.threat_class for t in world.scenario.threats)
    return list(dict.fromkeys(names))


def used_bands(world) -> set[str]:
    """Radar bands of a compiled world (the RCS figures of other bands are used by nothing)."""
    return {r.band for r in world.radars}


def spread_figures(catalog: Catalog, entries: Iterable[str], bands: set[str] | None = None) -> list[Uncertain]:
    """Every figure of ``entries`` whose low < high; with ``bands``, an RCS figure only in those
    radar bands (``rcs_m2.BAND``)."""
    out = []
    for e in entries:
        for path, f in catalog.figures(e):
            if bands is not None and path.startswith("rcs_m2.") and path.split(".", 1)[1] not in bands:
                continue
            if f.low < f.high:
                out.append(Uncertain(e, path, float(f.low), float(f.nominal), float(f.high)))
    return out


def select(catalog: Catalog, used: list[str], names: list[str], bands: set[str] | None = None,
           option: str = "--uncertain") -> list[Uncertain]:
    """The figures ``--uncertain`` (or ``--tornado``) names: ``catalog`` (every figure with a spread
    that the scenario uses: its entries, the RCS in its radars' ``bands``) or ``ENTRY.FIGURE``
    items. A figure without a spread, or unknown, is a one-line error."""
    if not names:
        return []
    if [n.strip() for n in names] == ["catalog"]:
        return spread_figures(catalog, used, bands)
    out: list[Uncertain] = []
    from iadsim.montecarlo.spec import check_catalog_path

    for raw in names:
        name = raw.strip()
        entry, figure = check_catalog_path("catalog." + name.removeprefix("catalog."), catalog)
        f = dict(catalog.figures(entry))[figure]
        if not f.low < f.high:
            raise ScenarioError(f"{entry}.{figure} has no spread (low = nominal = high = {f.nominal:g}); "
                                "only figures with low < high can be sampled", field=option)
        out.append(Uncertain(entry, figure, float(f.low), float(f.nominal), float(f.high)))
    return list(dict.fromkeys(out))


def _inverse_cdf(u: np.ndarray, f: Uncertain, distribution: str) -> np.ndarray:
    a, m, b = f.low, f.nominal, f.high
    if distribution == "uniform":
        x = a + u * (b - a)
    else:
        c = (m - a) / (b - a)
        x = np.where(u < c, a + np.sqrt(u * (b - a) * (m - a)), b - np.sqrt((1.0 - u) * (b - a) * (b - m)))
    if f.integral:
        x = np.round(x)
    return np.clip(x, a, b)


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """(n, d) points in [0, 1): one per stratum of each axis, strata shuffled per axis."""
    u = np.empty((n, d))
    for j in range(d):
        u[:, j] = (rng.permutation(n) + rng.random(n)) / max(n, 1)
    return u


def sample(figures: list[Uncertain], n: int, rng: np.random.Generator, distribution: str = "triangular") -> np.ndarray:
    """(n, len(figures)) sampled values (Latin hypercube across the n replications)."""
    if distribution not in DISTRIBUTIONS:
        raise ScenarioError(f"unknown distribution {distribution!r}; expected one of {', '.join(DISTRIBUTIONS)}",
                            field="distribution")
    u = latin_hypercube(n, len(figures), rng)
    return np.stack([_inverse_cdf(u[:, j], f, distribution) for j, f in enumerate(figures)], axis=-1) \
        if figures else np.zeros((n, 0))


def with_figures(catalog: Catalog, values: Mapping[tuple[str, str], float]) -> Catalog:
    """A copy of ``catalog`` whose figures ``(entry, figure path)`` have these nominal values."""
    if not values:
        return catalog
    by_entry: dict[str, dict[str, float]] = {}
    for (entry, figure), v in values.items():
        by_entry.setdefault(entry, {})[figure] = float(v)
    replaced = {}
    for entry, figs in by_entry.items():
        model = catalog.get(entry)
        data = model.model_dump(mode="python", exclude_none=True)
        paths = {format_path(p): p for p, _ in iter_figures(model)}
        for figure, v in figs.items():
            node = data
            for key in paths[figure]:
                node = node[key]
            if not math.isfinite(v):
                raise CatalogError(f"{entry}.{figure}: value {v!r} is not finite")
            node["nominal"] = v
            node["low"] = min(node["low"], v)
            node["high"] = max(node["high"], v)
        try:
            replaced[entry] = type(model).model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise CatalogError(f"{entry}: {', '.join(f'{k}={v:g}' for k, v in figs.items())} is not a valid "
                               f"{model.kind}: {err['msg']}") from None
    return catalog.replaced(replaced)
