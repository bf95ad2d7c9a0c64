"""Load a scenario file: parse YAML with locations, validate against the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from iadsim.errors import ScenarioError
from iadsim.io import LocatedYaml, parse_yaml, read_yaml, validate
from iadsim.scenario.checks import scenario_warnings
from iadsim.scenario.models import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.catalog import Catalog


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from (relative paths resolve against ``base_dir``)."""

    scenario: Scenario
    source: str
    base_dir: Path
    located: LocatedYaml
    #: located one-line warnings (implausible speeds/altitudes, threats starting after the end)
    warnings: tuple[str, ...] = ()

    @property
    def dem_path(self) -> Path | None:
        dem = self.scenario.environment.dem
        if dem is None:
            return None
        try:
            p = Path(dem).expanduser()
        except RuntimeError:  # '~nosuchuser/...': report it where the scenario names it
            line, col = self.located.where(("environment", "dem"))
            raise ScenarioError(f"'{dem}': the user in '~user' is unknown; expected an existing user or a "
                                "plain path", file=self.source, line=line, column=col,
                                field="environment.dem") from None
        return p if p.is_absolute() else self.base_dir / p


def _finish(located: LocatedYaml, base_dir: Path, catalog: Catalog | None) -> LoadedScenario:
    if catalog is None:
        from iadsim.catalog import load_catalog

        catalog = load_catalog()
    scenario = validate(Scenario, located, ScenarioError, context={"catalog": catalog})
    warnings = tuple(scenario_warnings(scenario, located, catalog))
    loaded = LoadedScenario(scenario=scenario, source=located.source, base_dir=base_dir, located=located,
                            warnings=warnings)
    dem = loaded.dem_path
    if dem is not None and not dem.is_file():
        line, col = located.where(("environment", "dem"))
        what = "DEM path is a directory, expected a raster file" if dem.is_dir() else "DEM file not found"
        raise ScenarioError(
            f"{what}: {dem} (a GeoTIFF path, relative to the scenario file)",
            file=located.source, line=line, column=col, field="environment.dem",
        )
    return loaded


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> LoadedScenario:
    """Read and validate a scenario file; every problem is a one-line :class:`ScenarioError`."""
    path = Path(path)
    located = read_yaml(path, ScenarioError)
    return _finish(located, path.resolve().parent, catalog)


def parse_scenario(text: str, source: str = "<scenario>", base_dir: Path | None = None,
                   catalog: Catalog | None = None) -> LoadedScenario:
    """Validate a scenario given as YAML text (for tests, the API and the web viewer)."""
    located = parse_yaml(text, source, ScenarioError)
    return _finish(located, base_dir or Path.cwd(), catalog)
