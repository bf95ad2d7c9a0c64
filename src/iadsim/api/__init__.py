"""The jobs a user runs, as Python functions; the CLI is a thin layer over these."""

from iadsim.api._common import prepare_output_dir
from iadsim.api.coverage import CoverageRun, run_coverage
from iadsim.api.track import TrackingRun, run_tracking  # noqa: F401
from iadsim.api.battle import BattleRun, FullRun, run_all, run_battle  # noqa: F401,E402

__all__ = ["CoverageRun", "prepare_output_dir", "run_coverage"]
