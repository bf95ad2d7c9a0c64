"""The coverage hot loop of :meth:`iadsim.world.World.radar_visible_snr`, fused over altitude layers.

One numba pass per radar computes, for every cell and every altitude layer, exactly what
``World.radar_visible_snr`` computes for one layer (same formulas, same operation order, so the
results agree to rounding): slant range and elevation on the effective (k·R) earth (Blake 1986,
as :func:`iadsim.geo.refraction.slant_range_elevation`), the visibility test (instrumented range,
sector, above ground, at or above the lowest visible height, elevation limits, slant range) and
the SNR per m² of RCS K/R⁴ (:func:`iadsim.sensors.radar_equation.snr_from_constant` with σ = F = 1).
The per-cell geometry that does not depend on the layer (φ = G/a_e, sin(φ/2), sin φ, sector) is
computed once per cell and shared by every layer. The sea-reflection factor is applied by the
caller (``World.radar_visible_snr_layers``) on the visible cells only.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, parallel=True)
def visible_snr_layers_kernel(gr: np.ndarray, az: np.ndarray, ground: np.ndarray, lvh: np.ndarray,
                              alts: np.ndarray, agl: bool, h_radar: float, a_e: float, max_range: float,
                              has_sector: bool, sec_az0: float, sec_width: float, el_min: float, el_max: float,
                              k_const: float, visible: np.ndarray, snr: np.ndarray) -> None:
    """Fill ``visible`` (layers, n) and ``snr`` (layers, n, SNR per m², 0 where not visible) for
    flattened cells ``gr, az, ground, lvh`` (n,) and altitudes ``alts`` (AGL if ``agl`` else MSL)."""
    n_a = alts.shape[0]
    n = gr.shape[0]
    two_pi = 2.0 * math.pi
    r_r = a_e + h_radar
    for k in numba.prange(n):
        g = gr[k]
        cell_ok = g <= max_range
        if cell_ok and has_sector:
            cell_ok = ((az[k] - sec_az0) % two_pi) <= sec_width
        if not cell_ok:
            for a in range(n_a):
                visible[a, k] = False
                snr[a, k] = 0.0
            continue
        phi = g / a_e
        s_half = math.sin(0.5 * phi)
        s_phi = math.sin(phi)
        gnd = ground[k]
        lv = lvh[k]
        for a in range(n_a):
            ht = gnd + alts[a] if agl else alts[a]
            h_agl = ht - gnd
            ok = h_agl >= 0.0 and h_agl >= lv
            slant = 0.0
            if ok:
                r_t = a_e + ht
                d = ht - h_radar
                slant = math.sqrt(d * d + 4.0 * r_r * r_t * s_half * s_half)
                el = math.atan2(d - 2.0 * r_t * s_half * s_half, r_t * s_phi)
                ok = el >= el_min and el <= el_max and slant <= max_range
            visible[a, k] = ok
            if ok:
                r = max(slant, 1.0)
                r2 = r * r
                snr[a, k] = k_const * 1.0 * 1.0 / (r2 * r2)
            else:
                snr[a, k] = 0.0
