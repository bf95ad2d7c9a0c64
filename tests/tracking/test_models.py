"""Motion and measurement models: closed forms, Jacobians against finite differences."""

import numpy as np
import pytest

from iadsim.tracking import (
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
    CoordinatedTurnKnownRate,
    LinearPosition,
    RangeBearing2D,
    Spherical3D,
    wrap_angle,
)


def num_jac(f, x, eps=1e-6):
    x = np.asarray(x, float)
    f0 = f(x)
    J = np.zeros(f0.shape + x.shape)
    for k in range(x.size):
        dx = np.zeros_like(x)
        dx[k] = eps * max(1.0, abs(x[k]))
        J[..., k] = (f(x + dx) - f(x - dx)) / (2 * dx[k])
    return J


def test_cv_matches_bar_shalom_closed_form():
    """Bar-Shalom, Li & Kirubarajan (2001) §6.2.2: Q = q [[T³/3, T²/2], [T²/2, T]] per axis."""
    cv = ConstantVelocity(2, q=2.0)
    T = 3.0
    F, Q = cv.F(T), cv.Q(T)
    assert np.allclose(F @ np.array([1, 2, 3, 4.0]), [1 + 3 * T, 2 + 4 * T, 3, 4])
    assert np.isclose(Q[0, 0], 2 * T**3 / 3) and np.isclose(Q[0, 2], 2 * T**2 / 2)
    assert np.isclose(Q[2, 2], 2 * T) and Q[0, 1] == 0
    np.linalg.cholesky(Q)


def test_ca_q_is_positive_definite_and_f_composes():
    ca = ConstantAcceleration(3, q=0.1)
    assert np.allclose(ca.F(1.0) @ ca.F(2.0), ca.F(3.0))
    np.linalg.cholesky(ca.Q(0.5))


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("w", [0.0, 1e-7, 0.05, -0.3])
def test_ct_jacobian_matches_finite_differences(ndim, w):
    ct = CoordinatedTurn(ndim, q=1.0, q_turn=1e-4)
    x = np.r_[np.arange(ndim) * 100.0, [200.0, -50.0, 10.0][:ndim], w]
    J = ct.jacobian(x[None], 2.0)[0]
    Jn = num_jac(lambda v: ct.f(v[None], 2.0)[0], x, eps=1e-7)
    assert np.allclose(J, Jn, rtol=1e-5, atol=1e-5)


def test_ct_turns_velocity_and_reduces_to_cv():
    ct = CoordinatedTurn(2)
    x = np.array([[0.0, 0.0, 100.0, 0.0, np.pi / 20]])
    y = ct.f(x, 10.0)[0]  # quarter turn counter-clockwise
    assert np.allclose(y[2:4], [0.0, 100.0], atol=1e-9)
    assert np.allclose(y[:2], [100 * 20 / np.pi, 100 * 20 / np.pi])
    x0 = np.array([[1.0, 2.0, 30.0, -40.0, 0.0]])
    assert np.allclose(ct.f(x0, 2.0)[0, :4], ConstantVelocity(2).F(2.0) @ x0[0, :4])
    kr = CoordinatedTurnKnownRate(2, omega_radps=np.pi / 20)
    assert np.allclose(kr.F(10.0) @ x[0, :4], y[:4])


def test_linear_position():
    m = LinearPosition(3, 6)
    x = np.arange(12.0).reshape(2, 6)
    assert np.array_equal(m.h(x), x[:, :3])
    assert np.array_equal(m.jacobian(x)[0], np.eye(3, 6))


@pytest.mark.parametrize(
    "model, x",
    [
        (RangeBearing2D((100.0, -50.0)), np.array([3000.0, -4000.0, 10.0, 20.0])),
        (Spherical3D((10.0, 20.0, 5.0)), np.array([3000.0, 4000.0, 1000.0, 1.0, 2.0, 3.0])),
        (
            Spherical3D((10.0, 20.0, 5.0), with_range_rate=True),
            np.array([-3000.0, -4000.0, 1000.0, 100.0, -20.0, 3.0]),
        ),
    ],
)
def test_measurement_jacobians_and_inverse(model, x):
    J = model.jacobian(x[None])[0]
    Jn = num_jac(lambda v: model.h(v[None])[0], x)
    assert np.allclose(J, Jn, rtol=1e-5, atol=1e-9)
    z = model.h(x[None])
    R = np.diag([25.0, 1e-6, 1e-6, 1.0][: model.meas_dim])
    pos, C = model.inverse(z, R[None])
    assert np.allclose(pos[0], x[: model.ndim], atol=1e-6)
    np.linalg.cholesky(C)


def test_bearing_convention_clockwise_from_north():
    m = RangeBearing2D()
    z = m.h(np.array([[1.0, 0.0, 0, 0], [0.0, 1.0, 0, 0], [0.0, -1.0, 0, 0],
                     [-1.0, 0.0, 0, 0], [-1e-12, -1.0, 0, 0]]))
    assert np.allclose(z[:, 1], [np.pi / 2, 0.0, np.pi, -np.pi / 2, -np.pi], atol=1e-9)
    assert np.allclose(wrap_angle([np.pi, -np.pi, 3 * np.pi, 0.1]), [np.pi, np.pi, np.pi, 0.1])
