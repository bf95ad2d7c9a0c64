"""Motion and measurement models, batched over tracks.

State layout (all models): position block first, then velocity, then any extra
components, Cartesian ENU metres: ``[x, y, (z), vx, vy, (vz), ...]``.

* :class:`ConstantVelocity`: ``[p(n), v(n)]``; nearly-constant velocity with continuous white-noise
  acceleration of power spectral density ``q`` (m²/s³) per axis (Bar-Shalom, Li & Kirubarajan,
  *Estimation with Applications to Tracking and Navigation*, 2001, §6.2.2):
  ``F = [[I, T I], [0, I]]``, ``Q = q [[T³/3 I, T²/2 I], [T²/2 I, T I]]``.
* :class:`ConstantAcceleration`: ``[p, v, a]``; continuous white-noise jerk (ibid. §6.2.3),
  ``Q = q [[T⁵/20, T⁴/8, T³/6], [T⁴/8, T³/3, T²/2], [T³/6, T²/2, T]] ⊗ I``.
* :class:`CoordinatedTurn`: ``[x, y, (z), vx, vy, (vz), ω]`` with the turn rate ω (rad/s) in the
  state, nonlinear; horizontal turn, vertical CV (ibid. §11.7.1, Li & Jilkov, IEEE T-AES 2003,
  "Survey of maneuvering target tracking, part I", eq. 31 / 39).
* :class:`CoordinatedTurnKnownRate`: the same turn with a fixed ω, linear in ``[p, v]`` — the
  mode model for an IMM.

Measurement models give ``h(x)`` for ``x`` of shape (..., d), the Jacobian (..., m, d), which
components are angles (``angle_mask``; residuals wrap to (−π, π]) and an ``inverse`` from
measurements back to Cartesian position with a linearised covariance (used to start tracks).
The nonlinear models read position (and, for range rate, velocity) from the first components of
any state layout above, so their Jacobians take the state dimension from ``x``.

Angles: azimuth/bearing is clockwise from north (ENU ``y``), ``az = atan2(east, north)``;
elevation is above the local horizontal, ``el = atan2(up, hypot(east, north))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ConstantVelocity",
    "ConstantAcceleration",
    "CoordinatedTurn",
    "CoordinatedTurnKnownRate",
    "LinearPosition",
    "RangeBearing2D",
    "Spherical3D",
    "wrap_angle",
]


def wrap_angle(a):
    """Wrap angles (rad) to (−π, π]."""
    a = np.asarray(a, dtype=float)
    return np.pi - np.mod(np.pi - a, 2.0 * np.pi)


# ----------------------------------------------------------------------------- motion models


@dataclass(frozen=True)
class ConstantVelocity:
    """Nearly-constant velocity; ``q`` is the acceleration PSD in m²/s³ (per axis)."""

    ndim: int = 2
    q: float = 1.0
    linear = True

    @property
    def state_dim(self) -> int:
        return 2 * self.ndim

    def F(self, dt_s: float) -> np.ndarray:
        f1 = np.array([[1.0, dt_s], [0.0, 1.0]])
        return np.kron(f1, np.eye(self.ndim))

    def Q(self, dt_s: float) -> np.ndarray:
        t = abs(dt_s)
        q1 = self.q * np.array([[t**3 / 3.0, t**2 / 2.0], [t**2 / 2.0, t]])
        return np.kron(q1, np.eye(self.ndim))

    def f(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        return x @ self.F(dt_s).T

    def jacobian(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        return np.broadcast_to(self.F(dt_s), x.shape[:-1] + (self.state_dim,) * 2)


@dataclass(frozen=True)
class ConstantAcceleration:
    """Nearly-constant acceleration; ``q`` is the jerk PSD in m²/s⁵ (per axis)."""

    ndim: int = 2
    q: float = 1.0
    linear = True

    @property
    def state_dim(self) -> int:
        return 3 * self.ndim

    def F(self, dt_s: float) -> np.ndarray:
        t = dt_s
        f1 = np.array([[1.0, t, t * t / 2.0], [0.0, 1.0, t], [0.0, 0.0, 1.0]])
        return np.kron(f1, np.eye(self.ndim))

    def Q(self, dt_s: float) -> np.ndarray:
        t = abs(dt_s)
        q1 = self.q * np.array(
            [
                [t**5 / 20.0, t**4 / 8.0, t**3 / 6.0],
                [t**4 / 8.0, t**3 / 3.0, t**2 / 2.0],
                [t**3 / 6.0, t**2 / 2.0, t],
            ]
        )
        return np.kron(q1, np.eye(self.ndim))

    def f(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        return x @ self.F(dt_s).T

    def jacobian(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        return np.broadcast_to(self.F(dt_s), x.shape[:-1] + (self.state_dim,) * 2)


def _turn_coeffs(w, t):
    """sin(ωT)/ω, (1−cos ωT)/ω and their ω-derivatives, with series near ω = 0."""
    w = np.asarray(w, dtype=float)
    wt = w * t
    small = np.abs(wt) < 1e-4
    ws = np.where(small, 1.0, w)
    s, c = np.sin(wt), np.cos(wt)
    a = np.where(small, t - w**2 * t**3 / 6.0, s / ws)  # sin(wT)/w
    b = np.where(small, w * t**2 / 2.0 - w**3 * t**4 / 24.0, (1.0 - c) / ws)  # (1-cos wT)/w
    da = np.where(small, -w * t**3 / 3.0, (t * c - a) / ws)
    db = np.where(small, t**2 / 2.0 - w**2 * t**4 / 8.0, (t * s - b) / ws)
    return a, b, s, c, da, db


@dataclass(frozen=True)
class CoordinatedTurn:
    """Coordinated turn with turn rate in the state: ``[x, y, (z), vx, vy, (vz), ω]``.

    ``q`` is the acceleration PSD (m²/s³) on the position/velocity axes (CV-like noise) and
    ``q_turn`` the turn-rate PSD (rad²/s³).
    """

    ndim: int = 2
    q: float = 1.0
    q_turn: float = 1e-4
    linear = False

    @property
    def state_dim(self) -> int:
        return 2 * self.ndim + 1

    def f(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        n = self.ndim
        x = np.asarray(x, dtype=float)
        w = x[..., -1]
        a, b, s, c, _, _ = _turn_coeffs(w, dt_s)
        vx, vy = x[..., n], x[..., n + 1]
        out = x.copy()
        out[..., 0] = x[..., 0] + a * vx - b * vy
        out[..., 1] = x[..., 1] + b * vx + a * vy
        out[..., n] = c * vx - s * vy
        out[..., n + 1] = s * vx + c * vy
        if n == 3:
            out[..., 2] = x[..., 2] + dt_s * x[..., 5]
        return out

    def jacobian(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        n = self.ndim
        d = self.state_dim
        x = np.asarray(x, dtype=float)
        w = x[..., -1]
        a, b, s, c, da, db = _turn_coeffs(w, dt_s)
        vx, vy = x[..., n], x[..., n + 1]
        J = np.zeros(x.shape[:-1] + (d, d))
        idx = np.arange(d)
        J[..., idx, idx] = 1.0
        J[..., 0, n], J[..., 0, n + 1], J[..., 0, -1] = a, -b, da * vx - db * vy
        J[..., 1, n], J[..., 1, n + 1], J[..., 1, -1] = b, a, db * vx + da * vy
        J[..., n, n], J[..., n, n + 1] = c, -s
        J[..., n + 1, n], J[..., n + 1, n + 1] = s, c
        J[..., n, -1] = -dt_s * (s * vx + c * vy)
        J[..., n + 1, -1] = dt_s * (c * vx - s * vy)
        if n == 3:
            J[..., 2, 5] = dt_s
        return J

    def Q(self, dt_s: float) -> np.ndarray:
        d = self.state_dim
        out = np.zeros((d, d))
        out[:-1, :-1] = ConstantVelocity(self.ndim, self.q).Q(dt_s)
        out[-1, -1] = self.q_turn * abs(dt_s)
        return out


@dataclass(frozen=True)
class CoordinatedTurnKnownRate:
    """Coordinated turn at a fixed rate ``omega_radps`` on state ``[p, v]``; linear (IMM mode)."""

    ndim: int = 2
    q: float = 1.0
    omega_radps: float = 0.0
    linear = True

    @property
    def state_dim(self) -> int:
        return 2 * self.ndim

    def F(self, dt_s: float) -> np.ndarray:
        n = self.ndim
        a, b, s, c, _, _ = (float(v) for v in _turn_coeffs(self.omega_radps, dt_s))
        F = np.eye(2 * n)
        F[0, n], F[0, n + 1], F[1, n], F[1, n + 1] = a, -b, b, a
        F[n, n], F[n, n + 1], F[n + 1, n], F[n + 1, n + 1] = c, -s, s, c
        if n == 3:
            F[2, 5] = dt_s
        return F

    def Q(self, dt_s: float) -> np.ndarray:
        return ConstantVelocity(self.ndim, self.q).Q(dt_s)

    def f(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        return x @ self.F(dt_s).T

    def jacobian(self, x: np.ndarray, dt_s: float) -> np.ndarray:
        return np.broadcast_to(self.F(dt_s), x.shape[:-1] + (self.state_dim,) * 2)


# ------------------------------------------------------------------------ measurement models


@dataclass(frozen=True)
class LinearPosition:
    """Cartesian position measurement ``z = H x`` with ``H = [I_n 0]``."""

    ndim: int = 2
    state_dim: int = 4
    linear = True

    @property
    def meas_dim(self) -> int:
        return self.ndim

    @property
    def angle_mask(self) -> np.ndarray:
        return np.zeros(self.ndim, dtype=bool)

    @property
    def H(self) -> np.ndarray:
        return np.eye(self.ndim, self.state_dim)

    def h(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x)[..., : self.ndim]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.H, np.shape(x)[:-1] + self.H.shape)

    def inverse(self, z: np.ndarray, R: np.ndarray):
        """Position (M×n) and its covariance (M×n×n) from measurements."""
        return np.asarray(z, float), np.asarray(R, float)


@dataclass(frozen=True)
class RangeBearing2D:
    """2-D range and bearing ``[r, az]`` from a sensor at ``sensor_pos_enu_m`` (2,)."""

    sensor_pos_enu_m: tuple = (0.0, 0.0)
    linear = False
    ndim = 2
    meas_dim = 2

    @property
    def angle_mask(self) -> np.ndarray:
        return np.array([False, True])

    def h(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        dx = x[..., 0] - self.sensor_pos_enu_m[0]
        dy = x[..., 1] - self.sensor_pos_enu_m[1]
        return np.stack([np.hypot(dx, dy), np.arctan2(dx, dy)], axis=-1)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        dx = x[..., 0] - self.sensor_pos_enu_m[0]
        dy = x[..., 1] - self.sensor_pos_enu_m[1]
        r2 = np.maximum(dx * dx + dy * dy, 1e-12)
        r = np.sqrt(r2)
        J = np.zeros(x.shape[:-1] + (2, x.shape[-1]))
        J[..., 0, 0], J[..., 0, 1] = dx / r, dy / r
        J[..., 1, 0], J[..., 1, 1] = dy / r2, -dx / r2
        return J

    def inverse(self, z: np.ndarray, R: np.ndarray):
        z = np.asarray(z, float)
        r, az = z[..., 0], z[..., 1]
        sa, ca = np.sin(az), np.cos(az)
        pos = np.stack([self.sensor_pos_enu_m[0] + r * sa, self.sensor_pos_enu_m[1] + r * ca], axis=-1)
        J = np.zeros(z.shape[:-1] + (2, 2))
        J[..., 0, 0], J[..., 0, 1] = sa, r * ca
        J[..., 1, 0], J[..., 1, 1] = ca, -r * sa
        return pos, J @ R @ np.swapaxes(J, -1, -2)


@dataclass(frozen=True)
class Spherical3D:
    """3-D ``[r, az, el]`` (and ``rdot`` if ``with_range_rate``) from ``sensor_pos_enu_m`` (3,)."""

    sensor_pos_enu_m: tuple = (0.0, 0.0, 0.0)
    with_range_rate: bool = False
    linear = False
    ndim = 3

    @property
    def meas_dim(self) -> int:
        return 4 if self.with_range_rate else 3

    @property
    def angle_mask(self) -> np.ndarray:
        m = np.array([False, True, True, False])
        return m[: self.meas_dim]

    def _rel(self, x):
        x = np.asarray(x, float)
        s = np.asarray(self.sensor_pos_enu_m, float)
        return x, x[..., 0] - s[0], x[..., 1] - s[1], x[..., 2] - s[2]

    def h(self, x: np.ndarray) -> np.ndarray:
        x, dx, dy, dz = self._rel(x)
        rh = np.hypot(dx, dy)
        r = np.sqrt(rh * rh + dz * dz)
        cols = [r, np.arctan2(dx, dy), np.arctan2(dz, rh)]
        if self.with_range_rate:
            rs = np.maximum(r, 1e-9)
            cols.append((dx * x[..., 3] + dy * x[..., 4] + dz * x[..., 5]) / rs)
        return np.stack(cols, axis=-1)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        x, dx, dy, dz = self._rel(x)
        rh2 = np.maximum(dx * dx + dy * dy, 1e-12)
        rh = np.sqrt(rh2)
        r2 = rh2 + dz * dz
        r = np.sqrt(r2)
        J = np.zeros(x.shape[:-1] + (self.meas_dim, x.shape[-1]))
        J[..., 0, 0], J[..., 0, 1], J[..., 0, 2] = dx / r, dy / r, dz / r
        J[..., 1, 0], J[..., 1, 1] = dy / rh2, -dx / rh2
        J[..., 2, 0] = -dx * dz / (r2 * rh)
        J[..., 2, 1] = -dy * dz / (r2 * rh)
        J[..., 2, 2] = rh / r2
        if self.with_range_rate:
            v = x[..., 3:6]
            d = np.stack([dx, dy, dz], axis=-1)
            rdot = np.sum(d * v, axis=-1) / r
            J[..., 3, 0:3] = (v - d * (rdot / r)[..., None]) / r[..., None]
            J[..., 3, 3:6] = d / r[..., None]
        return J

    def inverse(self, z: np.ndarray, R: np.ndarray):
        z = np.asarray(z, float)
        R = np.asarray(R, float)[..., :3, :3]
        r, az, el = z[..., 0], z[..., 1], z[..., 2]
        sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
        s = np.asarray(self.sensor_pos_enu_m, float)
        pos = np.stack([s[0] + r * ce * sa, s[1] + r * ce * ca, s[2] + r * se], axis=-1)
        J = np.zeros(z.shape[:-1] + (3, 3))
        J[..., 0, 0], J[..., 0, 1], J[..., 0, 2] = ce * sa, r * ce * ca, -r * se * sa
        J[..., 1, 0], J[..., 1, 1], J[..., 1, 2] = ce * ca, -r * ce * sa, -r * se * ca
        J[..., 2, 0], J[..., 2, 2] = se, r * ce
        return pos, J @ R @ np.swapaxes(J, -1, -2)
