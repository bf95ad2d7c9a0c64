"""A bounded memo of per-row results shared by the replications of one prepared battle.

Under ``tracking: perfect`` the battle engages from the truth, so what fire control predicts for a
threat at a step (intercept, guiding radar, Pk), how threat evaluation scores it and whether the
guiding radar holds it at an intercept time are pure functions of the prepared setup and of that
row's inputs; only which threats are still alive (the kill draws) differs between replications.
:class:`RowMemo` keeps those row results, keyed by a tag (the computation and its shared inputs,
e.g. the step and the weapon kinds) and the exact bytes of each row's inputs, so the replications
of a sweep point compute each row once. A result is reused only for bit-identical inputs and every
row is computed independently of the others, so a memoised run returns exactly what a fresh one
does (``tests/sim/test_memo.py``). The memo is bounded: when it holds ``max_rows`` rows it is
emptied and refilled (results never depend on what it holds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: rows kept before the memo is emptied (about 1 kB each: some 50 MB per worker at most; the demo
#: raid's 10 000 replications of one point stay well below)
MAX_ROWS = 50_000


class RowMemo:
    """Per-row results of pure computations, keyed by ``(tag, row input bytes...)``."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.max_rows = int(max_rows)
        self.rows_of: dict[tuple, tuple] = {}
        self.hits = 0
        self.misses = 0

    def rows(self, tag: tuple, inputs: Sequence[np.ndarray], compute: Callable[[np.ndarray], tuple]) -> tuple:
        """The results of ``compute`` for every row of ``inputs`` (arrays with one leading row axis),
        as a tuple of arrays with that leading axis. ``compute(idx)`` must return, for the rows
        ``idx`` alone, the same per-row values it would return within the whole batch."""
        n = int(inputs[0].shape[0])
        if n == 0:
            return compute(np.zeros(0, dtype=np.int64))
        keys = [(tag, *(a[i].tobytes() for a in inputs)) for i in range(n)]
        memo = self.rows_of
        missing = [i for i, key in enumerate(keys) if key not in memo]
        self.misses += len(missing)
        self.hits += n - len(missing)
        if missing:
            idx = np.asarray(missing, dtype=np.int64)
            out = compute(idx)
            if len(memo) + idx.size > self.max_rows:
                memo.clear()
            for j, i in enumerate(missing):
                memo[keys[i]] = tuple(a[j] for a in out)
            if len(missing) == n:  # the rows in order: copies, so that no caller can alter the memo
                return tuple(np.array(a) for a in out)
        got = [memo[key] for key in keys]
        return tuple(np.stack([g[c] for g in got]) for c in range(len(got[0])))

    def value(self, key: tuple, compute: Callable[[], object]) -> object:
        """One memoised value (e.g. a per-shot check)."""
        memo = self.rows_of
        if key in memo:
            self.hits += 1
            return memo[key]
        self.misses += 1
        if len(memo) >= self.max_rows:
            memo.clear()
        memo[key] = v = compute()
        return v
