"""A scenario compiled once into SI arrays: radars, launchers, sites, terrain."""

from iadsim.world.compile import (
    LauncherGroup,
    MissileInstance,
    RadarInstance,
    SiteInstance,
    World,
    compile_world,
    nominal,
)

__all__ = ["LauncherGroup", "MissileInstance", "RadarInstance", "SiteInstance", "World",
           "compile_world", "nominal"]
