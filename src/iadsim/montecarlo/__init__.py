"""Monte Carlo sweeps: many seeded replications of the battle over sweep points and the catalog's
spreads, run locally or on a Dask cluster, written as a resumable Parquet dataset.

Layer: above :mod:`iadsim.sim`, below :mod:`iadsim.api` (which builds the sweep points from the
editable scenario's ``--set`` paths and calls :func:`iadsim.montecarlo.engine.run_sweep`).

* :mod:`~iadsim.montecarlo.spec` — ``--vary PATH=VALUES`` values, ranges and their errors;
* :mod:`~iadsim.montecarlo.seeds` — one seed per (point, replication) from a ``SeedSequence``;
* :mod:`~iadsim.montecarlo.uncertainty` — catalog figures with a spread, Latin hypercube sampling;
* :mod:`~iadsim.montecarlo.replicate` — one replication (or a batch) of one point → table rows;
* :mod:`~iadsim.montecarlo.dataset` — the manifest and atomic Parquet batches under ``DIR/results``;
* :mod:`~iadsim.montecarlo.engine` — executors (local processes, Dask) and resume;
* :mod:`~iadsim.montecarlo.stats` — Wilson and bootstrap intervals, tornado, Sobol (SALib).
"""
