"""One sweep point's replications → table rows (runs inside a worker process).

Per point, once per worker: the world is compiled and the battle prepared
(:func:`iadsim.sim.battle_setup.prepare_battle`: routes, radar views, Pd on every route sample,
fire control on the truth, reach). Per replication, only what depends on the draws is recomputed:

* ``perfect`` perception without sampled figures: the prepared battle is shared and only the kill
  draws (``simulate(setup, seed)``) differ; its row memo (:mod:`iadsim.sim.memo`) also shares, across
  the worker's replications, what each decision step computes from the truth (fire-control
  predictions, threat evaluation, assignments, shot geometry), so a replication mostly replays
  memoised rows and draws its kills;
* ``tracker`` perception: the plots and tracks (seeded by the replication's seed) and the battle
  setup on the shared routes; the world's seed-free caches (terrain pass per radar, Pd tables,
  sea-free radii) are shared too;
* sampled catalog figures (``--uncertain``): the world is compiled with the replication's catalog.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iadsim.catalog import load_catalog
from iadsim.montecarlo.seeds import replication_seed
from iadsim.montecarlo.uncertainty import Uncertain, with_figures
from iadsim.scenario import LoadedScenario
from iadsim.sim.battle import EVENTS, OUTCOMES, BattleResult, simulate
from iadsim.sim.battle_setup import BattleSetup, prepare_battle
from iadsim.sim.memo import RowMemo
from iadsim.world import World, compile_world


@dataclass
class PointJob:
    """What a worker needs to run replications of one sweep point (picklable)."""

    key: str  # the sweep definition's hash (worker cache key)
    index: int
    values: dict[str, Any]  # swept PATH -> value of this point
    loaded: LoadedScenario  # the point's scenario, edits applied
    run_seed: int
    catalog_dirs: tuple[str, ...] = ()
    catalog_values: dict[tuple[str, str], float] = field(default_factory=dict)  # catalog.* sweeps
    uncertain: list[Uncertain] = field(default_factory=list)
    samples: np.ndarray | None = None  # (replications, len(uncertain)) sampled figures
    seed_point: int | None = None  # the point whose seeds the replications use (tornado: common random numbers)


_CACHE: dict[tuple[str, int], tuple[World, BattleSetup]] = {}


def with_seed(loaded: LoadedScenario, seed: int) -> LoadedScenario:
    """The scenario with ``run.seed`` replaced (the replication's plots, tracks and kill draws)."""
    sc = loaded.scenario
    sc2 = sc.model_copy(update={"run": sc.run.model_copy(update={"seed": int(seed)})})
    return dataclasses.replace(loaded, scenario=sc2)


def point_setup(job: PointJob) -> tuple[World, BattleSetup | None]:
    """The point's compiled world and prepared battle, once per worker (the last 2 points kept);
    no prepared battle when every replication samples the catalog."""
    k = (job.key, job.index)
    if k not in _CACHE:
        catalog = with_figures(load_catalog(job.catalog_dirs), job.catalog_values)
        world = compile_world(job.loaded, catalog)
        setup = None if job.uncertain else _shared_setup(world) if not _tracker(world) else \
            _ShareRoutes(world)
        while len(_CACHE) >= 2:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[k] = (world, setup)
    return _CACHE[k]


def _shared_setup(world: World) -> BattleSetup:
    """Perfect perception: the prepared battle with a memo (:mod:`iadsim.sim.memo`), so that its
    replications share fire-control predictions, threat evaluation and intercept-time checks."""
    return dataclasses.replace(prepare_battle(world), memo=RowMemo())


class _ShareRoutes:
    """Tracker mode: the routes of the point, shared; the rest per replication."""

    def __init__(self, world: World) -> None:
        from iadsim.sim.trajectories import sample_trajectories, time_grid

        self.traj = sample_trajectories(world, time_grid(world))

    @staticmethod
    def world_with_seed(world: World, seed: int) -> World:
        """The point's world with the replication's seed, keeping what the world computed once and
        the seed does not change (terrain passes per radar, Pd tables, sea-free radii)."""
        out = dataclasses.replace(world, loaded=with_seed(world.loaded, seed))
        for key in _SEED_FREE_CACHES:  # the same dicts: what one replication computes, the next reuses
            out.__dict__[key] = world.__dict__.setdefault(key, {})
        return out


#: the World's own caches (``World.__dict__``) that do not depend on ``run.seed``
_SEED_FREE_CACHES = ("_radar_terrain", "_pd_tables", "_sea_free_radius")


def _tracker(world: World) -> bool:
    return world.scenario.engagement.tracking == "tracker"


def replication(job: PointJob, rep: int) -> tuple[BattleResult, dict[str, float]]:
    """Replication ``rep`` of the point: its battle and its sampled figures."""
    seed = replication_seed(job.run_seed, job.index if job.seed_point is None else job.seed_point, rep)
    world, shared = point_setup(job)
    sampled: dict[str, float] = {}
    if job.uncertain:
        row = job.samples[rep]
        sampled = {u.name: float(row[j]) for j, u in enumerate(job.uncertain)}
        values = {**job.catalog_values, **{(u.entry, u.figure): float(row[j]) for j, u in enumerate(job.uncertain)}}
        catalog = with_figures(load_catalog(job.catalog_dirs), values)
        setup = prepare_battle(compile_world(with_seed(job.loaded, seed), catalog))
    elif isinstance(shared, _ShareRoutes):
        setup = prepare_battle(shared.world_with_seed(world, seed), traj=shared.traj)
    else:
        setup = shared
    return simulate(setup, seed), sampled


def run_batch(job: PointJob, reps: list[int]) -> list[dict[str, Any]]:
    """Rows of replications ``reps`` of the point (columns: :func:`row`)."""
    out = []
    for r in reps:
        result, sampled = replication(job, r)
        out.append(row(job, r, result, sampled))
    return out


def row(job: PointJob, rep: int, result: BattleResult, sampled: dict[str, float]) -> dict[str, Any]:
    """One dataset row: ``point``, ``rep``, ``seed``, ``vary:PATH`` values, ``sampled:ENTRY.FIGURE``
    values, ``threats``, ``killed``, ``leaked``, ``survived``, ``shots``, ``outcome:LABEL`` counts,
    ``leaked_at:ASSET``, ``expended:MISSILE``, ``t_first_detection_s`` (first ``detected`` event,
    NaN if none), ``t_magazine_empty_s`` (launch time of the round that empties the initial load,
    NaN if it is never emptied)."""
    s = result.setup
    out: dict[str, Any] = {"point": job.index, "rep": int(rep), "seed": int(result.seed)}
    out.update({f"vary:{k}": v for k, v in job.values.items()})
    out.update({f"sampled:{k}": v for k, v in sampled.items()})
    killed, leaked = result.count("killed"), result.count("leaked")
    n_shots = int(result.shots["threat"].size)
    out.update(threats=result.n_threats, killed=killed, leaked=leaked, survived=result.n_threats - killed - leaked,
               shots=n_shots)
    out.update({f"outcome:{k}": result.count(k) for k in OUTCOMES})
    leaked_mask = result.status == "leaked"
    for a, name in enumerate(s.asset_names):
        out[f"leaked_at:{name}"] = int(np.count_nonzero(leaked_mask & (result.leak_asset == a)))
    out.update({f"expended:{k}": v for k, v in result.expended_by_type().items()})
    det = result.events["event"] == EVENTS.index("detected")
    out["t_first_detection_s"] = float(result.events["t_s"][det].min()) if det.any() else float("nan")
    total = int(s.ready0.sum()) if s.ready0.size else 0
    t_launch = np.sort(np.asarray(result.shots.get("t_launch_s", np.zeros(0)), dtype=float))
    out["t_magazine_empty_s"] = float(t_launch[total - 1]) if 0 < total <= t_launch.size else float("nan")
    return out
