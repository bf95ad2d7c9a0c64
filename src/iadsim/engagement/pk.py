"""Engagement envelope, single-shot kill probability and seeded kill draws.

**Envelope.** A predicted intercept point is inside a missile's envelope when

    range_min ≤ ground range ≤ range_max,  alt_min ≤ altitude ≤ alt_max,  target speed ≤ v_T,max,

with ground range the horizontal (E, N) distance from the launcher and altitude the point's U
coordinate unless the caller passes a better altitude (``alt_m``, e.g. above the ellipsoid from
``iadsim.geo``: the local ENU plane drops ~12.5 km below the earth's surface at 400 km).
These are the figures public sources quote for a missile (min/max range, min/max target altitude,
max target speed; see ``shared/sources.md``).

**Pk per shot** = nominal Pk(missile, threat class) × edge factor, and 0 outside the envelope.
The edge factor is a raised-cosine (Tukey) taper (F. J. Harris, "On the use of windows for
harmonic analysis with the discrete Fourier transform", *Proc. IEEE* 66(1), 1978, §V-E) applied
to the normalised ground range ``u = r / range_max`` and normalised altitude ``w = alt / alt_max``:

    taper(u; u₀, f) = 1                                              u ≤ u₀
                    = f + (1 − f) · ½ [1 + cos(π (u − u₀) / (1 − u₀))]  u₀ < u ≤ 1
                    = f                                              u > 1
    edge = taper(u; full_range_fraction, floor) × taper(w; full_alt_fraction, floor)

Defaults ``full_range_fraction = 0.8``, ``full_alt_fraction = 0.8``, ``floor = 0.5``: Pk is
nominal inside 80 % of maximum range and ceiling and falls smoothly (C¹) to half of nominal at the
edge. These three numbers are modelling assumptions, not published figures; sweep them.

**Kill draws.** ``kill = U < Pk`` with U uniform on [0, 1). For results that do not depend on the
order in which shots are evaluated, give every shot its own generator from :func:`shot_rngs`,
keyed by a stable shot id under one ``SeedSequence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from iadsim.engagement._checks import (
    EngagementInputError,
    count_array,
    finite_array,
    nonnegative,
    probability,
)


@dataclass(frozen=True)
class Envelope:
    """Engagement envelope per missile type (arrays of one shape, usually (M,))."""

    range_min_m: np.ndarray
    range_max_m: np.ndarray
    alt_min_m: np.ndarray
    alt_max_m: np.ndarray
    target_speed_max_mps: np.ndarray

    def take(self, missile) -> "Envelope":
        """The envelope of each element of the integer array ``missile`` (e.g. per launcher)."""
        idx = np.asarray(missile, dtype=np.int64)
        return Envelope(*(np.asarray(a)[idx] for a in (
            self.range_min_m, self.range_max_m, self.alt_min_m, self.alt_max_m, self.target_speed_max_mps)))


def make_envelope(range_min_m, range_max_m, alt_min_m, alt_max_m, target_speed_max_mps) -> Envelope:
    """A validated :class:`Envelope` (min < max; ranges ≥ 0; max range > 0).

    ``target_speed_max_mps`` may be ``inf`` where no limit is published.
    """
    rmin = nonnegative(range_min_m, "range_min_m")
    rmax = nonnegative(range_max_m, "range_max_m")
    amin = finite_array(alt_min_m, "alt_min_m")
    amax = finite_array(alt_max_m, "alt_max_m")
    vmax = np.asarray(target_speed_max_mps, dtype=np.float64)  # +inf: no published limit
    if np.any(np.isnan(vmax)) or np.any(vmax < 0):
        raise EngagementInputError("must be >= 0 (inf for no limit), got NaN or a negative value",
                                   field="target_speed_max_mps")
    try:
        arrays = np.broadcast_arrays(rmin, rmax, amin, amax, vmax)
    except ValueError:
        raise EngagementInputError("the envelope arrays must have one shape", field="range_min_m") from None
    rmin, rmax, amin, amax, vmax = (np.array(a) for a in arrays)
    if np.any(rmax <= 0) or np.any(rmin >= rmax):
        raise EngagementInputError("expected 0 ≤ range_min_m < range_max_m", field="range_max_m")
    if np.any(amin >= amax) or np.any(amax <= 0):
        raise EngagementInputError("expected alt_min_m < alt_max_m and alt_max_m > 0", field="alt_max_m")
    return Envelope(rmin, rmax, amin, amax, vmax)


def ground_range_m(point_enu_m, launcher_pos_enu_m) -> np.ndarray:
    """Horizontal (E, N) distance from launcher to point, broadcasting over leading axes."""
    p = np.asarray(point_enu_m, dtype=np.float64)
    q = np.asarray(launcher_pos_enu_m, dtype=np.float64)
    return np.hypot(p[..., 0] - q[..., 0], p[..., 1] - q[..., 1])


def in_envelope(
    intercept_pos_enu_m,
    launcher_pos_enu_m,
    target_speed_mps,
    envelope: Envelope,
    alt_m=None,
) -> np.ndarray:
    """Whether each predicted intercept point lies in the envelope (module docstring).

    All arguments broadcast (points ``(..., 3)``, envelope arrays and speeds ``(...)``); e.g. points
    (T, L, 3), launchers (L, 3), speeds (T, 1), ``envelope.take(missile_of_launcher)``.
    NaN points (no intercept solution) are outside. Boundaries are inclusive.
    """
    inside, _, _ = _envelope_terms(intercept_pos_enu_m, launcher_pos_enu_m, target_speed_mps, envelope, alt_m)
    return inside


def _envelope_terms(intercept_pos_enu_m, launcher_pos_enu_m, target_speed_mps, envelope, alt_m):
    """(inside, ground range, altitude) of each intercept point."""
    p = np.asarray(intercept_pos_enu_m, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] != 3:
        raise EngagementInputError("expected a last axis of length 3 (E, N, U)", field="intercept_pos_enu_m")
    q = finite_array(launcher_pos_enu_m, "launcher_pos_enu_m", last_dim=3)
    v = nonnegative(target_speed_mps, "target_speed_mps")
    rng_m = ground_range_m(p, q)
    alt = p[..., 2] if alt_m is None else np.asarray(alt_m, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        inside = (
            (rng_m >= envelope.range_min_m)
            & (rng_m <= envelope.range_max_m)
            & (alt >= envelope.alt_min_m)
            & (alt <= envelope.alt_max_m)
            & (v <= envelope.target_speed_max_mps)
        )
    return inside & np.isfinite(rng_m) & np.isfinite(alt), rng_m, alt


def cosine_taper(u, u_full: float, floor: float) -> np.ndarray:
    """Raised-cosine taper: 1 for u ≤ u_full, falling to ``floor`` at u = 1 (module docstring)."""
    u = np.asarray(u, dtype=np.float64)
    if not (0.0 <= u_full < 1.0):
        raise EngagementInputError("expected 0 ≤ full fraction < 1", field="full_range_fraction")
    if not (0.0 <= floor <= 1.0):
        raise EngagementInputError("expected 0 ≤ floor ≤ 1", field="floor")
    x = np.clip((u - u_full) / (1.0 - u_full), 0.0, 1.0)
    return floor + (1.0 - floor) * 0.5 * (1.0 + np.cos(np.pi * x))


def edge_factor(
    range_m,
    alt_m,
    envelope: Envelope,
    *,
    full_range_fraction: float = 0.8,
    full_alt_fraction: float = 0.8,
    floor: float = 0.5,
) -> np.ndarray:
    """Pk multiplier that falls smoothly from 1 to ``floor`` towards max range and ceiling.

    ``range_m`` is the ground range of the intercept point from the launcher, ``alt_m`` its altitude.
    """
    r = np.asarray(range_m, dtype=np.float64)
    a = np.asarray(alt_m, dtype=np.float64)
    f_r = cosine_taper(r / envelope.range_max_m, full_range_fraction, floor)
    f_a = cosine_taper(a / envelope.alt_max_m, full_alt_fraction, floor)
    return f_r * f_a


def shot_pk(pk_nominal, missile_type, threat_class, edge=1.0, inside=True) -> np.ndarray:
    """Pk per shot = ``pk_nominal[missile_type, threat_class] × edge``, 0 where not ``inside``.

    ``pk_nominal`` is the (missile types × threat classes) table; the index arrays and ``edge`` /
    ``inside`` broadcast together.
    """
    table = probability(pk_nominal, "pk_nominal")
    if table.ndim != 2:
        raise EngagementInputError("expected a (missile types, threat classes) table", field="pk_nominal")
    m = count_array(missile_type, "missile_type")
    c = count_array(threat_class, "threat_class")
    if np.any(m >= table.shape[0]) or np.any(c >= table.shape[1]):
        raise EngagementInputError(f"index outside the Pk table of shape {table.shape}", field="pk_nominal")
    e = probability(edge, "edge")
    return np.where(np.asarray(inside, dtype=bool), table[m, c] * e, 0.0)


def engagement_pk(
    intercept_pos_enu_m,
    launcher_pos_enu_m,
    target_speed_mps,
    envelope: Envelope,
    pk_nominal,
    missile_type,
    threat_class,
    alt_m=None,
    **edge_kwargs,
) -> tuple[np.ndarray, np.ndarray]:
    """(Pk per shot, inside-envelope mask) for predicted intercept points; see module docstring.

    ``envelope`` must already be per launcher (``envelope.take(missile_type)``) when
    ``missile_type`` varies by launcher.
    """
    inside, r, alt = _envelope_terms(intercept_pos_enu_m, launcher_pos_enu_m, target_speed_mps, envelope, alt_m)
    with np.errstate(invalid="ignore"):
        edge = np.where(inside, edge_factor(r, alt, envelope, **edge_kwargs), 0.0)
    return shot_pk(pk_nominal, missile_type, threat_class, edge, inside), inside


RngArg = np.random.Generator | Sequence[np.random.Generator]


def shot_rngs(seed: np.random.SeedSequence | int, shot_ids) -> list[np.random.Generator]:
    """One generator per shot, keyed by its id: child ``shot_id`` of ``seed``.

    Child ``i`` has ``spawn_key = seed.spawn_key + (i,)``, exactly what ``seed.spawn(n)[i]`` gives
    for a fresh ``seed``; so a shot's draw depends only on the seed and its id, not on how many
    shots there are or the order in which they are evaluated.
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    ids = count_array(shot_ids, "shot_ids").ravel()
    return [
        np.random.default_rng(
            np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key + (int(i),), pool_size=ss.pool_size)
        )
        for i in ids
    ]


def uniform_draws(rng: RngArg, shape: tuple[int, ...]) -> np.ndarray:
    """Uniforms of ``shape``: from one Generator (C order), or one Generator per leading index."""
    if isinstance(rng, np.random.Generator):
        return rng.random(shape)
    if not shape:
        raise EngagementInputError("per-shot generators need at least one axis", field="rng")
    rngs = list(rng)
    if len(rngs) != shape[0] or not all(isinstance(r, np.random.Generator) for r in rngs):
        raise EngagementInputError(
            f"expected a numpy Generator or {shape[0]} Generators (one per row)", field="rng"
        )
    return np.stack([r.random(shape[1:]) for r in rngs]).reshape(shape)


def draw_kills(pk, rng: RngArg) -> np.ndarray:
    """Seeded kill draws: ``U < pk`` elementwise.

    ``rng`` is one Generator (draws in C order over ``pk``) or one Generator per element of the
    first axis of ``pk`` (e.g. :func:`shot_rngs`), which makes each shot's outcome independent
    of the others' evaluation.
    """
    p = probability(pk, "pk")
    return uniform_draws(rng, p.shape) < p
