"""The scenario file: a deployment, a raid and analysis settings (YAML, validated)."""

from iadsim.scenario.loader import LoadedScenario, load_scenario, parse_scenario
from iadsim.scenario.models import (
    AltRef,
    CoverageSettings,
    DefendedAsset,
    EngagementSettings,
    Environment,
    LauncherPlacement,
    RadarPlacement,
    Run,
    Scenario,
    Sector,
    Site,
    Surface,
    Threat,
    TrackingSettings,
    Waypoint,
    json_schema,
)

__all__ = [
    "AltRef", "CoverageSettings", "DefendedAsset", "EngagementSettings", "Environment", "LauncherPlacement",
    "LoadedScenario", "RadarPlacement", "Run", "Scenario", "Sector", "Site", "Surface", "Threat",
    "TrackingSettings", "Waypoint", "json_schema", "load_scenario", "parse_scenario",
]
