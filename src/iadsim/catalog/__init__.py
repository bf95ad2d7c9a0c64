"""The equipment catalog: sourced, public figures for radars, launchers, missiles, threats, systems.

One YAML file per entry under ``iadsim/catalog/data`` (see :mod:`iadsim.catalog.loader`).
Every physical quantity is a :class:`Figure` with its spread and the ids of the public
sources in ``sources.yaml``; figures no source gives are documented assumptions whose note
starts with ``assumption:``. The catalog stores published inputs only: the radar constant
that reproduces a published detection range is computed by the physics layer.

>>> cat = load_catalog()
>>> cat.radar("91N6E").detection_reference.range_km.nominal
600.0
"""

from iadsim.catalog.loader import PACKAGED_DIR, Catalog, entry_table, load_catalog, unit_of
from iadsim.catalog.models import (
    BAND_EDGES_GHZ,
    BANDS,
    DetectionReference,
    Entry,
    Figure,
    FireControl,
    Launcher,
    Load,
    Missile,
    Radar,
    Source,
    System,
    SystemComponent,
    ThreatClass,
)

__all__ = [
    "BANDS",
    "BAND_EDGES_GHZ",
    "PACKAGED_DIR",
    "Catalog",
    "DetectionReference",
    "Entry",
    "Figure",
    "FireControl",
    "Launcher",
    "Load",
    "Missile",
    "Radar",
    "Source",
    "System",
    "SystemComponent",
    "ThreatClass",
    "entry_table",
    "load_catalog",
    "unit_of",
]
