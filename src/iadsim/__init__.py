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
