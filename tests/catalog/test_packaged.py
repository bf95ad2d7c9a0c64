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
from iadsim.catalog.models import RCS_BANDS_REQUIRED, RELIABILITY_SCALE
from iadsim.engagement.flyout import boost_coast_profile

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


#: URL or publisher fragments of sources that must never be cited: game data, school pages,
#: book-review sites standing in for a book, tutorial sites, unauthorised copies of books.
WEAK_SOURCE_MARKERS = {
    "game data": ("cmo-db-requests", "highdigitsams", "dcs", "skynet-iads", "command: modern operations"),
    "school page": (".k12.", "k12.", "high school", "student newspaper", "school district"),
    "book-review site": ("goodreads", "librarything", "bookreview", "book review"),
    "tutorial site": ("tutorial", "bhaswanth", "homo-deus", "lab notes", "/learn/", "electronics-tutorials",
                      "radartutorial"),
    "unauthorised copy": ("scribd", "digilib", "/ebook/", "pdfcoffee", "dokumen.pub", "vdoc.pub", "epdf.",
                          "libgen", "z-lib", "pdfdrive", "studylib", "yumpu", "doku.pub", "kupdf"),
}


def weak_source_kind(url: str, publisher: str) -> str | None:
    """Which forbidden kind a source's URL or publisher matches, if any."""
    text = f"{url} {publisher}".lower()
    for kind, markers in WEAK_SOURCE_MARKERS.items():
        if any(m in text for m in markers):
            return kind
    return None


def test_weak_source_markers_catch_the_old_citations():
    # the citations issue 9 found, so the patterns cannot silently go stale
    assert weak_source_kind("https://www.goodreads.com/en/book/show/4268092-introduction-to-radar-systems",
                            "McGraw-Hill") == "book-review site"
    assert weak_source_kind("https://madison.k12.sd.us/o/madison-high-school/article/1032789",
                            "Madison High School student newspaper") == "school page"
    assert weak_source_kind("https://www.bhaswanth.in/learn/radar-systems/4-radar-cross-section",
                            "bhaswanth.in (radar systems tutorial)") == "tutorial site"
    assert weak_source_kind("https://digilib.universitaspertamina.ac.id/ebook/Radar%20Technology/page178.html",
                            "Artech House") == "unauthorised copy"
    assert weak_source_kind("https://github.com/PygmalionOfCyprus/cmo-db-requests/issues/90", "x") == "game data"
    assert weak_source_kind("https://www.af.mil/About-Us/Fact-Sheets/Display/Article/104505/f-16-fighting-falcon/",
                            "U.S. Air Force") is None


def test_no_game_data_or_weak_source_cited(cat):
    bad = {sid: weak_source_kind(src.url, src.publisher) for sid, src in cat.sources.items()}
    assert not {sid: kind for sid, kind in bad.items() if kind}, "weak sources cited"


def test_every_source_graded_with_a_reason(cat):
    for sid, src in cat.sources.items():
        assert src.reliability in RELIABILITY_SCALE, sid
        assert src.grade_note and len(src.grade_note) > 10, sid
    grades = {src.reliability for src in cat.sources.values()}
    assert {"A", "B", "D"} <= grades  # textbooks, think tanks and state media are all present


def test_state_media_graded_as_such(cat):
    state = ("sputnik", "ria novosti", "tass", "rt en", "people's daily", "xinhua", "vietnam news agency")
    n = 0
    for sid, src in cat.sources.items():
        if any(m in src.publisher.lower() for m in state):
            n += 1
            assert src.reliability in ("C", "D", "E", "F"), sid
            if not src.publisher.lower().startswith(("army recognition",)):
                assert src.reliability in ("D", "E", "F"), sid
    assert n >= 8


def test_books_cited_as_printed(cat):
    """A book (it has an author) is cited with its ISBN and a catalogue record, never a copy or a review page."""
    books = {sid: src for sid, src in cat.sources.items() if src.author}
    assert {"skolnik_2001", "barton_leonov_encyclopedia", "knott_rcs_2004"} <= set(books)
    for sid, src in books.items():
        assert src.isbn, sid
        assert src.isbn.replace("-", "") in src.url, sid
    sk = cat.sources["skolnik_2001"]
    assert (sk.isbn, sk.edition, sk.publisher) == ("0-07-290980-3", "3rd edition", "McGraw-Hill")


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
    fc = cat.radar("92N6E").fire_control
    # per battalion: the public 36 targets / 72 missiles is a system or regiment figure
    assert fc.targets.high < 36 and fc.missiles.high < 72
    assert fc.missiles.nominal == 2 * fc.targets.nominal
    assert fc.targets.derived and "36" in fc.targets.derived
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


def test_doctrine_figures_present_and_consistent(cat):
    """Issue 9 item 6: reload, launch interval, minimum range and a boost–coast profile, each with a spread."""
    ln = cat.launcher("5P85SE2")
    assert ln.reload_s is not None and ln.launch_interval_s is not None
    assert 60 <= ln.reload_s.low <= ln.reload_s.nominal <= ln.reload_s.high <= 3600
    assert 1 <= ln.launch_interval_s.low <= ln.launch_interval_s.nominal <= ln.launch_interval_s.high <= 10
    for name in cat.names("missile"):
        m = cat.missile(name)
        for fig in (m.range_min_km, m.speed_avg_mps, m.boost_s):
            assert fig is not None, name
            assert fig.low < fig.high, name  # a spread, not a point
            assert fig.is_assumption or fig.derived, name
        assert m.range_min_km.high < m.range_max_km.low, name
        assert m.speed_avg_mps.high < m.speed_max_mps.nominal, name  # the average is below the maximum
        # the nominal figures calibrate the fly-out the battle uses (raises if inconsistent)
        boost_coast_profile(m.speed_max_mps.nominal, m.speed_avg_mps.nominal, m.boost_s.nominal,
                            m.range_max_km.nominal * 1e3)
        boost_coast_profile(m.speed_max_mps.nominal, m.speed_avg_mps.low, m.boost_s.low,
                            m.range_max_km.nominal * 1e3)
