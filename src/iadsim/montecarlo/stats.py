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
    """One-at-a-time sensitivity from a sweep over single catalog figures: for every
    ``vary:catalog.*`` column, the mean of ``metric`` at the lowest and highest swept value (the
    other figures nominal); sorted by swing, largest first."""
    import pandas as pd

    rows = []
    for c in [c for c in df.columns if c.startswith("vary:catalog.")]:
        vals = df[c].dropna()
        if vals.nunique() < 2:
            continue
        lo_v, hi_v = vals.min(), vals.max()
        lo = float(df.loc[df[c] == lo_v, metric].mean())
        hi = float(df.loc[df[c] == hi_v, metric].mean())
        rows.append({"figure": c.removeprefix("vary:catalog."), "low": lo_v, "high": hi_v,
                     f"{metric}_at_low": lo, f"{metric}_at_high": hi, "swing": abs(hi - lo)})
    out = pd.DataFrame(rows)
    return out.sort_values("swing", ascending=False).reset_index(drop=True) if len(out) else out


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
