"""The report's findings: who leaked where and why, read from the battle's outcome labels, its
shots' miss causes and its magazines.

Each leaked threat gets one reason, checked in this order:

* **missed**: interceptors were fired at it and none killed it (their miss causes are listed);
* **out of reach**: never held by a guiding radar inside a missile's envelope (``within_reach``);
* **magazine empty**: it was never engaged and, when it leaked, the ready rounds left above the
  sites' magazine reserve were gone;
* **never engaged**: none of the above (no free fire-control channel, no firing site knew it in time,
  the firing rule's moment never came...).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REASONS = ("missed", "out of reach", "magazine empty", "never engaged")


@dataclass
class Leaker:
    threat: str
    threat_class: str
    asset: str
    t_s: float
    reason: str
    interceptors: int
    causes: str = ""


@dataclass
class Findings:
    n_threats: int
    killed: int
    leaked: int
    other: dict[str, int]
    leaked_at: dict[str, int]
    by_reason: dict[str, int]
    leakers: list[Leaker]
    shots: int
    kills_per_shot: float | None
    miss_causes: dict[str, int]
    magazine_empty_s: float | None  # first time no ready round was left above the reserve
    rounds_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rounds_ready: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sentences: list[str] = field(default_factory=list)


def rounds_remaining(result: Any) -> tuple[np.ndarray, np.ndarray]:
    """Ready rounds summed over every launcher as a step function: (times, rounds after that time),
    starting at t = 0; launches take a round, completed reloads give one back."""
    from iadsim.sim.battle import EVENTS

    s, ev = result.setup, result.events
    start = int(s.ready0.sum()) if s.ready0.size else 0
    t_launch = np.asarray(result.shots["t_launch_s"], dtype=float)
    m = ev["event"] == EVENTS.index("reload_done")
    t_reload = np.asarray(ev["t_s"][m], dtype=float)
    t = np.concatenate([t_launch, t_reload])
    d = np.concatenate([-np.ones(t_launch.size, dtype=np.int64), np.ones(t_reload.size, dtype=np.int64)])
    order = np.lexsort((-d, t))  # at a tie, the reload first
    times = np.concatenate([[0.0], t[order]])
    ready = start + np.concatenate([[0], np.cumsum(d[order])])
    return times, ready


def _reserve(result: Any) -> int:
    s = result.setup
    n_sites = len(s.world.sites) if s.launcher_site.size else 0
    return int(s.settings.magazine_reserve) * n_sites


def _ready_at(times: np.ndarray, ready: np.ndarray, t: float) -> int:
    i = int(np.searchsorted(times, t, side="right")) - 1
    return int(ready[max(i, 0)])


def _reason(result: Any, i: int, n_shots: int, times, ready, reserve: int) -> str:
    s = result.setup
    if n_shots:
        return "missed"
    if s.within_reach is not None and not bool(s.within_reach[i]):
        return "out of reach"
    if ready.size and _ready_at(times, ready, float(result.end_time_s[i])) <= reserve:
        return "magazine empty"
    return "never engaged"


def _leakers(result: Any, times: np.ndarray, ready: np.ndarray) -> list[Leaker]:
    s, sh = result.setup, result.shots
    reserve = _reserve(result)
    out = []
    for i in np.flatnonzero(result.status == "leaked").tolist():
        mine = sh["threat"] == i
        n = int(np.count_nonzero(mine))
        causes = Counter(str(c) for c in np.asarray(sh["cause"])[mine]) if n and "cause" in sh else Counter()
        a = int(result.leak_asset[i])
        out.append(Leaker(threat=str(s.traj.name[i]), threat_class=str(s.traj.threat_class[i]),
                          asset=s.asset_names[a] if a >= 0 else "", t_s=float(result.end_time_s[i]),
                          reason=_reason(result, i, n, times, ready, reserve), interceptors=n,
                          causes=", ".join(f"{k} {v}" for k, v in sorted(causes.items()))))
    return out


def _sentences(f: Findings) -> list[str]:
    out = [f"Of {f.n_threats} threats, {f.killed} {'was' if f.killed == 1 else 'were'} killed and {f.leaked} leaked"
           + (" (" + ", ".join(f"{v} at {k}" for k, v in f.leaked_at.items()) + ")" if f.leaked_at else "")
           + ("; " + ", ".join(f"{v} {k}" for k, v in f.other.items()) if f.other else "") + "."]
    if f.leaked:
        why = [f"{v} {k}" for k, v in f.by_reason.items() if v]
        out.append("Why they leaked: " + "; ".join(why) + ".")
    if f.magazine_empty_s is not None:
        out.append(f"The ready rounds (above the magazine reserve) ran out at T+{f.magazine_empty_s:.0f} s.")
    if f.shots:
        causes = ", ".join(f"{k} {v}" for k, v in f.miss_causes.items() if v)
        out.append(f"{f.shots} interceptors fired" + (f", {f.kills_per_shot:.2f} kills per interceptor"
                                                      if f.kills_per_shot is not None else "")
                   + (f"; misses: {causes}" if causes else "") + ".")
    return out


def battle_findings(result: Any) -> Findings:
    """Counts, the leakers with their reason, the magazine's story and the sentences that open the report."""
    times, ready = rounds_remaining(result)
    reserve = _reserve(result)
    empty = np.flatnonzero(ready <= reserve)
    leakers = _leakers(result, times, ready)
    sh = result.shots
    n_shots = int(np.asarray(sh["threat"]).size)
    kills = int(np.count_nonzero(np.asarray(sh["outcome"]) == "kill"))
    miss = Counter(str(c) for c, o in zip(np.asarray(sh.get("cause", [])), np.asarray(sh["outcome"]))
                   if o == "miss")
    statuses = Counter(str(x) for x in result.status)
    f = Findings(
        n_threats=result.n_threats, killed=statuses.get("killed", 0), leaked=statuses.get("leaked", 0),
        other={k: v for k, v in statuses.items() if k not in ("killed", "leaked") and v},
        leaked_at=dict(Counter(lk.asset or "end of route" for lk in leakers).most_common()),
        by_reason={r: sum(lk.reason == r for lk in leakers) for r in REASONS},
        leakers=leakers, shots=n_shots, kills_per_shot=kills / n_shots if n_shots else None,
        miss_causes=dict(miss.most_common()),
        magazine_empty_s=float(times[empty[0]]) if n_shots and empty.size and int(ready[0]) > reserve else None,
        rounds_t_s=times, rounds_ready=ready)
    f.sentences = _sentences(f)
    return f


def findings_html(result: Any) -> str:
    """The findings block that opens the report."""
    from iadsim.report.html import render

    f = battle_findings(result)
    rows = [{"threat": lk.threat, "class": lk.threat_class, "leaked at": lk.asset, "t, s": f"{lk.t_s:.0f}",
             "why": lk.reason, "interceptors fired at it": lk.interceptors, "miss causes": lk.causes}
            for lk in f.leakers]
    return render("findings.html.j2", f=f, rows=rows)
