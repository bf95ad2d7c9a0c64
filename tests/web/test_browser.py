"""The viewer in a real browser: Playwright driving Debian's Chromium (headless) against uvicorn on
127.0.0.1. Open a finished run, switch the altitude layer, scrub the timeline, upload a broken
scenario, start a small run and watch it finish; screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import importlib.util
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location("_web_conftest_b", Path(__file__).with_name("conftest.py"))
_cf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cf)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
STATIC = Path(__file__).resolve().parents[2] / "src" / "iadsim" / "web" / "static" / "index.html"
BUILD = Path(__file__).resolve().parents[2] / "scripts" / "build_web.sh"

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():  # scripts/test.sh installs it (apt) when run as root
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (scripts/test.sh does it as root)")
    if not STATIC.is_file():  # scripts/test.sh builds it; build it here for a bare pytest run (needs npm)
        import fcntl
        import subprocess

        lock = BUILD.parents[1] / ".cache" / "build_web.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "w") as fh:  # one build at a time across pytest-xdist workers
            fcntl.flock(fh, fcntl.LOCK_EX)
            res = subprocess.run(["bash", str(BUILD), "--if-missing"], capture_output=True, text=True, timeout=900)
        assert res.returncode == 0 and STATIC.is_file(), f"scripts/build_web.sh failed:\n{res.stdout}\n{res.stderr}"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked = []

    def route(r):  # offline: anything not served by our own server is refused and recorded
        if r.request.url.startswith(server.url) or r.request.url.startswith("data:"):
            return r.continue_()
        blocked.append(r.request.url)
        return r.abort()

    ctx.route("**/*", route)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server.url + "/")
    pg.wait_for_function("window.iadsimViewer && window.iadsimViewer.ready", timeout=60_000)
    if pg.evaluate("() => window.iadsimViewer.run") != "small-run":  # other tests may have added runs
        pg.select_option("[data-testid=run-select]", "small-run")
        pg.wait_for_function("() => window.iadsimViewer.ready && window.iadsimViewer.run === 'small-run'",
                             timeout=60_000)
    yield pg
    ctx.close()
    assert not errors, errors
    assert not blocked, f"the viewer asked the network for {blocked}"


def _image(png: bytes) -> np.ndarray:
    from matplotlib.image import imread

    return imread(io.BytesIO(png), format="png")[..., :3]


def _not_blank(png: bytes) -> np.ndarray:
    img = _image(png)
    colours = np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 20 and float(img.std()) > 0.03, "screenshot looks blank"
    return img


def _shot(pg, artefacts: Path, name: str, selector: str | None = None) -> np.ndarray:
    target = pg.locator(selector) if selector else pg
    png = target.screenshot(path=str(artefacts / f"{name}.png"))
    return _not_blank(png)


def _overlay_loaded(pg, alt: str) -> None:
    pg.wait_for_function(
        """alt => { const v = window.iadsimViewer; if (!v.overlayUrl || !v.overlayUrl.includes('altitude_m=' + alt)) return false;
                    const img = [...document.querySelectorAll('img.leaflet-image-layer')].pop();
                    return img && img.complete && img.naturalWidth > 0; }""", arg=alt, timeout=30_000)


def test_open_run_and_switch_altitude_layer(page, artefacts):
    page.select_option("[data-testid=product-select]", "detection")
    page.select_option("[data-testid=alt-select]", "8000")
    _overlay_loaded(page, "8000")
    high = _shot(page, artefacts, "viewer-alt-8000m", "#map")
    page.select_option("[data-testid=alt-select]", "300")
    _overlay_loaded(page, "300")
    low = _shot(page, artefacts, "viewer-alt-300m", "#map")
    changed = np.abs(high - low).max(axis=-1) > 0.05
    assert changed.mean() > 0.05, "the map did not change with the altitude layer"
    _shot(page, artefacts, "viewer-run")


def _positions(page) -> dict[str, list[float]]:
    return page.evaluate("() => window.iadsimViewer.positions")


def _scrub(page, t: float) -> None:
    page.eval_on_selector("[data-testid=scrub]", "(el, t) => { el.value = String(t); el.dispatchEvent(new Event('input')); }", t)


def test_scrub_moves_threats_and_play_pause(page, artefacts):
    _scrub(page, 5)
    early = _positions(page)
    assert early, "no threat shown at T+5 s"
    _scrub(page, 60)
    later = _positions(page)
    moved = [name for name in early if name in later and math.dist(early[name], later[name]) > 0.05]
    assert moved, (early, later)
    assert float(page.inner_text("[data-testid=time]")) == pytest.approx(60.0)
    _shot(page, artefacts, "viewer-scrubbed-60s")
    page.select_option("[data-testid=speed]", "100")
    page.click("[data-testid=play]")
    page.wait_for_function("() => window.iadsimViewer.t > 70", timeout=30_000)
    page.click("[data-testid=pause]")
    t_paused = page.evaluate("() => window.iadsimViewer.t")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.iadsimViewer.t") == t_paused


def test_upload_broken_scenario_shows_located_error(page, artefacts):
    page.set_input_files("[data-testid=scen-file]", files=[{
        "name": "broken.yaml", "mimeType": "application/x-yaml", "buffer": _cf.BROKEN.encode()}])
    result = page.locator("[data-testid=scen-result]")
    result.filter(has_text="broken.yaml:").wait_for(timeout=30_000)
    text = result.inner_text()
    assert re.search(r"broken\.yaml:5:14: sites\[0\]\.lat_deg: ", text), text
    _shot(page, artefacts, "viewer-broken-scenario")


def test_edit_a_stored_scenario(page):
    page.select_option("[data-testid=scen-stored]", "small")
    page.click("[data-testid=scen-load]")
    page.locator("[data-testid=scen-result].ok").wait_for(timeout=30_000)
    assert "name: small" in page.input_value("[data-testid=scen-text]")
    assert page.input_value("#scen-name") == "small"


def test_start_a_small_run_and_see_it_finish(page, artefacts, server):
    page.fill("#scen-name", "browser-tiny")
    page.fill("[data-testid=scen-text]", _cf.scenario_text("browser-tiny", "[5000]", 120))
    page.click("[data-testid=run]")
    status = page.locator("[data-testid=job-status]")
    status.filter(has_text=re.compile(r"(done|failed)")).wait_for(timeout=600_000)
    assert "done" in status.inner_text(), status.inner_text()
    page.wait_for_function("() => window.iadsimViewer.ready && window.iadsimViewer.run === 'browser-tiny-run1'",
                           timeout=60_000)
    assert (server.root / "browser-tiny-run1" / "manifest.json").is_file()
    _shot(page, artefacts, "viewer-run-finished")


def test_start_a_tiny_sweep_and_see_it_listed(page, artefacts, server):
    text = _cf.scenario_text("browser-sweep", "[5000]", 120).replace("salvo_size: 2}",
                                                                     "salvo_size: 2, tracking: perfect}")
    page.fill("#scen-name", "browser-sweep")
    page.fill("[data-testid=scen-text]", text)
    page.fill("[data-testid=sweep-reps]", "2")
    page.fill("[data-testid=sweep-vary]", "engagement.salvo_size=1,2")
    page.click("[data-testid=run-sweep]")
    status = page.locator("[data-testid=job-status]")
    status.filter(has_text=re.compile(r"(done|failed)")).wait_for(timeout=600_000)
    assert "done" in status.inner_text() and "4/4 replications" in status.inner_text(), status.inner_text()
    page.wait_for_function("() => window.iadsimViewer.sweep === 'browser-sweep-sweep1'", timeout=60_000)
    assert page.locator("#sweeps").is_visible()
    assert page.input_value("[data-testid=sweep-select]") == "browser-sweep-sweep1"
    table = page.locator("#sweep-table")
    assert "4 replications" in table.inner_text() and table.locator("tr").count() == 3  # header + 2 points
    assert "salvo_size=2" in table.locator("tr").nth(2).inner_text()
    assert (server.root / "browser-sweep-sweep1" / "sweep.json").is_file()
    page.locator("#sweeps").scroll_into_view_if_needed()
    _shot(page, artefacts, "viewer-sweep-finished")
