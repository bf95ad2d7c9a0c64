"""Coverage on a Dask distributed cluster: per-site and per-tile work as tasks.

``connect(scheduler="tcp://HOST:PORT")`` joins a running cluster (its workers must have iadsim
installed, at the same version); ``connect(n_local=N)`` starts a local cluster of N single-threaded
worker processes (nothing to install or start). The world and the tile plan are scattered once to
every worker; a site task returns its :class:`~iadsim.coverage.compute.SiteCoverage`, a tile task
its :class:`~iadsim.coverage.tiles.TileResult`, collected as they finish. Results do not depend
on the number of workers or on the order in which tasks finish (each task is a pure function of
the world, its site or its tile). An unreachable scheduler is a one-line :class:`SchedulerError`.
"""

from __future__ import annotations

import copyreg
from collections.abc import Iterator, Sequence
from types import MappingProxyType
from typing import Any

from iadsim.catalog import Catalog
from iadsim.coverage.compute import CoverageResult, site_coverage
from iadsim.coverage.tiles import TilePlan, TileResult, compute_tile
from iadsim.errors import InputError
from iadsim.world import World

#: seconds to wait for a scheduler before giving up
CONNECT_TIMEOUT_S = 10


class SchedulerError(InputError):
    """A Dask scheduler that cannot be reached or a local cluster that cannot start."""


def _rebuild_catalog(state: dict[str, Any]) -> Catalog:
    cat = Catalog.__new__(Catalog)
    cat.__dict__.update(state, _sources=MappingProxyType(state["_sources"]))
    return cat


def _reduce_catalog(cat: Catalog) -> tuple[Any, tuple[dict[str, Any]]]:
    """Ship a catalog to a worker (its read-only source map is a mapping proxy, which pickle refuses)."""
    state = dict(cat.__dict__)
    state["_sources"] = dict(state["_sources"])
    return _rebuild_catalog, (state,)


copyreg.pickle(Catalog, _reduce_catalog)


def connect(scheduler: str | None = None, n_local: int | None = None) -> Any:
    """A ``distributed.Client``: on ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) or
    on a new local cluster of ``n_local`` worker processes."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            reason = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler!r}: {reason} (is it running, "
                                 "and is the address tcp://HOST:PORT?)", field="--scheduler") from None
    if n_local is None or n_local < 1:
        raise SchedulerError(f"--dask-local needs a number of workers ≥ 1, got {n_local!r}", field="--dask-local")
    try:
        cluster = LocalCluster(n_workers=n_local, threads_per_worker=1, processes=True, dashboard_address=None)
    except (OSError, RuntimeError) as e:
        raise SchedulerError(f"cannot start a local Dask cluster of {n_local} workers: {e}",
                             field="--dask-local") from None
    return Client(cluster)


def close(client: Any) -> None:
    """Close the client and, for a local cluster it started, the cluster."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _site_task(world: World, index: int) -> Any:
    cs = world.scenario.coverage
    classes = world.scenario.threat_classes_for_coverage() or list(world.catalog.names("threat"))
    return site_coverage(world, world.sites[index], classes, cs.altitudes_m, cs.altitude_ref, cs.pd_threshold,
                         tuple(cs.track_m_of_n))


def compute_coverage_dask(world: World, client: Any) -> CoverageResult:
    """:func:`~iadsim.coverage.compute.compute_coverage` with one task per site."""
    import time

    t0 = time.perf_counter()
    wf = client.scatter(world, broadcast=True)
    futures = client.map(_site_task, [wf] * len(world.sites), range(len(world.sites)), pure=False)
    sites = client.gather(futures)
    for sc in sites:  # the workers' copies of the world's objects: point back at this world's
        sc.site = world.sites[[s.name for s in world.sites].index(sc.site.name)]
    return CoverageResult(world=world, sites=list(sites), seconds=time.perf_counter() - t0)


def map_tiles_dask(client: Any):
    """A ``map_tiles`` for :func:`~iadsim.coverage.tiles.network_tiled`: one task per tile."""

    def run(world: World, plan: TilePlan, bounds: Sequence[tuple[int, int, int, int]]) -> Iterator[TileResult]:
        from distributed import as_completed

        wf = client.scatter(world, broadcast=True)
        pf = client.scatter(plan, broadcast=True)
        futures = client.map(compute_tile, [wf] * len(bounds), [pf] * len(bounds), list(bounds), pure=False)
        for fut in as_completed(futures):
            yield fut.result()
            fut.release()

    return run
