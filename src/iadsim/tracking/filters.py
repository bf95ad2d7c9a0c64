"""Batched Kalman-family filters: every function takes N states at once.

Shapes: ``x`` (N, d), ``P`` (N, d, d), ``z`` (N, m), ``R`` (m, m) or (N, m, m); ``F``/``Q`` (d, d)
shared by all tracks (built once per time step) or (N, d, d).

* Kalman / extended Kalman update in Joseph form
  ``P⁺ = (I − K H) P (I − K H)ᵀ + K R Kᵀ`` (Bucy & Joseph 1968; Bar-Shalom et al. 2001, §5.2),
  then symmetrised, so P stays symmetric positive (semi)definite whatever K rounding does.
* Unscented filter: scaled sigma points (Julier 2002; Wan & van der Merwe 2000), defaults
  α = 1, β = 2, κ = 0, so every covariance weight is ≥ 0 and predicted covariances stay PSD.
  Angle components of measurements are averaged about the first sigma point with wrapped
  differences and every residual is wrapped to (−π, π] — the fix FilterPy leaves to its users.
* IMM (Blom & Bar-Shalom, IEEE T-AC 1988) over linear modes sharing one state space (e.g. CV and
  known-rate coordinated turns), batched over tracks: arrays ``x`` (N, r, d), ``P`` (N, r, d, d),
  ``mu`` (N, r).
"""

from __future__ import annotations

import numpy as np

from iadsim.errors import MeasurementError
from iadsim.tracking.models import wrap_angle

__all__ = [
    "symmetrise",
    "kf_predict",
    "kf_update",
    "ekf_predict",
    "ekf_update",
    "ukf_predict",
    "ukf_update",
    "sigma_points",
    "IMM",
    "imm_predict",
    "imm_update",
    "imm_combine",
    "check_measurements",
]


def symmetrise(P: np.ndarray) -> np.ndarray:
    return 0.5 * (P + np.swapaxes(P, -1, -2))


def _T(a):
    return np.swapaxes(a, -1, -2)


def check_measurements(z, R, meas_dim=None, field_prefix=""):
    """Validate a batch of measurements; raise :class:`MeasurementError` on bad input.

    ``z`` (M, m) must be finite; ``R`` (m, m) or (M, m, m) finite, symmetric and positive
    definite (a zero or singular noise covariance would make the update divide by zero).
    Returns ``(z, R)`` as float arrays, ``z`` always 2-D.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z.reshape(-1, meas_dim or 1) if z.size == 0 else z[None, :]
    m = z.shape[1] if meas_dim is None else meas_dim
    if z.shape[1] != m:
        raise MeasurementError(
            f"measurements have {z.shape[1]} components, the model expects {m}",
            field=field_prefix + "z",
        )
    if not np.isfinite(z).all():
        bad = np.flatnonzero(~np.all(np.isfinite(z), axis=1))
        raise MeasurementError(
            f"{bad.size} measurement(s) are NaN or infinite (first at row {bad[0]}); "
            "expected finite values",
            field=field_prefix + "z",
        )
    R = np.asarray(R, dtype=float)
    if R.ndim not in (2, 3) or R.shape[-2:] != (m, m) or (R.ndim == 3 and R.shape[0] != len(z)):
        raise MeasurementError(
            f"noise covariance has shape {R.shape}; expected ({m}, {m}) or ({len(z)}, {m}, {m})",
            field=field_prefix + "R",
        )
    if not np.isfinite(R).all():
        raise MeasurementError(
            "noise covariance is NaN or infinite; expected finite values", field=field_prefix + "R"
        )
    absR = np.abs(R)
    if R.size and (np.abs(R - _T(R)) > 1e-9 * absR.max()).any():
        raise MeasurementError("noise covariance is not symmetric", field=field_prefix + "R")
    if R.size:
        try:
            np.linalg.cholesky(R)
        except np.linalg.LinAlgError:
            raise MeasurementError(
                "noise covariance is zero or singular; expected a positive definite matrix "
                "(every sigma > 0)",
                field=field_prefix + "R",
            ) from None
    return z, R


# ------------------------------------------------------------------------------ Kalman / EKF


def kf_predict(x, P, F, Q):
    """``x⁻ = F x``, ``P⁻ = F P Fᵀ + Q`` for all tracks."""
    x = np.asarray(x, float)
    F = np.asarray(F, float)
    if F.ndim == 2:
        xp = x @ F.T
        Pp = F @ P @ F.T + Q
    else:
        xp = np.einsum("nij,nj->ni", F, x)
        Pp = F @ P @ _T(F) + Q
    return xp, symmetrise(Pp)


def _joseph(x, P, nu, H, R):
    """Joseph-form update with innovation ``nu`` (N, m), Jacobian ``H`` (m, d) or (N, m, d)."""
    PHt = P @ _T(H)
    S = symmetrise(H @ PHt + R)
    K = _T(np.linalg.solve(S, _T(PHt)))  # P Hᵀ S⁻¹ (S symmetric)
    xu = x + np.einsum("nij,nj->ni", K, nu)
    d = x.shape[-1]
    A = np.eye(d) - K @ H
    Pu = A @ P @ _T(A) + K @ R @ _T(K)
    return xu, symmetrise(Pu), S


def kf_update(x, P, z, H, R, angle_mask=None):
    """Linear Kalman update (Joseph form). ``z`` (N, m) is the measurement of each track."""
    x = np.asarray(x, float)
    H = np.asarray(H, float)
    nu = np.asarray(z, float) - (x @ H.T if H.ndim == 2 else np.einsum("nij,nj->ni", H, x))
    if angle_mask is not None and np.any(angle_mask):
        nu[:, angle_mask] = wrap_angle(nu[:, angle_mask])
    xu, Pu, _ = _joseph(x, P, nu, H, R)
    return xu, Pu


def ekf_predict(x, P, model, dt_s):
    """EKF prediction through ``model.f`` with Jacobian ``model.jacobian``."""
    if getattr(model, "linear", False):
        return kf_predict(x, P, model.F(dt_s), model.Q(dt_s))
    Fj = model.jacobian(x, dt_s)
    xp = model.f(x, dt_s)
    return xp, symmetrise(Fj @ P @ _T(Fj) + model.Q(dt_s))


def ekf_update(x, P, z, R, meas_model):
    """EKF update for a measurement model with ``h``, ``jacobian`` and ``angle_mask``."""
    x = np.asarray(x, float)
    H = meas_model.jacobian(x)
    nu = np.asarray(z, float) - meas_model.h(x)
    am = meas_model.angle_mask
    if np.any(am):
        nu[:, am] = wrap_angle(nu[:, am])
    xu, Pu, _ = _joseph(x, P, nu, H, R)
    return xu, Pu


# --------------------------------------------------------------------------------------- UKF


def _psd_sqrt(A):
    """Lower Cholesky factor; falls back to an eigen-decomposition for PSD-but-singular A."""
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh(symmetrise(A))
        return V * np.sqrt(np.clip(w, 0.0, None))[..., None, :]


def sigma_points(x, P, alpha=1.0, beta=2.0, kappa=0.0):
    """Scaled sigma points ``X`` (N, 2d+1, d) and weights ``Wm``, ``Wc`` (2d+1,)."""
    x = np.asarray(x, float)
    d = x.shape[-1]
    lam = alpha**2 * (d + kappa) - d
    L = _psd_sqrt((d + lam) * np.asarray(P, float))  # (N, d, d); columns are offsets
    off = _T(L)  # (N, d, d): row k = k-th column of L
    X = np.concatenate([x[:, None, :], x[:, None, :] + off, x[:, None, :] - off], axis=1)
    Wm = np.full(2 * d + 1, 1.0 / (2.0 * (d + lam)))
    Wc = Wm.copy()
    Wm[0] = lam / (d + lam)
    Wc[0] = Wm[0] + (1.0 - alpha**2 + beta)
    return X, Wm, Wc


def _angle_mean(Z, Wm, am):
    """Weighted mean over axis 1 with angle components averaged as wrapped offsets."""
    if not np.any(am):
        return np.einsum("s,nsm->nm", Wm, Z)
    ref = Z[:, :1, :]
    D = Z - ref
    D[..., am] = wrap_angle(D[..., am])
    mean = ref[:, 0, :] + np.einsum("s,nsm->nm", Wm, D)
    mean[:, am] = wrap_angle(mean[:, am])
    return mean


def ukf_predict(x, P, model, dt_s, alpha=1.0, beta=2.0, kappa=0.0):
    """Unscented prediction through ``model.f``."""
    X, Wm, Wc = sigma_points(x, P, alpha, beta, kappa)
    Xp = model.f(X, dt_s)
    xp = np.einsum("s,nsd->nd", Wm, Xp)
    D = Xp - xp[:, None, :]
    Pp = np.einsum("s,nsi,nsj->nij", Wc, D, D) + model.Q(dt_s)
    return xp, symmetrise(Pp)


def ukf_update(x, P, z, R, meas_model, alpha=1.0, beta=2.0, kappa=0.0):
    """Unscented update with angle-aware measurement mean and wrapped residuals."""
    am = np.asarray(meas_model.angle_mask, bool)
    X, Wm, Wc = sigma_points(x, P, alpha, beta, kappa)
    Z = meas_model.h(X)
    zhat = _angle_mean(Z, Wm, am)
    DZ = Z - zhat[:, None, :]
    DZ[..., am] = wrap_angle(DZ[..., am])
    DX = X - np.asarray(x, float)[:, None, :]
    S = symmetrise(np.einsum("s,nsi,nsj->nij", Wc, DZ, DZ) + R)
    Pxz = np.einsum("s,nsi,nsj->nij", Wc, DX, DZ)
    K = _T(np.linalg.solve(S, _T(Pxz)))
    nu = np.asarray(z, float) - zhat
    nu[:, am] = wrap_angle(nu[:, am])
    xu = x + np.einsum("nij,nj->ni", K, nu)
    Pu = symmetrise(P - K @ S @ _T(K))
    return xu, Pu


# --------------------------------------------------------------------------------------- IMM


def imm_predict(x, P, mu, F, Q, Pi):
    """IMM interaction (mixing) and mode-matched prediction.

    ``x`` (N, r, d), ``P`` (N, r, d, d), ``mu`` (N, r); ``F``, ``Q`` (r, d, d) per mode;
    ``Pi`` (r, r) with ``Pi[i, j] = P(mode j now | mode i before)``.
    Returns predicted ``x``, ``P`` and predicted mode probabilities ``c`` (N, r).
    """
    c = mu @ Pi  # c_j = Σ_i Π_ij μ_i
    c_safe = np.maximum(c, 1e-300)
    w = mu[:, :, None] * Pi[None] / c_safe[:, None, :]  # μ_{i|j}, (N, i, j)
    x0 = np.einsum("nij,nid->njd", w, x)
    dx = x[:, :, None, :] - x0[:, None, :, :]  # (N, i, j, d)
    P0 = np.einsum("nij,nide->njde", w, P) + np.einsum("nij,nijd,nije->njde", w, dx, dx)
    xp = np.einsum("jde,nje->njd", F, x0)
    Pp = F[None] @ P0 @ _T(F)[None] + Q[None]
    return xp, symmetrise(Pp), c


def imm_update(x, P, c, z, R, H):
    """Mode-matched Kalman updates and mode-probability update; ``z`` (N, m), ``H`` (m, d)."""
    n, r, d = x.shape
    zz = np.repeat(np.asarray(z, float)[:, None, :], r, axis=1).reshape(n * r, -1)
    xf = x.reshape(n * r, d)
    Pf = P.reshape(n * r, d, d)
    nu = zz - xf @ H.T
    xu, Pu, S = _joseph(xf, Pf, nu, H, R)
    sign, logdet = np.linalg.slogdet(S)
    d2 = np.einsum("ni,ni->n", nu, np.linalg.solve(S, nu[..., None])[..., 0])
    loglik = (-0.5 * (d2 + logdet + H.shape[0] * np.log(2 * np.pi))).reshape(n, r)
    lw = loglik + np.log(np.maximum(c, 1e-300))
    lw -= lw.max(axis=1, keepdims=True)
    mu = np.exp(lw)
    mu /= mu.sum(axis=1, keepdims=True)
    return xu.reshape(n, r, d), Pu.reshape(n, r, d, d), mu


def imm_combine(x, P, mu):
    """Moment-matched combined estimate ``(x, P)`` of the IMM mixture."""
    xc = np.einsum("nr,nrd->nd", mu, x)
    dx = x - xc[:, None, :]
    Pc = np.einsum("nr,nrde->nde", mu, P) + np.einsum("nr,nrd,nre->nde", mu, dx, dx)
    return xc, symmetrise(Pc)


class IMM:
    """Batched IMM over linear motion models sharing one state (e.g. CV and known-rate CTs).

    ``models``: objects with ``F(dt)``, ``Q(dt)``; ``transition`` (r, r) Markov matrix.
    """

    def __init__(self, models, transition):
        self.models = list(models)
        self.Pi = np.asarray(transition, float)
        r = len(self.models)
        if self.Pi.shape != (r, r) or not np.allclose(self.Pi.sum(axis=1), 1.0):
            raise ValueError("transition must be an r×r matrix whose rows sum to 1")

    def init(self, x, P, mu0=None):
        """Per-mode copies of ``x`` (N, d), ``P`` (N, d, d) and initial mode probabilities."""
        r = len(self.models)
        x = np.asarray(x, float)
        xs = np.repeat(x[:, None], r, axis=1)
        Ps = np.repeat(np.asarray(P, float)[:, None], r, axis=1)
        mu = np.tile(np.full(r, 1.0 / r) if mu0 is None else np.asarray(mu0, float), (len(x), 1))
        return xs, Ps, mu

    def predict(self, x, P, mu, dt_s):
        F = np.stack([m.F(dt_s) for m in self.models])
        Q = np.stack([m.Q(dt_s) for m in self.models])
        return imm_predict(x, P, mu, F, Q, self.Pi)

    def update(self, x, P, c, z, R, H):
        return imm_update(x, P, c, z, R, np.asarray(H, float))

    @staticmethod
    def combine(x, P, mu):
        return imm_combine(x, P, mu)
