"""iadsim: simulate and analyse integrated air-defence systems from public figures.

Layers, lowest first (a module imports only from its own layer or lower ones):

0. ``errors``, ``io``                 — the error family, YAML with source locations
1. ``catalog``, ``scenario``          — validated configuration (pydantic), no physics
2. ``geo``                            — WGS84/ECEF/ENU frames, geodesics, refraction, DEMs
3. ``sensors``                        — radar equation, detection statistics, propagation, LOS
4. ``world``                          — a scenario compiled once into SI arrays
5. ``coverage``, ``tracking``, ``engagement``
6. ``sim``                            — the time-stepped kernel tying them together
7. ``cli``                            — the thin command-line front end
"""

#: The one version string: ``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``), the run
#: manifests record it and the documentation site prints it.
__version__ = "0.1.0"

__all__ = ["__version__"]

import sys as _sys
import types as _types

# The curated public API, imported on first use so ``import iadsim`` stays fast (the CLI and the
# numeric stack load only what a command needs). See ``iadsim.api.results`` and
# ``iadsim.api.scenario_edit``.
_LAZY = {
    "load_scenario": ("iadsim.api.scenario_edit", "load_scenario"),
    "EditableScenario": ("iadsim.api.scenario_edit", "EditableScenario"),
    "coverage": ("iadsim.api.results", "coverage"),
    "track": ("iadsim.api.results", "track"),
    "battle": ("iadsim.api.results", "battle"),
    "run": ("iadsim.api.results", "run"),
    "sweep": ("iadsim.api.sweep", "sweep"),
    "Analysis": ("iadsim.api.results", "Analysis"),
    "Tracking": ("iadsim.api.results", "Tracking"),
    "Battle": ("iadsim.api.results", "Battle"),
    "range_rings": ("iadsim.api.coverage_data", "range_rings"),
    "coverage_polygons": ("iadsim.api.coverage_data", "coverage_polygons"),
    "load_catalog": ("iadsim.catalog", "load_catalog"),
    "IadsimError": ("iadsim.errors", "IadsimError"),
    "errors": ("iadsim.errors", None),
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    """Import a public name of :data:`__all__` on first use."""
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'iadsim' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(target[0])
    if name in globals():  # a subpackage of that name was bound meanwhile (``iadsim.coverage``, callable)
        return globals()[name]
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _CallableCoverage(_types.ModuleType):
    """The ``iadsim.coverage`` package, callable as the in-memory ``iadsim.coverage(sc)``.

    The name is both the coverage package and the API function; Python binds it to the package
    once any ``iadsim.coverage.*`` module is imported, so the package forwards calls to
    :func:`iadsim.api.results.coverage` (``iadsim.coverage.compute`` and friends are unaffected)."""

    def __call__(self, *args, **kwargs):
        import importlib

        return importlib.import_module("iadsim.api.results").coverage(*args, **kwargs)


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        if name == "coverage" and type(value) is _types.ModuleType:
            value.__class__ = _CallableCoverage
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
