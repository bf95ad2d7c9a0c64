"""The Monte Carlo report: a sweep folder's dataset → summary tables, saturation curve,
convergence plot, tornado and sensitivity ranking, as the ``montecarlo.html.j2`` partial and a
standalone page (``iadsim report DIR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from iadsim.montecarlo import dataset, stats
from iadsim.report.html import BOUNDARIES, CSS, img, table

TEMPLATES = Path(__file__).parent / "templates"


def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _fmt(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return f"{v:.3g}" if np.isfinite(v) else "—"
    return v


def _raid_size_col(df) -> str | None:
    if "vary:raid.scale" in df or any(c.startswith("vary:threats[") and c.endswith(".count") for c in df.columns):
        return "threats"
    return None


def saturation_png(df, path: Path) -> Path | None:
    """Leakers (mean, 95% bootstrap band) against raid size, one line per other swept combination."""
    import matplotlib.pyplot as plt

    if _raid_size_col(df) is None:
        return None
    swept = [c for c in df.columns if c.startswith("vary:") and c != "vary:raid.scale"
             and not (c.startswith("vary:threats[") and c.endswith(".count"))]
    fixed = [c for c in swept if df[c].nunique(dropna=False) == 1]
    others = [c for c in swept if c not in fixed]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    groups = df.groupby(others, sort=True, dropna=False) if others else [((), df)]
    for key, g in groups:
        rows = []
        for size, gg in g.groupby("threats", sort=True):
            lo, hi = stats.bootstrap_mean(gg["leaked"].to_numpy())
            rows.append((size, gg["leaked"].mean(), lo, hi))
        a = np.array(rows, dtype=float)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c.removeprefix('vary:')}={k}" for c, k in zip(others, key)) or "leakers"
        ax.plot(a[:, 0], a[:, 1], marker="o", label=label)
        ax.fill_between(a[:, 0], a[:, 2], a[:, 3], alpha=0.2)
    ax.set_xlabel("threats in the raid")
    ax.set_ylabel("leakers per replication (mean, 95% CI)")
    if fixed:
        ax.set_title(", ".join(f"{c.removeprefix('vary:')} = {df[c].iloc[0]}" for c in fixed), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def convergence_png(df, path: Path, metric: str = "leaked", max_points: int = 8) -> Path:
    """Running mean of ``metric`` against replications, with a ±1.96 σ/√n band, per point."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for point, g in list(df.groupby("point", sort=True))[:max_points]:
        y = g.sort_values("rep")[metric].to_numpy(dtype=float)
        n = np.arange(1, y.size + 1)
        mean = np.cumsum(y) / n
        sq = np.cumsum(y * y) / n
        half = 1.96 * np.sqrt(np.maximum(sq - mean ** 2, 0.0) / n)
        ax.plot(n, mean, label=f"point {point}")
        ax.fill_between(n, mean - half, mean + half, alpha=0.15)
    ax.set_xlabel("replications")
    ax.set_ylabel(f"running mean of {metric}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def bars_png(labels: list[str], values: list[float], xlabel: str, path: Path, base: float | None = None,
             lows: list[float] | None = None) -> Path:
    """Horizontal bars (a tornado when ``lows`` and ``base`` are given: low..high around base)."""
    import matplotlib.pyplot as plt

    k = len(labels)
    fig, ax = plt.subplots(figsize=(7, 0.4 * k + 1.2))
    y = np.arange(k)[::-1]
    if lows is not None and base is not None:  # from the nominal result to the result at each end
        lo, hi = np.asarray(lows, dtype=float), np.asarray(values, dtype=float)
        ax.barh(y, lo - base, left=base, color="#4c78a8", height=0.7, label="figure at its low")
        ax.barh(y, hi - base, left=base, color="#f58518", height=0.7, alpha=0.85, label="figure at its high")
        ax.axvline(base, color="k", lw=1, label="nominal catalog")
        ax.legend(fontsize=8, loc="lower right")
    elif lows is not None:
        left = np.minimum(lows, values)
        ax.barh(y, np.abs(np.array(values) - np.array(lows)), left=left, color="#4c78a8")
    else:
        ax.barh(y, values, color="#4c78a8")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _tornado_figures(tor, df, figs_dir: Path, top: int = 15, blocks: int = 4) -> list[dict[str, str]]:
    """One tornado chart per combination of the other swept values (at most ``blocks``), the
    ``top`` largest swings each."""
    other = [c for c in tor.columns if c.startswith("vary:")]
    groups = list(tor.groupby(other, sort=True, dropna=False)) if other else [((), tor)]
    out = []
    for i, (key, g) in enumerate(groups[:blocks]):
        g = g.head(top)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c.removeprefix('vary:')} = {_fmt(v)}" for c, v in zip(other, key))
        base = float(g["base"].iloc[0]) if np.isfinite(g["base"].iloc[0]) else float(df["leaked"].mean())
        p = bars_png([f"{f} ({lo:.4g}–{hi:.4g})" for f, lo, hi in zip(g["figure"], g["low"], g["high"])],
                     list(g["leaked_at_high"]), "mean leakers per replication",
                     figs_dir / f"tornado{'' if i == 0 else f'-{i}'}.png", base=base, lows=list(g["leaked_at_low"]))
        out.append({"title": "Tornado" + (f" ({label})" if label else ""), "img": img(p, "tornado"),
                    "caption": f"Mean leakers with each catalog figure at its low and at its high, the others nominal "
                               f"(the {len(g)} largest swings; line: the nominal catalog). Both ends reuse the nominal "
                               "point's seeds (common random numbers); the table gives each swing's 95% paired "
                               "bootstrap interval."})
    return out


def sweep_context(folder: str | Path) -> dict[str, Any]:
    """The ``mc`` context of the ``montecarlo.html.j2`` partial (figures written to DIR/figures)."""
    out = Path(folder)
    manifest = dataset.read_manifest(out)
    df = dataset.read_results(out)
    figs_dir = out / "figures"
    figs_dir.mkdir(exist_ok=True)
    definition = manifest.get("definition", {})
    n_points = len(manifest.get("points", []))
    expected = n_points * int(definition.get("replications", 0))
    summary = stats.summarise(df) if len(df) else None
    figures: list[dict[str, str]] = []
    if len(df):
        p = saturation_png(df, figs_dir / "saturation.png")
        if p is not None:
            figures.append({"title": "Saturation curve", "img": img(p, "leakers against raid size"),
                            "caption": "Leakers per replication against the number of threats in the raid "
                                       "(mean and 95% bootstrap band)."})
        p = convergence_png(df, figs_dir / "convergence.png")
        figures.append({"title": "Convergence", "img": img(p, "running mean of leakers"),
                        "caption": "Running mean of leakers as replications accumulate (band: ±1.96 σ/√n)."})
    tor = stats.tornado(df) if len(df) else None
    tornado_table = ""
    if tor is not None and len(tor):
        tornado_table = table([{k.removeprefix("vary:"): _fmt(v) for k, v in r.items()} for r in tor.to_dict("records")],
                              left=["figure"])
        figures.extend(_tornado_figures(tor, df, figs_dir))
    sens_table = ""
    if any(c.startswith("sampled:") for c in df.columns) and len(df) >= 20:
        ranks = [stats.rbd_fast_from_samples(df, m) for m in ("leaked", "killed", "shots")]
        ranks.append(stats.sobol_from_samples(df, "leaked").rename(columns={"S1_leaked": "S1_leaked_binned"}))
        merged = ranks[0]
        for r in ranks[1:]:
            merged = merged.merge(r, on="figure")
        merged = merged.sort_values("S1_leaked", ascending=False).head(20)
        sens_table = table([{k: _fmt(v) for k, v in r.items()} for r in merged.to_dict("records")], left=["figure"])
        p = bars_png(list(merged["figure"]), list(merged["S1_leaked"]), "first-order Sobol index of leakers (RBD-FAST)",
                     figs_dir / "sensitivity.png")
        figures.append({"title": "Sensitivity (sampled figures)", "img": img(p, "sensitivity"),
                        "caption": "First-order Sobol index of leakers per sampled catalog figure (top 20), by "
                                   "SALib's RBD-FAST on the Latin hypercube sample; the table adds kills and "
                                   "rounds fired, each index's 95% bootstrap half-width, and a binned estimate "
                                   "of the same index as a cross-check."})
    rows = [] if summary is None else [{k.removeprefix("vary:"): _fmt(v) for k, v in r.items()}
                                       for r in summary.to_dict("records")]
    return {
        "n_rows": len(df), "n_points": n_points, "hash": manifest.get("hash", ""),
        "uncertain": manifest.get("uncertain", []), "distribution": definition.get("distribution"),
        "seeds": manifest.get("seeds", ""), "missing": max(expected - len(df), 0),
        "summary_table": table(rows), "figures": figures, "tornado_table": tornado_table,
        "sensitivity_table": sens_table, "source": manifest.get("source", ""), "version": manifest.get("iadsim", ""),
    }


def section_html(folder: str | Path) -> str:
    """The Monte Carlo section alone (for a run report that includes a sweep)."""
    return _env().get_template("montecarlo.html.j2").render(mc=sweep_context(folder))


def write_sweep_report(folder: str | Path) -> Path:
    """``DIR/report.html``: the standalone report of a sweep folder."""
    out = Path(folder)
    mc = sweep_context(out)
    text = _env().get_template("montecarlo_page.html.j2").render(
        title=f"iadsim Monte Carlo sweep — {Path(mc['source']).name}", css=CSS, mc=mc, boundaries=BOUNDARIES)
    page = out / "report.html"
    dataset.write_atomic(page, text.encode("utf-8"))
    return page
