"""The jobs a user runs, as Python functions; the CLI is a thin layer over these."""

from iadsim.api.coverage import CoverageRun, prepare_output_dir, run_coverage

__all__ = ["CoverageRun", "prepare_output_dir", "run_coverage"]
