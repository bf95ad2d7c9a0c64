"""Property test: a mutated valid entry either loads or raises CatalogError, never anything else."""

from __future__ import annotations

import copy
import shutil

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iadsim.catalog import PACKAGED_DIR, load_catalog
from iadsim.errors import CatalogError

FILES = sorted(p.relative_to(PACKAGED_DIR).as_posix() for p in PACKAGED_DIR.rglob("*.yaml"))
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _mutate(data, path, op, junk):
    data = copy.deepcopy(data)
    if not path:
        return junk if op == "replace" else data
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    key = path[-1]
    if op == "drop":
        del parent[key]
    elif op == "negate" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
        parent[key] = -parent[key] - 1
    elif op == "string":
        parent[key] = str(parent[key]) + "x"
    else:
        parent[key] = junk
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_entry_loads_or_catalog_error(tmp_path_factory, data):
    rel = data.draw(st.sampled_from(FILES))
    original = yaml.safe_load((PACKAGED_DIR / rel).read_text(encoding="utf-8"))
    paths = list(_paths(original))
    path = data.draw(st.sampled_from(paths))
    op = data.draw(st.sampled_from(["drop", "replace", "negate", "string"]))
    junk = data.draw(JUNK)
    mutated = _mutate(original, path, op, junk)
    root = tmp_path_factory.mktemp("cat")
    shutil.copytree(PACKAGED_DIR, root / "c")
    (root / "c" / rel).write_text(yaml.safe_dump(mutated, allow_unicode=True), encoding="utf-8")
    try:
        load_catalog([root / "c"])
    except CatalogError as exc:
        assert "\n" not in str(exc)
        assert exc.file is None or exc.file.endswith(".yaml") or "c" in exc.file


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_random_text_loads_or_catalog_error(tmp_path_factory, text):
    root = tmp_path_factory.mktemp("junk")
    (root / "missiles").mkdir()
    (root / "missiles" / "x.yaml").write_text(text, encoding="utf-8")
    try:
        load_catalog([root])
    except CatalogError:
        pass
