"""Reports: a self-contained HTML page per run, built from the run's results."""
