"""The χ² gate quantile is computed once per (probability, dimension): the tracker asks at every scan."""

from __future__ import annotations

import pytest
from scipy.stats import chi2

from iadsim.tracking import association
from iadsim.tracking.association import chi2_gate


def test_chi2_gate_is_the_quantile_and_computed_once(monkeypatch):
    """Source: scipy.stats.chi2.ppf (exact equality: the cached value is that call's result)."""
    for p, m in ((0.99, 3), (0.999, 2), (0.9973, 6)):
        assert chi2_gate(p, m) == float(chi2.ppf(p, m))

    def refuse(*a, **k):
        raise AssertionError("chi2.ppf called again for a cached (probability, dimension)")

    monkeypatch.setattr(association.chi2, "ppf", refuse)
    assert chi2_gate(0.99, 3) == pytest.approx(11.344866730144373, rel=1e-12)
