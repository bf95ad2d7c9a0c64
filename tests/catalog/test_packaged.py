"""The packaged catalog: every entry loads, every figure is sourced, every source is complete."""

from __future__ import annotations

import math

import pytest

from iadsim.catalog import (
    BAND_EDGES_GHZ,
    Figure,
    Launcher,
    Missile,
    Radar,
    System,
    ThreatClass,
    entry_table,
    load_catalog,
)
from iadsim.catalog.models import RCS_BANDS_REQUIRED

REQUIRED = {
    "radar": {"91N6E", "92N6E", "96L6E"},
    "launcher": {"5P85SE2"},
    "missile": {"48N6E2", "48N6E3", "48N6DM", "40N6E", "9M96E", "9M96E2"},
    "threat": {"fighter_4gen", "lo_fighter", "cruise_missile", "small_drone"},
    "system": {"S-400-battalion"},
}


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def test_required_entries_present(cat):
    for kind, names in REQUIRED.items():
        assert names <= set(cat.names(kind)), kind


def test_cached(cat):
    assert load_catalog() is cat


def test_every_figure_sourced_and_ordered(cat):
    n = 0
    for name in cat.names():
        for path, fig in cat.figures(name):
            n += 1
            assert isinstance(fig, Figure)
            assert fig.sources, (name, path)
            for sid in fig.sources:
                assert sid in cat.sources, (name, path, sid)
            assert fig.low <= fig.nominal <= fig.high, (name, path)
            assert all(math.isfinite(v) for v in (fig.low, fig.nominal, fig.high))
    assert n > 100


def test_every_source_complete(cat):
    assert len(cat.sources) >= 20
    for sid, src in cat.sources.items():
        assert src.title and src.publisher and src.date and src.language, sid
        assert src.url.startswith(("http://", "https://")), sid
        if src.date == "undated":
            assert src.note, sid


def test_no_game_data_cited(cat):
    for sid, src in cat.sources.items():
        text = f"{src.url} {src.publisher}".lower()
        for marker in ("cmo-db-requests", "highdigitsams", "dcs", "skynet-iads"):
            assert marker not in text, sid


def test_assumptions_are_marked_and_explained(cat):
    for name in cat.names():
        for row in entry_table(cat.get(name)):
            if row["assumption"]:
                assert len(row["note"]) > 30, (name, row["field"])


def test_radars(cat):
    for name in cat.names("radar"):
        r = cat.radar(name)
        assert isinstance(r, Radar)
        lo, hi = BAND_EDGES_GHZ[r.band]
        assert lo <= r.frequency_ghz.nominal <= hi
        assert "K = SNR_ref" in r.calibration
        ref = r.detection_reference
        assert 0 < ref.pd < 1 and 0 < ref.pfa < 1
    assert cat.radar("92N6E").fire_control.targets.nominal == 36
    assert cat.radar("92N6E").fire_control.missiles.nominal == 72
    d = cat.radar("91N6E").detection_reference.range_km
    assert (d.low, d.nominal, d.high) == (400, 600, 600)


def test_missile_spreads(cat):
    assert cat.missile("40N6E").range_max_km.nominal > cat.missile("48N6E3").range_max_km.nominal
    for name in cat.names("missile"):
        m = cat.missile(name)
        assert isinstance(m, Missile)
        assert set(m.pk) == REQUIRED["threat"]
        for fig in m.pk.values():
            assert 0 <= fig.low <= fig.high <= 1
            assert fig.is_assumption


def test_threat_rcs_bands(cat):
    for name in cat.names("threat"):
        t = cat.threat(name)
        assert isinstance(t, ThreatClass)
        assert set(RCS_BANDS_REQUIRED) <= set(t.rcs_m2)
    lo = cat.threat("lo_fighter").rcs_m2
    # the low-observable question turns on the band: metre-wave RCS is much larger
    assert lo["VHF"].nominal > 10 * lo["X"].nominal
    assert cat.threat("cruise_missile").alt_ref == "agl"


def test_launcher_and_system(cat):
    ln = cat.launcher("5P85SE2")
    assert isinstance(ln, Launcher)
    for loads in ln.loadouts().values():
        for load in loads:
            assert load.missile in cat.names("missile")
            assert load.count.nominal == 4
    assert ln.default_load() == {"48N6E2": 4}
    s = cat.system("S-400-battalion")
    assert isinstance(s, System)
    counts = {c.equipment: c.count for c in s.components}
    assert counts == {"91N6E": 1, "92N6E": 1, "96L6E": 1, "5P85SE2": 8}


def test_entry_table_rows(cat):
    rows = entry_table(cat.radar("91N6E"))
    by_field = {r["field"]: r for r in rows}
    row = by_field["detection_reference.range_km"]
    assert row["unit"] == "km" and row["nominal"] == 600 and row["sources"]
    assert by_field["detection_reference.rcs_m2"]["unit"] == "m²"
    assert by_field["frequency_ghz"]["unit"] == "GHz"
    rows = entry_table(cat.threat("lo_fighter"))
    assert {r["field"] for r in rows} >= {"rcs_m2.VHF", "rcs_m2.X", "speed_mps"}
    assert all(r["unit"] for r in rows)
    m_rows = {r["field"]: r for r in entry_table(cat.missile("40N6E"))}
    assert m_rows["pk.fighter_4gen"]["unit"] == "probability"
    assert m_rows["alt_min_m"]["unit"] == "m"
    assert m_rows["speed_max_mps"]["unit"] == "m/s"
    for r in rows:
        assert set(r) >= {"field", "nominal", "low", "high", "unit", "sources"}


def test_models_frozen(cat):
    r = cat.radar("91N6E")
    with pytest.raises(Exception):
        r.band = "X"  # type: ignore[misc]
