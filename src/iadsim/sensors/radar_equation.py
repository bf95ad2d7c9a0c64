"""The monostatic radar range equation, and its calibration from a published detection range.

Single-pulse signal-to-noise ratio of a point target (Skolnik, *Introduction to Radar Systems*,
3rd ed., 2001, ch. 2; Richards, *Fundamentals of Radar Signal Processing*, 2nd ed., 2014,
ch. 2):

    SNR = P_t G_t G_r λ² σ F⁴ / ((4π)³ k T0 F_n B L R⁴)

P_t peak power (W), G_t, G_r antenna gains (linear), λ wavelength (m), σ RCS (m²), F the
one-way pattern-propagation factor (amplitude, so the two-way power factor is F⁴), k Boltzmann's
constant, T0 the reference temperature (290 K, IEEE), F_n the receiver noise figure (linear),
B the noise bandwidth (Hz), L the system losses (linear, ≥ 1), R the range (m).

The transmit power, gains and losses of real air-defence radars are rarely public; what is
published is a detection range against a reference RCS at some Pd/Pfa. Everything in the range
equation except σ, F and R then collapses into one constant,

    K = SNR_ref R_ref⁴ / σ_ref        (units m²)

so that SNR = K σ F⁴ / R⁴ at any other range, RCS and propagation factor. ``SNR_ref`` is the
single-look SNR needed for the reference Pd/Pfa (see :mod:`iadsim.sensors.detection`).

All functions broadcast their array arguments and return linear values unless named ``_db``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "SPEED_OF_LIGHT_MPS",
    "BOLTZMANN_J_PER_K",
    "T0_K",
    "db_to_linear",
    "linear_to_db",
    "wavelength_m",
    "snr_single_pulse",
    "radar_constant_from_reference",
    "snr_from_constant",
    "range_for_snr",
]

#: Speed of light in vacuum (exact, SI 2019), m/s.
SPEED_OF_LIGHT_MPS: float = 299_792_458.0
#: Boltzmann constant (exact, SI 2019), J/K.
BOLTZMANN_J_PER_K: float = 1.380649e-23
#: IEEE reference noise temperature, K.
T0_K: float = 290.0

_FOUR_PI_CUBED = (4.0 * math.pi) ** 3


def _out(a: NDArray[np.float64]) -> NDArray[np.float64] | np.float64:
    return a[()] if a.ndim == 0 else a


def db_to_linear(x_db: ArrayLike) -> NDArray[np.float64] | np.float64:
    """Power ratio from decibels: 10^(x/10)."""
    return _out(np.power(10.0, np.asarray(x_db, dtype=np.float64) / 10.0))


def linear_to_db(x: ArrayLike) -> NDArray[np.float64] | np.float64:
    """Decibels from a power ratio: 10 log10(x); 0 gives −inf (no warning)."""
    with np.errstate(divide="ignore"):
        return _out(10.0 * np.log10(np.asarray(x, dtype=np.float64)))


def wavelength_m(frequency_hz: ArrayLike) -> NDArray[np.float64] | np.float64:
    """λ = c / f with c = 299,792,458 m/s."""
    return _out(SPEED_OF_LIGHT_MPS / np.asarray(frequency_hz, dtype=np.float64))


def snr_single_pulse(
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    peak_power_w: ArrayLike,
    gain_tx: ArrayLike,
    gain_rx: ArrayLike,
    wavelength_m: ArrayLike,
    noise_figure_db: ArrayLike,
    bandwidth_hz: ArrayLike,
    losses_db: ArrayLike,
    t0_k: ArrayLike = T0_K,
    propagation_factor: ArrayLike = 1.0,
) -> NDArray[np.float64] | np.float64:
    """Single-pulse SNR (linear) from the monostatic radar range equation.

    SNR = P_t G_t G_r λ² σ F⁴ / ((4π)³ k T0 F_n B L R⁴) (Skolnik 2001, ch. 2; Richards 2014,
    ch. 2). Gains are linear; noise figure and losses in dB. With a noise figure
    of 0 dB, ``t0_k`` acts as the system noise temperature T_s (the convention of MATLAB's
    ``radareqsnr``, where also B = 1/τ for a pulse of length τ).
    """
    r = np.asarray(range_m, dtype=np.float64)
    r2 = r * r
    f = np.asarray(propagation_factor, dtype=np.float64)
    f2 = f * f
    lam = np.asarray(wavelength_m, dtype=np.float64)
    num = (
        np.asarray(peak_power_w, dtype=np.float64)
        * np.asarray(gain_tx, dtype=np.float64)
        * np.asarray(gain_rx, dtype=np.float64)
        * lam
        * lam
        * np.asarray(rcs_m2, dtype=np.float64)
        * (f2 * f2)
    )
    den = (
        _FOUR_PI_CUBED
        * BOLTZMANN_J_PER_K
        * np.asarray(t0_k, dtype=np.float64)
        * db_to_linear(noise_figure_db)
        * np.asarray(bandwidth_hz, dtype=np.float64)
        * db_to_linear(losses_db)
        * (r2 * r2)
    )
    return _out(np.asarray(num / den, dtype=np.float64))


def radar_constant_from_reference(
    ref_range_m: ArrayLike, ref_rcs_m2: ArrayLike, ref_snr: ArrayLike
) -> NDArray[np.float64] | np.float64:
    """Radar constant K = SNR_ref R_ref⁴ / σ_ref (m²) from a published detection range.

    ``ref_snr`` is linear: the single-look SNR that gives the published Pd at the published
    Pfa (e.g. ``db_to_linear(required_snr_db(0.5, 1e-6, n, swerling))``).
    """
    r = np.asarray(ref_range_m, dtype=np.float64)
    r2 = r * r
    snr = np.asarray(ref_snr, dtype=np.float64)
    rcs = np.asarray(ref_rcs_m2, dtype=np.float64)
    return _out(np.asarray(snr * (r2 * r2) / rcs, dtype=np.float64))


def snr_from_constant(
    radar_constant_m2: ArrayLike,
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    propagation_factor: ArrayLike = 1.0,
) -> NDArray[np.float64] | np.float64:
    """SNR (linear) = K σ F⁴ / R⁴, the calibrated range equation (F one-way amplitude)."""
    r = np.asarray(range_m, dtype=np.float64)
    r2 = r * r
    f = np.asarray(propagation_factor, dtype=np.float64)
    f2 = f * f
    return _out(
        np.asarray(
            np.asarray(radar_constant_m2, dtype=np.float64)
            * np.asarray(rcs_m2, dtype=np.float64)
            * (f2 * f2)
            / (r2 * r2),
            dtype=np.float64,
        )
    )


def range_for_snr(
    radar_constant_m2: ArrayLike, rcs_m2: ArrayLike, snr: ArrayLike
) -> NDArray[np.float64] | np.float64:
    """Free-space range (m) at which SNR (linear) is reached: R = (K σ / SNR)^(1/4)."""
    k = np.asarray(radar_constant_m2, dtype=np.float64)
    rcs = np.asarray(rcs_m2, dtype=np.float64)
    s = np.asarray(snr, dtype=np.float64)
    return _out(np.asarray(np.sqrt(np.sqrt(k * rcs / s)), dtype=np.float64))
