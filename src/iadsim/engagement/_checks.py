"""Input checks shared by the engagement core, and its error class.

Every check raises :class:`EngagementInputError` (an :class:`iadsim.errors.InputError`) whose
one-line message names the argument (``field``) and says what was expected.
"""

from __future__ import annotations

import numpy as np

from iadsim.errors import InputError


class EngagementInputError(InputError):
    """Arrays the engagement core cannot accept (NaN, negative speed, zero channels, bad shape)."""

    kind = "engagement"


def finite_array(x, name: str, *, last_dim: int | None = None, ndim: int | None = None) -> np.ndarray:
    """``x`` as a float64 array with only finite values (and, if given, a last axis of ``last_dim``)."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise EngagementInputError(f"expected a numeric array ({exc})", field=name) from None
    if ndim is not None and a.ndim != ndim:
        raise EngagementInputError(f"expected {ndim} dimension(s), got shape {a.shape}", field=name)
    if last_dim is not None and (a.ndim == 0 or a.shape[-1] != last_dim):
        raise EngagementInputError(
            f"expected a last axis of length {last_dim} (E, N, U), got shape {a.shape}", field=name
        )
    if not np.all(np.isfinite(a)):
        raise EngagementInputError("contains NaN or infinite values; expected finite numbers", field=name)
    return a


def positive(x, name: str) -> np.ndarray:
    """Finite and strictly positive."""
    a = finite_array(x, name)
    if np.any(a <= 0):
        raise EngagementInputError(f"must be > 0, got min {a.min():g}", field=name)
    return a


def nonnegative(x, name: str) -> np.ndarray:
    """Finite and >= 0."""
    a = finite_array(x, name)
    if np.any(a < 0):
        raise EngagementInputError(f"must be >= 0, got min {a.min():g}", field=name)
    return a


def probability(x, name: str) -> np.ndarray:
    """Finite and within [0, 1]."""
    a = finite_array(x, name)
    if np.any((a < 0) | (a > 1)):
        raise EngagementInputError("must lie in [0, 1]", field=name)
    return a


def count_array(x, name: str, *, minimum: int = 0) -> np.ndarray:
    """Integer counts (int64) >= ``minimum``; floats are accepted only when integral."""
    a = np.asarray(x)
    if a.dtype == np.bool_:
        raise EngagementInputError("expected integer counts, got booleans", field=name)
    if not np.issubdtype(a.dtype, np.integer):
        f = finite_array(a, name)
        if np.any(f != np.round(f)):
            raise EngagementInputError("expected whole numbers", field=name)
        a = f
    a = a.astype(np.int64)
    if np.any(a < minimum):
        raise EngagementInputError(f"must be >= {minimum}, got min {a.min()}", field=name)
    return a


def index_array(x, name: str, size: int) -> np.ndarray:
    """Integer indices in [0, size)."""
    a = count_array(x, name)
    if np.any(a >= size):
        raise EngagementInputError(f"index out of range: expected < {size}, got max {a.max()}", field=name)
    return a


def states_and_points(pos, vel, points, names: tuple[str, str, str]):
    """Finite (N, 3) positions and velocities of the same shape, and finite (M, 3) points;
    ``names`` are the three arguments' names for the error messages."""
    p = finite_array(pos, names[0], last_dim=3, ndim=2)
    v = finite_array(vel, names[1], last_dim=3, ndim=2)
    q = finite_array(points, names[2], last_dim=3, ndim=2)
    if p.shape != v.shape:
        raise EngagementInputError(f"shape {v.shape} does not match {names[0]} {p.shape}", field=names[1])
    return p, v, q
