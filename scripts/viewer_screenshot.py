"""Screenshot of the web viewer for the README/docs (Playwright + Debian's Chromium, headless).

Usage: python scripts/viewer_screenshot.py RUNS_DIR OUT.png [--run NAME] [--time S] [--threat-class C]
       [--product P] [--altitude M]
e.g.   python scripts/viewer_screenshot.py runs docs/viewer.png --run turkey-2019 --time 700 \\
           --threat-class cruise_missile --product detection --altitude 1000
"""

from __future__ import annotations

import argparse
import threading
import time

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs_dir")
    p.add_argument("out")
    p.add_argument("--run")
    p.add_argument("--time", type=float, default=0.0)
    p.add_argument("--threat-class")
    p.add_argument("--product")
    p.add_argument("--altitude")
    a = p.parse_args()

    import uvicorn
    from playwright.sync_api import sync_playwright

    from iadsim.web import create_app

    srv = uvicorn.Server(uvicorn.Config(create_app(a.runs_dir), host="127.0.0.1", port=0, log_level="warning",
                                       lifespan="off"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    host, port = srv.servers[0].sockets[0].getsockname()[:2]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(f"http://{host}:{port}/")
        page.wait_for_function("window.iadsimViewer && window.iadsimViewer.ready", timeout=120_000)
        if a.run:
            page.select_option("#run-select", a.run)
            page.wait_for_function("r => window.iadsimViewer.ready && window.iadsimViewer.run === r", arg=a.run,
                                   timeout=120_000)
        for sel, value in (("#class-select", a.threat_class), ("#product-select", a.product),
                           ("#alt-select", a.altitude)):
            if value:
                page.select_option(sel, value)
        page.wait_for_timeout(1500)
        page.eval_on_selector("#scrub", "(el, t) => { el.value = String(t); el.dispatchEvent(new Event('input')); }",
                              a.time)
        page.wait_for_timeout(500)
        page.screenshot(path=a.out)
        browser.close()
    srv.should_exit = True
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
