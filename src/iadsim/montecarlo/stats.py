"""Intervals and sensitivity: Wilson intervals for proportions, bootstrap intervals for means,
one-at-a-time tornado, variance-based (Sobol) indices with SALib."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927; 95% by default)."""
    if n <= 0:
        return (float("nan"), float("nan"))
    p = successes / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_mean(x: Sequence[float], *, level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (a fixed-seed resampling: same data, same interval)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    a = (1 - level) / 2
    return (float(np.quantile(means, a)), float(np.quantile(means, 1 - a)))


def summarise(df, metrics: Sequence[str] = ("killed", "leaked", "shots")):
    """Per sweep point: the swept values, replications, mean and 95% bootstrap interval of each
    metric, and P(at least one leaker) with its Wilson interval."""
    import pandas as pd

    vary_cols = [c for c in df.columns if c.startswith("vary:")]
    rows = []
    for point, g in df.groupby("point", sort=True):
        r = {"point": int(point), **{c: g[c].iloc[0] for c in vary_cols}, "replications": len(g)}
        for m in metrics:
            if m in g:
                lo, hi = bootstrap_mean(g[m].to_numpy())
                r.update({f"{m}_mean": float(g[m].mean()), f"{m}_lo": lo, f"{m}_hi": hi})
        if "leaked" in g:
            k = int((g["leaked"] > 0).sum())
            lo, hi = wilson(k, len(g))
            r.update({"p_any_leak": k / len(g), "p_any_leak_lo": lo, "p_any_leak_hi": hi})
        rows.append(r)
    return pd.DataFrame(rows)


def tornado(df, metric: str = "leaked"):
    """One-at-a-time sensitivity from a sweep over single catalog figures (``--tornado``, or
    ``--vary catalog.*``): for every ``vary:catalog.*`` column, the mean of ``metric`` at its lowest
    and highest value (the other figures nominal), each with a 95% bootstrap interval, and the
    swing (high − low) with the 95% bootstrap interval of the mean paired difference when the two
    points share their replications' seeds (``--tornado``'s common random numbers), else of the
    difference of means. ``base`` is the mean at the nominal point (no catalog column set) when the
    sweep has one. Sorted by |swing|, largest first; with other swept paths, one block of rows per
    combination of their values (the ``vary:`` columns of the result)."""
    import pandas as pd

    cat_cols = [c for c in df.columns if c.startswith("vary:catalog.")]
    other = [c for c in df.columns if c.startswith("vary:") and c not in cat_cols]
    groups = df.groupby(other, sort=True, dropna=False) if other else [((), df)]
    blocks = []
    for key, g in groups:
        rows = [r for c in cat_cols if (r := _tornado_row(g, c, cat_cols, metric)) is not None]
        if not rows:
            continue
        block = pd.DataFrame(rows)
        for col, v in zip(other, key if isinstance(key, tuple) else (key,)):
            block.insert(0, col, v)
        order = block["swing"].abs().sort_values(ascending=False, kind="stable").index
        blocks.append(block.loc[order])
    return pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()


def _tornado_row(g, c: str, cat_cols: list[str], metric: str) -> dict | None:
    vals = g[c].dropna()
    if vals.nunique() < 2:
        return None
    nominal = g[g[cat_cols].isna().all(axis=1)]
    lo_v, hi_v = vals.min(), vals.max()
    lo_rows, hi_rows = g[g[c] == lo_v], g[g[c] == hi_v]
    lo_m, hi_m = float(lo_rows[metric].mean()), float(hi_rows[metric].mean())
    paired = (lo_rows[["seed", metric]].merge(hi_rows[["seed", metric]], on="seed", suffixes=("_lo", "_hi"))
              if "seed" in g else g.iloc[:0])
    if len(paired) == len(lo_rows) == len(hi_rows) and len(paired):
        d_lo, d_hi = bootstrap_mean((paired[f"{metric}_hi"] - paired[f"{metric}_lo"]).to_numpy())
    else:
        d_lo, d_hi = _diff_interval(lo_rows[metric].to_numpy(), hi_rows[metric].to_numpy())
    return {"figure": c.removeprefix("vary:catalog."), "low": lo_v, "high": hi_v,
            "base": float(nominal[metric].mean()) if len(nominal) else float("nan"),
            f"{metric}_at_low": lo_m, f"{metric}_at_low_ci": _interval(lo_rows[metric]),
            f"{metric}_at_high": hi_m, f"{metric}_at_high_ci": _interval(hi_rows[metric]),
            "swing": hi_m - lo_m, "swing_lo": d_lo, "swing_hi": d_hi, "replications": int(min(len(lo_rows), len(hi_rows)))}


def _interval(x) -> str:
    lo, hi = bootstrap_mean(x.to_numpy())
    return f"[{lo:.2f}, {hi:.2f}]"


def _diff_interval(a: np.ndarray, b: np.ndarray, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of mean(b) − mean(a) (independent samples)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size == 0 or b.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    d = (b[rng.integers(0, b.size, size=(n_boot, b.size))].mean(axis=1)
         - a[rng.integers(0, a.size, size=(n_boot, a.size))].mean(axis=1))
    return (float(np.quantile(d, 0.025)), float(np.quantile(d, 0.975)))


def sobol(names: Sequence[str], bounds: Sequence[tuple[float, float]], model: Callable[[np.ndarray], np.ndarray],
          n: int = 1024, seed: int = 0, calc_second_order: bool = False) -> dict[str, np.ndarray]:
    """First-order (S1) and total (ST) Sobol indices of ``model`` (rows of X → outputs) over the
    box ``bounds``, with SALib's Saltelli/Sobol' sampling and estimator (``n`` a power of 2)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}
    x = sobol_sample.sample(problem, n, calc_second_order=calc_second_order, seed=seed)
    y = np.asarray(model(x), dtype=float)
    res = sobol_analyze.analyze(problem, y, calc_second_order=calc_second_order, seed=seed)
    return {"names": np.array(names), "S1": np.asarray(res["S1"]), "ST": np.asarray(res["ST"]),
            "S1_conf": np.asarray(res["S1_conf"]), "ST_conf": np.asarray(res["ST_conf"])}


def rbd_fast_from_samples(df, metric: str = "leaked", seed: int = 0):
    """First-order Sobol indices of the sampled figures (``sampled:*`` columns of an
    ``--uncertain`` sweep) for ``metric``, by SALib's RBD-FAST on the given Latin hypercube sample
    (Tarantola, Gatelli & Mara, *Reliab. Eng. Syst. Saf.* 91, 2006; Plischke, *RESS* 95, 2010), with
    its bootstrap confidence half-width. A sweep over several points uses its first point only (the
    swept values are not sampled). Figures that did not vary get 0."""
    import pandas as pd
    from SALib.analyze import rbd_fast

    if "point" in df and df["point"].nunique() > 1:
        df = df[df["point"] == df["point"].min()]
    cols = [c for c in df.columns if c.startswith("sampled:")]
    varied = [c for c in cols if df[c].nunique() > 1]
    y = df[metric].to_numpy(dtype=float)
    s1 = dict.fromkeys(cols, 0.0)
    conf = dict.fromkeys(cols, 0.0)
    if varied and np.var(y) > 0 and len(df) >= 20:
        x = df[varied].to_numpy(dtype=float)
        problem = {"num_vars": len(varied), "names": varied,
                   "bounds": [[float(a), float(b)] for a, b in zip(x.min(axis=0), x.max(axis=0))]}
        res = rbd_fast.analyze(problem, x, y, M=min(10, max(1, len(df) // 20)), seed=seed)
        s1.update({c: float(v) for c, v in zip(varied, res["S1"])})
        conf.update({c: float(v) for c, v in zip(varied, res["S1_conf"])})
    out = pd.DataFrame({"figure": [c.removeprefix("sampled:") for c in cols], f"S1_{metric}": [s1[c] for c in cols],
                        f"S1_{metric}_conf": [conf[c] for c in cols]})
    return out.sort_values(f"S1_{metric}", ascending=False, kind="stable").reset_index(drop=True)


def sobol_from_samples(df, metric: str = "leaked"):
    """Rank sampled figures (``sampled:*`` columns of an ``--uncertain`` sweep) by a first-order
    variance share: Var(E[metric | figure]) / Var(metric), estimated by binning each figure into
    equal-count bins of its samples (√n / 2 of them, 4 to 50; a given-data estimator of the Sobol
    first-order index)."""
    import pandas as pd

    y = df[metric].to_numpy(dtype=float)
    n_bins = int(np.clip(np.sqrt(y.size) / 2, 4, 50))
    var = float(np.var(y))
    rows = []
    for c in [c for c in df.columns if c.startswith("sampled:")]:
        x = df[c].to_numpy(dtype=float)
        if var == 0 or np.unique(x).size < 2:
            s1 = 0.0
        else:
            bins = np.unique(np.quantile(x, np.linspace(0, 1, n_bins + 1)))
            idx = np.clip(np.searchsorted(bins, x, side="right") - 1, 0, max(bins.size - 2, 0))
            means = np.array([y[idx == b].mean() for b in np.unique(idx)])
            weights = np.array([np.mean(idx == b) for b in np.unique(idx)])
            s1 = float(np.sum(weights * (means - y.mean()) ** 2) / var)
        rows.append({"figure": c.removeprefix("sampled:"), f"S1_{metric}": s1})
    out = pd.DataFrame(rows)
    return out.sort_values(f"S1_{metric}", ascending=False).reset_index(drop=True) if len(out) else out
