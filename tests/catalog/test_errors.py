"""Bad catalog entries give one-line CatalogErrors naming file, line, column and field."""

from __future__ import annotations

import re

import pytest

from iadsim.catalog import load_catalog
from iadsim.errors import CatalogError



def write(directory, rel, text):
    path = directory / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

GOOD_MISSILE = """\
kind: missile
name: TESTM
system: test
range_max_km: {nominal: 100, sources: [skolnik_2001]}
alt_max_km: {nominal: 20, sources: [skolnik_2001]}
alt_min_m: {nominal: 10, sources: [skolnik_2001]}
speed_max_mps: {nominal: 1000, sources: [skolnik_2001]}
guidance: test
"""


def _err(tmp_path, rel, text) -> CatalogError:
    write(tmp_path, rel, text)
    with pytest.raises(CatalogError) as info:
        load_catalog([tmp_path])
    err = info.value
    assert "\n" not in str(err)
    return err


def test_user_entry_adds(tmp_path):
    write(tmp_path, "missiles/TESTM.yaml", GOOD_MISSILE)
    cat = load_catalog([tmp_path])
    assert cat.missile("TESTM").range_max_km.nominal == 100
    assert "TESTM" not in load_catalog()


def test_user_entry_overrides_same_kind(tmp_path, packaged_text):
    text = packaged_text("missiles/9M96E.yaml").replace("nominal: 32", "nominal: 33")
    write(tmp_path, "missiles/9M96E.yaml", text)
    assert load_catalog([tmp_path]).missile("9M96E").range_max_km.nominal == 33
    assert load_catalog().missile("9M96E").range_max_km.nominal == 32


def test_user_sources_add(tmp_path):
    write(tmp_path, "sources.yaml", "mine:\n  title: T\n  publisher: P\n  url: https://example.org/x\n"
          "  date: 2020-01-02\n  language: en\n  reliability: B\n")
    write(tmp_path, "missiles/TESTM.yaml", GOOD_MISSILE.replace("[skolnik_2001]", "[mine]", 1))
    cat = load_catalog([tmp_path])
    assert cat.sources["mine"].date == "2020-01-02"
    assert cat.sources["mine"].reliability == "B" and cat.cite("mine") == "mine [B]"


SOURCE_HEAD = "mine:\n  title: T\n  publisher: P\n  url: https://example.org/x\n  date: 2020\n  language: en\n"


def test_source_without_grade_is_located(tmp_path):
    err = _err(tmp_path, "sources.yaml", SOURCE_HEAD)
    assert err.field == "mine.reliability" and err.line == 2 and "required" in str(err)


def test_source_grade_outside_admiralty_scale(tmp_path):
    err = _err(tmp_path, "sources.yaml", SOURCE_HEAD + "  reliability: G\n")
    assert err.field == "mine.reliability" and err.line == 7
    assert "'A'" in str(err) and "'F'" in str(err)


def test_low_grade_needs_a_reason(tmp_path):
    err = _err(tmp_path, "sources.yaml", SOURCE_HEAD + "  reliability: D\n")
    assert err.field == "mine" and "grade_note" in str(err) and "not usually reliable" in str(err)
    write(tmp_path, "sources.yaml", SOURCE_HEAD + "  reliability: D\n  grade_note: state media\n")
    assert load_catalog([tmp_path]).sources["mine"].grade == "D (not usually reliable)"


def test_isbn_check_digit(tmp_path):
    err = _err(tmp_path, "sources.yaml", SOURCE_HEAD + "  reliability: A\n  isbn: 0-07-290980-4\n")
    assert err.field == "mine.isbn" and err.line == 8 and "check digit" in str(err)
    write(tmp_path, "sources.yaml", SOURCE_HEAD + "  reliability: A\n  isbn: 978-0-07-148547-0\n")
    assert load_catalog([tmp_path]).sources["mine"].isbn == "978-0-07-148547-0"


def test_missing_field(tmp_path):
    text = GOOD_MISSILE.replace("guidance: test\n", "")
    err = _err(tmp_path, "missiles/m.yaml", text)
    assert err.file.endswith("m.yaml") and err.field == "guidance"
    assert "required" in str(err)


def test_unknown_field_has_line(tmp_path):
    err = _err(tmp_path, "missiles/m.yaml", GOOD_MISSILE + "colour: red\n")
    assert err.line == 9 and err.column == 9 and err.field == "colour"
    assert re.match(r".*m\.yaml:9:9: colour: unknown field", str(err))


def test_duplicate_key(tmp_path):
    err = _err(tmp_path, "missiles/m.yaml", GOOD_MISSILE + "guidance: again\n")
    assert err.line == 9 and "duplicate key" in str(err)


def test_bad_source_id(tmp_path):
    text = GOOD_MISSILE.replace("alt_max_km: {nominal: 20, sources: [skolnik_2001]}",
                                "alt_max_km: {nominal: 20, sources: [skolnik_2010]}")
    err = _err(tmp_path, "missiles/m.yaml", text)
    assert err.line == 5 and err.field == "alt_max_km.sources[0]"
    assert "unknown source id 'skolnik_2010'" in str(err) and "skolnik_2001" in str(err)


def test_duplicate_name_across_files(tmp_path):
    write(tmp_path, "missiles/a.yaml", GOOD_MISSILE)
    err = _err(tmp_path, "missiles/b.yaml", GOOD_MISSILE)
    assert err.file.endswith("b.yaml") and err.line == 2 and err.field == "name"
    assert "a.yaml" in str(err)


def test_override_with_other_kind(tmp_path):
    err = _err(tmp_path, "missiles/m.yaml", GOOD_MISSILE.replace("name: TESTM", "name: 91N6E"))
    assert "already a radar" in str(err) and err.line == 2


def test_bare_number_rejected(tmp_path):
    text = GOOD_MISSILE.replace("range_max_km: {nominal: 100, sources: [skolnik_2001]}",
                                "range_max_km: 100")
    err = _err(tmp_path, "missiles/m.yaml", text)
    assert err.line == 4 and err.field == "range_max_km" and "bare number" in str(err)


def test_low_above_nominal(tmp_path):
    text = GOOD_MISSILE.replace("{nominal: 100, sources", "{nominal: 100, low: 120, sources")
    err = _err(tmp_path, "missiles/m.yaml", text)
    assert err.line == 4 and "low <= nominal <= high" in str(err)


def test_negative_value(tmp_path):
    text = GOOD_MISSILE.replace("{nominal: 1000,", "{nominal: -1000,")
    err = _err(tmp_path, "missiles/m.yaml", text)
    assert err.line == 7 and "positive" in str(err)


def test_unknown_launcher_missile(tmp_path):
    text = ("kind: launcher\nname: L1\nsystem: t\nloads:\n"
            "  - {missile: 48N6E4, count: {nominal: 4, sources: [skolnik_2001]}}\n")
    err = _err(tmp_path, "launchers/l.yaml", text)
    assert err.line == 5 and err.field == "loads[0].missile"
    assert "did you mean" in str(err)


def test_unknown_system_component(tmp_path):
    text = ("kind: system\nname: S1\nnote: n\ncomponents:\n  - {equipment: 91N6E, count: 1}\n"
            "  - {equipment: 92N7E, count: 1}\n")
    err = _err(tmp_path, "systems/s.yaml", text)
    assert err.line == 6 and err.field == "components[1].equipment"


def test_pk_unknown_threat(tmp_path):
    text = GOOD_MISSILE + "pk:\n  fighter4: {nominal: 0.5, sources: [skolnik_2001]}\n"
    err = _err(tmp_path, "missiles/m.yaml", text)
    assert err.line == 10 and "fighter_4gen" in str(err)


def test_unknown_kind(tmp_path):
    err = _err(tmp_path, "m.yaml", GOOD_MISSILE.replace("kind: missile", "kind: misile"))
    assert err.line == 1 and err.field == "kind" and "did you mean 'missile'" in str(err)


def test_kind_in_wrong_folder(tmp_path):
    err = _err(tmp_path, "radars/m.yaml", GOOD_MISSILE)
    assert "folder radars/" in str(err)


def test_band_frequency_mismatch(tmp_path, packaged_text):
    text = packaged_text("radars/91N6E.yaml").replace("name: 91N6E", "name: R1").replace(
        "band: S", "band: X")
    err = _err(tmp_path, "radars/r.yaml", text)
    assert err.field == "frequency_ghz.nominal" and "outside X band" in str(err)


def test_bad_source_registry(tmp_path):
    err = _err(tmp_path, "sources.yaml", "mine:\n  title: T\n  publisher: P\n  url: nope\n"
               "  date: 2020\n  language: en\n")
    assert err.line == 4 and err.field == "mine.url"


def test_bad_date(tmp_path):
    err = _err(tmp_path, "sources.yaml", "mine:\n  title: T\n  publisher: P\n  url: https://x.org\n"
               "  date: 12 July 2019\n  language: en\n")
    assert err.line == 5 and "YYYY" in str(err)


def test_not_yaml(tmp_path):
    err = _err(tmp_path, "missiles/m.yaml", "kind: missile\nname: [unclosed\n")
    assert err.line is not None and "not valid YAML" in str(err)


def test_missing_dir(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog([tmp_path / "nope"])


def test_unknown_name_suggestion():
    cat = load_catalog()
    with pytest.raises(CatalogError) as info:
        cat.radar("91N6")
    msg = str(info.value)
    assert msg.startswith("unknown radar '91N6'; known: 91N6E, 92N6E, 96L6E")
    assert "(did you mean '91N6E'?)" in msg
    with pytest.raises(CatalogError, match="did you mean '48N6E3'"):
        cat.missile("48n6e3x")
    with pytest.raises(CatalogError, match="is a missile, not a radar"):
        cat.radar("48N6E2")
    with pytest.raises(CatalogError, match="unknown catalog entry"):
        cat.get("nothing-like-it")
    with pytest.raises(CatalogError, match="unknown kind"):
        cat.names("radars")
